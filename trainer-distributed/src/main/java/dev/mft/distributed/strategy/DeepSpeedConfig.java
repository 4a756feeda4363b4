package dev.mft.distributed.strategy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The parts of a DeepSpeed JSON that mft applies, read strictly: zero_optimization's stage and sizes, and
 * gradient_clipping. Keys that only tune DeepSpeed's own machinery are accepted; settings mft takes from the train
 * config instead (batch sizes, precision) must be "auto" or agree with it; anything mft cannot honour (offloading, a
 * different optimizer) is an error naming the key, never silently ignored.
 *
 * @param microBatch train_micro_batch_size_per_gpu when a number (must equal per_device_train_batch_size)
 * @param accumulation gradient_accumulation_steps when a number
 * @param trainBatch train_batch_size when a number (must equal micro batch x accumulation x world size)
 */
public record DeepSpeedConfig(ZeroSettings zero, OptionalDouble gradientClipping, OptionalLong microBatch,
        OptionalLong accumulation, OptionalLong trainBatch) {

    private static final Set<String> TOP = Set.of("zero_optimization", "gradient_clipping", "bf16", "fp16",
            "train_micro_batch_size_per_gpu", "gradient_accumulation_steps", "train_batch_size", "steps_per_print",
            "wall_clock_breakdown", "zero_allow_untested_optimizer", "optimizer", "scheduler");
    /** Knobs of DeepSpeed's implementation with no effect on what is computed: mft's buckets are always contiguous. */
    private static final Set<String> ZERO_TUNING = Set.of("overlap_comm", "contiguous_gradients", "reduce_scatter",
            "allgather_partitions", "stage3_max_live_parameters", "stage3_max_reuse_distance",
            "stage3_gather_16bit_weights_on_model_save", "stage3_gather_fp16_weights_on_model_save", "sub_group_size",
            "round_robin_gradients");
    private static final Set<String> ZERO_VALUES = Set.of("stage", "reduce_bucket_size", "allgather_bucket_size",
            "stage3_prefetch_bucket_size", "stage3_param_persistence_threshold");

    public static DeepSpeedConfig read(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": a DeepSpeed config must be a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!TOP.contains(key)) {
                throw new IllegalArgumentException(file + ": '" + key + "' is not a DeepSpeed setting mft applies;"
                        + " accepted: " + String.join(", ", TOP.stream().sorted().toList()));
            }
        }
        for (String own : new String[] {"optimizer", "scheduler"}) {
            if (root.has(own)) {
                throw new IllegalArgumentException(file + ": '" + own + "': mft trains with AdamW and the schedule of"
                        + " the train config (learning_rate, weight_decay, adam_*, lr_scheduler_type); remove '" + own
                        + "'");
            }
        }
        for (String precision : new String[] {"bf16", "fp16"}) {
            JsonNode enabled = root.path(precision).path("enabled");
            if (enabled.isBoolean() && enabled.asBoolean()) {
                throw new IllegalArgumentException(file + ": '" + precision + ".enabled' true: mft takes the precision"
                        + " from the train config's mixed_precision; set it to \"auto\"");
            }
        }
        ZeroSettings zero = zero(file, root.path("zero_optimization"));
        return new DeepSpeedConfig(zero, optionalNumber(file, root, "gradient_clipping"),
                optionalLong(file, root, "train_micro_batch_size_per_gpu"),
                optionalLong(file, root, "gradient_accumulation_steps"), optionalLong(file, root, "train_batch_size"));
    }

    private static ZeroSettings zero(Path file, JsonNode z) {
        ZeroSettings d = ZeroSettings.defaults(0);
        if (z.isMissingNode()) {
            return d;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = z.fields(); it.hasNext(); ) {
            String key = it.next().getKey();
            if (key.startsWith("offload_")) {
                throw new IllegalArgumentException(file + ": 'zero_optimization." + key + "': offloading to CPU or NVMe"
                        + " is not available in mft; remove it");
            }
            if (!ZERO_TUNING.contains(key) && !ZERO_VALUES.contains(key)) {
                throw new IllegalArgumentException(file + ": 'zero_optimization." + key + "' is not a setting mft"
                        + " applies; accepted: " + String.join(", ", ZERO_VALUES.stream().sorted().toList()) + " and"
                        + " DeepSpeed's tuning knobs " + String.join(", ", ZERO_TUNING.stream().sorted().toList()));
            }
        }
        int stage = (int) optionalLong(file, z, "stage").orElse(0);
        long reduce = optionalLong(file, z, "reduce_bucket_size").orElse(d.bucketElements());
        long gather = optionalLong(file, z, "allgather_bucket_size").orElse(d.bucketElements());
        return new ZeroSettings(stage, Math.min(reduce, gather),
                optionalLong(file, z, "stage3_prefetch_bucket_size").orElse(d.prefetchElements()),
                optionalLong(file, z, "stage3_param_persistence_threshold").orElse(d.persistenceThreshold()));
    }

    /** A number, or empty for "auto" or absent. DeepSpeed writes sizes like 5e8: whole values only. */
    private static OptionalLong optionalLong(Path file, JsonNode parent, String key) {
        OptionalDouble v = optionalNumber(file, parent, key);
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        double d = v.getAsDouble();
        if (d != Math.rint(d) || d < 0) {
            throw new IllegalArgumentException(file + ": '" + key + "' must be a whole number >= 0, got " + d);
        }
        return OptionalLong.of((long) d);
    }

    private static OptionalDouble optionalNumber(Path file, JsonNode parent, String key) {
        JsonNode n = parent.path(key);
        if (n.isMissingNode() || n.isNull() || (n.isTextual() && n.asText().equals("auto"))) {
            return OptionalDouble.empty();
        }
        if (!n.isNumber()) {
            throw new IllegalArgumentException(file + ": '" + key + "' must be a number or \"auto\", got " + n);
        }
        return OptionalDouble.of(n.asDouble());
    }
}
