package dev.mft.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import java.nio.file.Path;

/**
 * FastChat / ShareGPT records: {@code {"id": ..., "conversations": [{"from": "human"|"gpt", "value": ...}]}}.
 * Besides human and gpt, {@code from} may be user, assistant, bot or (first only) system. As FastChat does, a
 * leading reply before the first human turn is skipped: such files start with a greeting of the model.
 */
final class FastChatRecords implements RecordReader {

    @Override
    public Conversation read(JsonNode record, Path file, int line) {
        JsonFields.object(record, file, line, "\"conversations\": [{\"from\", \"value\"}]");
        JsonNode messages = JsonFields.list(record, "conversations", "{\"from\", \"value\"}", file, line);
        TurnsBuilder turns = new TurnsBuilder(file, line);
        boolean sawUser = false;
        for (int i = 0; i < messages.size(); i++) {
            String where = "conversations[" + i + "]";
            JsonNode message = messages.get(i);
            String from = JsonFields.text(message, "from", where, file, line);
            Role role = turns.role(from, where + ".from");
            String value = JsonFields.text(message, "value", where, file, line);
            if (role == Role.ASSISTANT && !sawUser) {
                continue; // FastChat's rule: a conversation starts with the human
            }
            sawUser |= role == Role.USER;
            turns.add(role, value, where);
        }
        return turns.build("\"conversations\"");
    }
}
