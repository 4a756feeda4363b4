package dev.mft.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.read.BadDataLog;
import dev.mft.data.read.DataFormat;
import dev.mft.data.read.TaskReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The real data files of ../shared/assets/data, read by mft and, independently, by plain Jackson. */
public final class RealData {

    private RealData() {}

    public static Path alpaca() {
        return SharedAssets.dir().resolve("data/alpaca_en_demo.json");
    }

    public static Path fastChat() {
        return SharedAssets.dir().resolve("data/dummy_conversation.json");
    }

    /** The first {@code n} conversations of a file, as mft reads them (format detected). */
    public static List<Conversation> read(Path file, int n) {
        List<Conversation> all = new TaskReader(DataFormat.AUTO, BadDataLog.failing()).read(file);
        return all.subList(0, Math.min(n, all.size()));
    }

    /** The assistant replies of each of the first {@code n} records, read straight from the JSON (the oracle). */
    public static List<List<String>> replies(Path file, int n) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < Math.min(n, root.size()); i++) {
            JsonNode record = root.get(i);
            List<String> replies = new ArrayList<>();
            if (record.has("output")) {
                replies.add(record.get("output").textValue());
            } else {
                for (JsonNode m : record.get("conversations")) {
                    if ("gpt".equals(m.get("from").textValue())) {
                        replies.add(m.get("value").textValue());
                    }
                }
            }
            out.add(replies);
        }
        return out;
    }
}
