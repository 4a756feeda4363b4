package dev.mft.cli.config;

import static dev.mft.cli.config.ConfigFiles.fileProblem;
import static dev.mft.cli.config.ConfigFiles.load;
import static dev.mft.cli.config.ConfigFiles.withRequired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.data.read.DataFormat;
import dev.mft.data.read.OnBadData;
import dev.mft.data.template.LossMode;
import dev.mft.data.tokenize.Truncation;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The data keys of issue 3 and FastChat's loss flags. */
class DataKeysTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAreMftcodersBehaviour() {
        DataConfig d = load(withRequired(dir, ""), Map.of()).data();

        assertEquals(DataFormat.AUTO, d.dataFormat());
        assertEquals(LossMode.EFFICIENT, d.lossMode());
        assertEquals(Truncation.DROP, d.truncation());
        assertEquals(OnBadData.FAIL, d.onBadData());
        assertTrue(d.dataCache());
        assertEquals(Optional.empty(), d.dataCacheDir());
    }

    @Test
    void eachDataKeyIsRead() {
        DataConfig d = load(withRequired(dir, "\"data_format\": \"fastchat\", \"loss_mode\": \"split_example\","
                + " \"truncation\": \"left\", \"on_bad_data\": \"skip\", \"data_cache\": false,"
                + " \"data_cache_dir\": \"cache\", \"chat_template\": \"llama3.1\""), Map.of()).data();

        assertEquals(DataFormat.FASTCHAT, d.dataFormat());
        assertEquals(LossMode.SPLIT_EXAMPLE, d.lossMode());
        assertEquals(Truncation.LEFT, d.truncation());
        assertEquals(OnBadData.SKIP, d.onBadData());
        assertEquals(Optional.of(dir.resolve("cache")), d.dataCacheDir());
        assertEquals("llama3.1", d.chatTemplate());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"efficient_loss\": true                                  | EFFICIENT",
        "\"last_response_loss\": true                              | LAST_RESPONSE",
        "\"split_example_loss\": true, \"efficient_loss\": false   | SPLIT_EXAMPLE",
        "\"efficient_loss\": false, \"last_response_loss\": false, \"split_example_loss\": true | SPLIT_EXAMPLE",
        "\"loss_mode\": \"last_response\", \"split_example_loss\": false | LAST_RESPONSE",
    })
    void exactlyOneTrueFastChatFlagChoosesTheLossMode(String flags, LossMode expected) {
        assertEquals(expected, load(withRequired(dir, flags), Map.of()).data().lossMode());
    }

    @Test
    void aBareFlagOnTheCommandLineMeansTrue() {
        assertEquals(LossMode.LAST_RESPONSE,
                load(withRequired(dir, ""), TrainConfigLoader.parseOverrides("--last_response_loss")).data().lossMode());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"efficient_loss\": true, \"last_response_loss\": true  | sets 'loss_mode' twice",
        "\"efficient_loss\": false                               | 'efficient_loss' in FILE is false and nothing else"
                + " chooses 'loss_mode'; set exactly one of efficient_loss, last_response_loss, split_example_loss to"
                + " true (or set 'loss_mode')",
        "\"loss_mode\": \"efficient\", \"efficient_loss\": false  | 'efficient_loss' in FILE is false but 'loss_mode'"
                + " in FILE chooses \"efficient\"; keep one",
        "\"truncation\": \"middle\"                              | 'truncation' in FILE must be one of drop, left, right",
        "\"on_bad_data\": \"ignore\"                             | 'on_bad_data' in FILE must be one of fail, skip",
    })
    void moreOrFewerThanOneTrueFlagAndUnknownChoicesAreConfigErrors(String extra, String message) {
        String problem = fileProblem(dir, extra);
        assertTrue(problem.contains(message), problem);
    }
}
