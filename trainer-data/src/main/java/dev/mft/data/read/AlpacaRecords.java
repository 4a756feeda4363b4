package dev.mft.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import java.nio.file.Path;

/**
 * Alpaca records: {@code {"instruction", "input", "output"}} with optional {@code system} and {@code history}
 * ({@code [[user, reply], ...]}, the turns before this one). The user turn is the instruction, followed by
 * {@code "\n"} and the input when the input is not empty (LLaMA-Factory's rule).
 */
final class AlpacaRecords implements RecordReader {

    @Override
    public Conversation read(JsonNode record, Path file, int line) {
        JsonFields.object(record, file, line, "\"instruction\", \"input\" and \"output\"");
        TurnsBuilder turns = new TurnsBuilder(file, line);
        String system = JsonFields.optionalText(record, "system", file, line);
        if (system != null && !system.isEmpty()) {
            turns.add(Role.SYSTEM, system, "system");
        }
        JsonNode history = record.get("history");
        if (history != null && !history.isNull()) {
            if (!history.isArray()) {
                throw new DataFormatException(file, line, "\"history\" is " + JsonFields.describe(history)
                        + "; expected a list of [user, reply] pairs");
            }
            for (int i = 0; i < history.size(); i++) {
                JsonNode pair = history.get(i);
                if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual() || !pair.get(1).isTextual()) {
                    throw new DataFormatException(file, line, "history[" + i + "] is " + JsonFields.describe(pair)
                            + "; expected a pair of strings [user, reply]");
                }
                turns.add(Role.USER, pair.get(0).textValue(), "history[" + i + "][0]");
                turns.add(Role.ASSISTANT, pair.get(1).textValue(), "history[" + i + "][1]");
            }
        }
        String instruction = JsonFields.text(record, "instruction", "", file, line);
        String input = JsonFields.optionalText(record, "input", file, line);
        String prompt = input == null || input.isEmpty() ? instruction : instruction + "\n" + input;
        turns.add(Role.USER, prompt, "instruction");
        turns.add(Role.ASSISTANT, JsonFields.text(record, "output", "", file, line), "output");
        return turns.build("the record");
    }
}
