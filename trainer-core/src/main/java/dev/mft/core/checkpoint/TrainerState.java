package dev.mft.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * {@code trainer_state.json}: where the run stands. Everything else that makes a resume exact is derived, not stored:
 * the data order is a function of (seed, epoch), the learning rate of the step, dropout masks of (seed, step).
 *
 * @param globalStep optimizer steps done
 * @param epoch epoch of the next micro-batch
 * @param batchInEpoch index of the next micro-batch in that epoch's order
 * @param tokens non-padding tokens seen so far
 * @param bestEvalLoss best evaluation loss so far, if evaluated
 * @param bestStep step of that evaluation
 */
public record TrainerState(int globalStep, int epoch, int batchInEpoch, long tokens, OptionalDouble bestEvalLoss,
        OptionalInt bestStep) {
    public static final String FILE = "trainer_state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The state of a run that has not started. */
    public static TrainerState start() {
        return new TrainerState(0, 0, 0, 0, OptionalDouble.empty(), OptionalInt.empty());
    }

    public void write(Path folder) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("global_step", globalStep);
        n.put("epoch", epoch);
        n.put("batch_in_epoch", batchInEpoch);
        n.put("tokens", tokens);
        if (bestEvalLoss.isPresent()) {
            n.put("best_eval_loss", bestEvalLoss.getAsDouble());
            n.put("best_step", bestStep.orElse(-1));
        }
        AtomicFiles.writeString(folder.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    }

    public static TrainerState read(Path folder) throws IOException {
        Path file = folder.resolve(FILE);
        JsonNode n = JSON.readTree(file.toFile());
        for (String key : new String[] {"global_step", "epoch", "batch_in_epoch", "tokens"}) {
            if (!n.path(key).isIntegralNumber()) {
                throw new CorruptCheckpointException(file + ": missing or non-integer '" + key + "'");
            }
        }
        return new TrainerState(n.get("global_step").asInt(), n.get("epoch").asInt(), n.get("batch_in_epoch").asInt(),
                n.get("tokens").asLong(),
                n.has("best_eval_loss") ? OptionalDouble.of(n.get("best_eval_loss").asDouble()) : OptionalDouble.empty(),
                n.has("best_step") ? OptionalInt.of(n.get("best_step").asInt()) : OptionalInt.empty());
    }
}
