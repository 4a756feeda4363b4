package dev.mft.cli.config;

import dev.mft.data.read.DataFormat;
import dev.mft.data.read.OnBadData;
import dev.mft.data.template.LossMode;
import dev.mft.data.template.TemplateName;
import dev.mft.data.tokenize.Truncation;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The training data and how samples become token rows.
 *
 * @param dataPaths one folder per task (absolute); the task name is the folder's last path component
 * @param evalDataPaths separate evaluation data, one folder per task; empty = carve it out with {@code dataSplit}
 * @param loadRawDataset read raw JSONL (MFTCoder's other choice is a pre-tokenized binary dataset)
 * @param dataSplit train/valid/test shares of each task
 * @param shuffleBeforeSplit shuffle samples before splitting
 * @param useRandomSampler sample training rows in random order
 * @param paddingMode one sample per row, or several packed into one
 * @param useDynamicPadding pad each batch to its longest row instead of {@code seqLength}
 * @param tokenizeMode supervised (sft: only replies trained) or self-supervised (sst: every token)
 * @param seqLength longest row in tokens
 * @param chatTemplate name of the template that renders conversations
 * @param roleMarkers replacements for the template's system/user/assistant markers; empty = the template's own
 * @param dataFormat record shape of the data files, or AUTO to detect it per file
 * @param lossMode which replies are trained, in which examples
 * @param truncation what happens to examples longer than seqLength
 * @param onBadData fail at the first bad record, or skip and count them
 * @param dataCache keep tokenized datasets on disk
 * @param dataCacheDir where; empty = the user's cache folder
 */
public record DataConfig(
        List<Path> dataPaths,
        List<Path> evalDataPaths,
        boolean loadRawDataset,
        DataSplit dataSplit,
        boolean shuffleBeforeSplit,
        boolean useRandomSampler,
        PaddingMode paddingMode,
        boolean useDynamicPadding,
        TokenizeMode tokenizeMode,
        int seqLength,
        String chatTemplate,
        Map<String, String> roleMarkers,
        DataFormat dataFormat,
        LossMode lossMode,
        Truncation truncation,
        OnBadData onBadData,
        boolean dataCache,
        Optional<Path> dataCacheDir) {

    /** The template whose markers {@code role_markers} replaces. */
    public static final String MFTCODER_TEMPLATE = "mftcoder";
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    /** How samples fill rows. */
    public enum PaddingMode implements ConfigChoice { PADDING, PACK }

    /** Which tokens are trained. */
    public enum TokenizeMode implements ConfigChoice { SFT, SST }

    public DataConfig {
        dataPaths = List.copyOf(Checks.present("data_paths", dataPaths));
        evalDataPaths = List.copyOf(evalDataPaths);
        // Keeps the user's order so messages show the markers as written.
        roleMarkers = Collections.unmodifiableMap(new LinkedHashMap<>(roleMarkers));
        Objects.requireNonNull(dataSplit, "data_split");
        Objects.requireNonNull(paddingMode, "padding_mode");
        Objects.requireNonNull(tokenizeMode, "tokenize_mode");
        Objects.requireNonNull(dataFormat, "data_format");
        Objects.requireNonNull(lossMode, "loss_mode");
        Objects.requireNonNull(truncation, "truncation");
        Objects.requireNonNull(onBadData, "on_bad_data");
        Objects.requireNonNull(dataCacheDir, "data_cache_dir");
        Checks.check(!dataPaths.isEmpty(), "data_paths", dataPaths, "at least one task folder");
        distinctTaskNames("data_paths", dataPaths);
        distinctTaskNames("eval_data_paths", evalDataPaths);
        Checks.positive("seq_length", seqLength);
        Checks.nonBlank("chat_template", chatTemplate);
        Checks.check(TemplateName.configNames().contains(chatTemplate), "chat_template", chatTemplate,
                "one of " + String.join(", ", TemplateName.configNames()));
        Checks.check(roleMarkers.isEmpty() || roleMarkers.keySet().equals(ROLES), "role_markers", roleMarkers,
                "an object with exactly the keys system, user and assistant");
        Checks.check(roleMarkers.isEmpty() || chatTemplate.equals(MFTCODER_TEMPLATE), "role_markers", roleMarkers,
                "unset unless chat_template is \"" + MFTCODER_TEMPLATE + "\" (found chat_template \""
                        + chatTemplate + "\", which has its own markers)");
    }

    /** The same data settings over other data paths (what eval reads when eval_data_paths are given). */
    public DataConfig withDataPaths(List<Path> paths) {
        return new DataConfig(paths, evalDataPaths, loadRawDataset, dataSplit, shuffleBeforeSplit, useRandomSampler,
                paddingMode, useDynamicPadding, tokenizeMode, seqLength, chatTemplate, roleMarkers, dataFormat,
                lossMode, truncation, onBadData, dataCache, dataCacheDir);
    }

    /** Task names, in {@code dataPaths} order. */
    public List<String> taskNames() {
        return dataPaths.stream().map(DataConfig::taskName).toList();
    }

    private static String taskName(Path folder) {
        Path last = folder.getFileName();
        return last == null ? folder.toString() : last.toString();
    }

    // Tasks are named by their folder, so two folders with one name would silently merge into one task.
    private static void distinctTaskNames(String key, List<Path> paths) {
        Set<String> seen = new HashSet<>();
        for (Path path : paths) {
            Checks.check(seen.add(taskName(path)), key, paths,
                    "folders with distinct names (the task name is the folder name; '" + taskName(path)
                            + "' appears twice)");
        }
    }
}
