package dev.mft.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import java.nio.file.Path;
import java.util.List;

/**
 * MFTCoder records: {@code {"chat_rounds": [{"role": ..., "content": ...}]}} (roles system, human|user,
 * bot|assistant|gpt), or one of the single-turn shapes MFTCoder also accepts, tried in MFTCoder's order:
 * prompt/answer, prompt/response, input/output, instruction/output, instruction/response, question/response,
 * question/answer, query/answer, each with an optional {@code system}. Other keys ({@code id}, {@code data_name})
 * are ignored.
 */
final class MftcoderRecords implements RecordReader {

    /** The single-turn (prompt key, answer key) pairs, in MFTCoder's order of preference. */
    static final List<String[]> SINGLE_TURN = List.of(
            new String[] {"prompt", "answer"}, new String[] {"prompt", "response"},
            new String[] {"input", "output"}, new String[] {"instruction", "output"},
            new String[] {"instruction", "response"}, new String[] {"question", "response"},
            new String[] {"question", "answer"}, new String[] {"query", "answer"});

    private static final String SHAPES = "\"chat_rounds\" or one of the single-turn pairs prompt/answer,"
            + " prompt/response, input/output, instruction/output, instruction/response, question/response,"
            + " question/answer, query/answer";

    @Override
    public Conversation read(JsonNode record, Path file, int line) {
        JsonFields.object(record, file, line, SHAPES);
        if (record.has("chat_rounds")) {
            return chatRounds(record, file, line);
        }
        String[] pair = singleTurnPair(record);
        if (pair == null) {
            throw new DataFormatException(file, line, "\"chat_rounds\" is missing; expected " + SHAPES);
        }
        TurnsBuilder turns = new TurnsBuilder(file, line);
        String system = JsonFields.optionalText(record, "system", file, line);
        if (system != null) {
            turns.add(Role.SYSTEM, system, "system");
        }
        turns.add(Role.USER, JsonFields.text(record, pair[0], "", file, line), pair[0]);
        turns.add(Role.ASSISTANT, JsonFields.text(record, pair[1], "", file, line), pair[1]);
        return turns.build("the record");
    }

    /** The first single-turn pair whose two keys the record has, or null. */
    static String[] singleTurnPair(JsonNode record) {
        for (String[] pair : SINGLE_TURN) {
            if (record.has(pair[0]) && record.has(pair[1])) {
                return pair;
            }
        }
        return null;
    }

    private static Conversation chatRounds(JsonNode record, Path file, int line) {
        JsonNode rounds = JsonFields.list(record, "chat_rounds", "{\"role\", \"content\"}", file, line);
        TurnsBuilder turns = new TurnsBuilder(file, line);
        for (int i = 0; i < rounds.size(); i++) {
            String where = "chat_rounds[" + i + "]";
            JsonNode round = rounds.get(i);
            Role role = turns.role(JsonFields.text(round, "role", where, file, line), where + ".role");
            turns.add(role, JsonFields.text(round, "content", where, file, line), where);
        }
        return turns.build("\"chat_rounds\"");
    }
}
