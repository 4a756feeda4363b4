package dev.mft.peft.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.safetensors.SafetensorsDType;
import dev.mft.core.safetensors.SafetensorsFile;
import dev.mft.core.safetensors.SafetensorsWriter;
import dev.mft.core.safetensors.TensorEntry;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.peft.FrozenLinears;
import dev.mft.peft.TestModels;
import dev.mft.peft.lora.LoraConfig;
import dev.mft.peft.lora.LoraInit;
import dev.mft.peft.lora.LoraLinears;
import dev.mft.peft.lora.TargetModules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdapterFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LoraConfig LORA = new LoraConfig(8, 16, 0.05, false, TargetModules.defaultFor("llama"));

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        TorchRuntime.start();
    }

    private static ModelConfig config(String type) {
        return type.equals("llama") ? TestModels.llama() : TestModels.qwen2();
    }

    /** Builds a model with (random, non-zero) adapters over random base weights and saves the adapter. */
    private static float[] saveAdapter(ModelConfig c, LoraConfig lora, Path out, NDManager root) throws Exception {
        ModelWeights w = ModelWeights.random(c, 1, 0.1, root, Device.cpu());
        LoraLinears f = new LoraLinears(lora, FrozenLinears.dense(), TestModels.randomAdapters(9, 0.1), root);
        LlamaModel model = TestModels.model(c, w.tensors(), f, root);
        AdapterFiles.save(out, lora, "models/base", f.adapters(), List.of());
        return TestModels.logits(model, root);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2"})
    void theAdapterFileHasPeftTensorNamesAndShapes(String type) throws Exception {
        // [A shape, B shape] per projection, from the configs by hand: lora_A is [r, in], lora_B is [out, r]
        Map<String, long[][]> expected = type.equals("llama")
                ? Map.of("self_attn.q_proj", new long[][] {{8, 64}, {64, 8}},
                        "self_attn.k_proj", new long[][] {{8, 64}, {32, 8}}, // 2 kv heads of 16
                        "self_attn.v_proj", new long[][] {{8, 64}, {32, 8}},
                        "self_attn.o_proj", new long[][] {{8, 64}, {64, 8}},
                        "mlp.gate_proj", new long[][] {{8, 64}, {96, 8}},
                        "mlp.up_proj", new long[][] {{8, 64}, {96, 8}},
                        "mlp.down_proj", new long[][] {{8, 96}, {64, 8}})
                : Map.of("self_attn.q_proj", new long[][] {{8, 32}, {32, 8}},
                        "self_attn.k_proj", new long[][] {{8, 32}, {16, 8}}, // 2 kv heads of 8
                        "self_attn.v_proj", new long[][] {{8, 32}, {16, 8}},
                        "self_attn.o_proj", new long[][] {{8, 32}, {32, 8}},
                        "mlp.gate_proj", new long[][] {{8, 32}, {48, 8}},
                        "mlp.up_proj", new long[][] {{8, 32}, {48, 8}},
                        "mlp.down_proj", new long[][] {{8, 48}, {32, 8}});
        Map<String, long[]> want = new TreeMap<>();
        for (int layer = 0; layer < 2; layer++) {
            for (Map.Entry<String, long[][]> e : expected.entrySet()) {
                String p = "base_model.model.model.layers." + layer + "." + e.getKey();
                want.put(p + ".lora_A.weight", e.getValue()[0]);
                want.put(p + ".lora_B.weight", e.getValue()[1]);
            }
        }
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            saveAdapter(config(type), LORA, dir, root);
        }
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
            assertEquals(List.copyOf(want.keySet()), f.names().stream().sorted().toList());
            for (String name : want.keySet()) {
                assertArrayEquals(want.get(name), f.info(name).shape(), name);
                assertEquals(SafetensorsDType.F32, f.info(name).dtype(), name);
            }
            assertEquals(Map.of("format", "pt"), f.metadata());
        }
    }

    @Test
    void theConfigCarriesPeftFields() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            saveAdapter(TestModels.llama(), LORA, dir, root);
        }
        JsonNode c = JSON.readTree(dir.resolve("adapter_config.json").toFile());
        assertEquals("LORA", c.get("peft_type").asText());
        assertEquals("CAUSAL_LM", c.get("task_type").asText());
        assertEquals("models/base", c.get("base_model_name_or_path").asText());
        assertEquals(8, c.get("r").asInt());
        assertTrue(c.get("lora_alpha").isInt(), "PEFT's lora_alpha is an int");
        assertEquals(16, c.get("lora_alpha").asInt());
        assertEquals(0.05, c.get("lora_dropout").asDouble());
        assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                JSON.convertValue(c.get("target_modules"), List.class));
        assertEquals("none", c.get("bias").asText());
        assertEquals(false, c.get("use_rslora").asBoolean());
        assertEquals(false, c.get("use_dora").asBoolean());
        assertEquals(false, c.get("fan_in_fan_out").asBoolean());
    }

    @Test
    void allLinearIsSavedAsTheAdaptedModuleNames() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            saveAdapter(TestModels.llama(), new LoraConfig(8, 16, 0, true, new TargetModules.AllLinear()), dir, root);
        }
        JsonNode c = JSON.readTree(dir.resolve("adapter_config.json").toFile());
        assertEquals(List.of("down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"),
                JSON.convertValue(c.get("target_modules"), List.class));
        assertEquals(true, c.get("use_rslora").asBoolean());
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2"})
    void aSavedAdapterReloadsToTheSameLogits(String type) throws Exception {
        ModelConfig c = config(type);
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            float[] saved = saveAdapter(c, LORA, dir, root);
            try (LoadedAdapter loaded = AdapterFiles.load(dir, root, Device.cpu())) {
                assertEquals(LORA, loaded.config());
                AdapterCompatibility.check(loaded, c);
                ModelWeights w = ModelWeights.random(c, 1, 0.1, root, Device.cpu()); // the same seed: the same base
                LoraLinears f = new LoraLinears(loaded.config(), FrozenLinears.dense(),
                        LoraInit.from(loaded.weights()), root);
                assertArrayEquals(saved, TestModels.logits(TestModels.model(c, w.tensors(), f, root), root));
            }
        }
    }

    private String refusal(NDManager root, ModelConfig base) {
        AdapterFormatException e = assertThrows(AdapterFormatException.class, () -> {
            try (LoadedAdapter a = AdapterFiles.load(dir, root, Device.cpu())) {
                AdapterCompatibility.check(a, base);
            }
        });
        return e.getMessage();
    }

    private void editConfig(String key, Object value) throws Exception {
        Path p = dir.resolve("adapter_config.json");
        ObjectNode n = (ObjectNode) JSON.readTree(p.toFile());
        n.set(key, JSON.valueToTree(value));
        Files.writeString(p, n.toString());
    }

    @Test
    void unsupportedVariantsAndMismatchesAreRefusedByName() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            saveAdapter(TestModels.llama(), LORA, dir, root);
            String bytes = Files.readString(dir.resolve("adapter_config.json"));

            editConfig("use_dora", true);
            assertTrue(refusal(root, TestModels.llama()).contains("use_dora true: DoRA"));
            Files.writeString(dir.resolve("adapter_config.json"), bytes);

            editConfig("r", 4);
            assertTrue(refusal(root, TestModels.llama()).contains("which is not rank r=4"));
            Files.writeString(dir.resolve("adapter_config.json"), bytes);

            editConfig("target_modules", List.of("q_proj", "k_proj", "o_proj", "gate_proj", "up_proj", "down_proj"));
            assertTrue(refusal(root, TestModels.llama()).contains(
                    "adapts model.layers.0.self_attn.v_proj, which target_modules"));
            Files.writeString(dir.resolve("adapter_config.json"), bytes);

            String other = refusal(root, TestModels.qwen2());
            assertTrue(other.contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight has shape"
                    + " [8, 64], but the base model's model.layers.0.self_attn.q_proj.weight needs [8, 32]"), other);
        }
    }

    @Test
    void aModuleWithOnlyOneMatrixOrNoneIsRefused() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            saveAdapter(TestModels.llama(), LORA, dir, root);
            dropTensors("model.layers.1.mlp.up_proj.lora_B.weight");
            assertTrue(refusal(root, TestModels.llama()).contains("module model.layers.1.mlp.up_proj has only lora_A"));
            dropTensors("model.layers.1.mlp.up_proj.lora_A.weight");
            assertTrue(refusal(root, TestModels.llama()).contains("select model.layers.1.mlp.up_proj, but"
                    + " adapter_model.safetensors has no lora_A/lora_B for it"));
        }
    }

    /** Rewrites the adapter file without the tensors whose names end with {@code suffix}. */
    private void dropTensors(String suffix) throws Exception {
        Path p = dir.resolve("adapter_model.safetensors");
        Path copy = dir.resolve("copy.safetensors");
        List<TensorEntry> kept = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            for (String name : f.names()) {
                if (!name.endsWith(suffix)) {
                    byte[] data = new byte[(int) f.info(name).byteSize()];
                    f.data(name).get(data);
                    kept.add(TensorEntry.of(name, f.info(name).dtype(), f.info(name).shape(),
                            java.nio.ByteBuffer.wrap(data)));
                }
            }
        }
        SafetensorsWriter.write(copy, kept, Map.of("format", "pt"));
        Files.move(copy, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
