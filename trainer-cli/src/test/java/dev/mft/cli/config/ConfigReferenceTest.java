package dev.mft.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/configuration.md is generated from the key table and must not drift from it. */
class ConfigReferenceTest {

    private static final Path DOC =
            Path.of(System.getProperty("mft.repo.root", "..")).resolve("docs/configuration.md");

    @Test
    void committedReferenceMatchesTheKeyTable() throws IOException {
        String generated = ConfigReference.markdown();
        if (Boolean.getBoolean("mft.regenerateDocs")) {
            writeAtomically(DOC, generated);
        }
        assertTrue(Files.exists(DOC), DOC + " is missing; generate it with: " + ConfigReference.REGENERATE);
        String committed = Files.readString(DOC);
        if (!committed.equals(generated)) {
            fail(DOC + " is stale (it differs from the key table in ConfigKeys at " + firstDifference(committed,
                    generated) + "); regenerate it with: " + ConfigReference.REGENERATE);
        }
    }

    @Test
    void firstDifferenceNamesTheLine() {
        assertEquals("line 2: file has \"b\", table gives \"c\"", firstDifference("a\nb\n", "a\nc\n"));
        assertEquals("line 2: file has \"\", table gives \"b\"", firstDifference("a", "a\nb"));
    }

    /** The first line where the two texts part, so a stale doc shows what changed without a 200-line dump. */
    private static String firstDifference(String committed, String generated) {
        String[] a = committed.split("\n", -1);
        String[] b = generated.split("\n", -1);
        int line = 0;
        while (line < Math.min(a.length, b.length) && a[line].equals(b[line])) {
            line++;
        }
        String has = line < a.length ? a[line] : "";
        String gives = line < b.length ? b[line] : "";
        return "line " + (line + 1) + ": file has \"" + has + "\", table gives \"" + gives + "\"";
    }

    @Test
    void referenceListsEveryKeyAndAlias() {
        String markdown = ConfigReference.markdown();
        for (String name : ConfigKeys.allNames()) {
            assertTrue(markdown.contains("`" + name + "`"), name);
        }
    }

    @Test
    void minimalConfigOfTheReferenceLoads(@TempDir Path dir) throws IOException {
        String markdown = ConfigReference.markdown();
        int start = markdown.indexOf("```json\n") + "```json\n".length();
        String json = markdown.substring(start, markdown.indexOf("```", start));
        Path file = Files.writeString(dir.resolve("minimal.json"), json);
        TrainConfig config = TrainConfigLoader.load(file, Map.of());
        assertEquals(dir.resolve("runs/qwen2-sft"), config.checkpoint().outputDir());
    }

    private static void writeAtomically(Path target, String text) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), ".configuration", ".md.tmp");
        Files.writeString(temp, text);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
