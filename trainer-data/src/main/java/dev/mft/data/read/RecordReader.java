package dev.mft.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mft.data.conversation.Conversation;
import java.nio.file.Path;

/** One data format's record shape turned into a {@link Conversation}; a bad record throws {@link DataFormatException}. */
interface RecordReader {

    Conversation read(JsonNode record, Path file, int line);
}
