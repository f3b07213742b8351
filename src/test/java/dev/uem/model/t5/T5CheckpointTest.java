package dev.uem.model.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.io.SafetensorsWriter;
import dev.uem.model.io.WeightsException;
import dev.uem.testing.Golden;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class T5CheckpointTest {
    static final String MODEL = "t5_v1_1_gated_gelu";

    @TempDir
    Path tmp;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    /** A copy of the fixture checkpoint whose tensors were edited by {@code edit}. */
    private Path editedCopy(java.util.function.Consumer<Map<String, Tensor>> edit) throws IOException {
        Path dir = tmp.resolve("ckpt");
        Files.createDirectories(dir);
        Files.copy(Golden.dir(MODEL).resolve("config.json"), dir.resolve("config.json"));
        Map<String, Tensor> all = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(Golden.dir(MODEL).resolve("model.safetensors"))) {
            for (String k : f.names()) all.put(k, f.read(k));
        }
        edit.accept(all);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), all);
        return dir;
    }

    @Test
    void missingKeyIsOneClearError() throws IOException {
        try (PointerScope s = new PointerScope()) {
            Path dir = editedCopy(m -> m.remove("decoder.block.1.layer.2.DenseReluDense.wo.weight"));
            WeightsException e = assertThrows(WeightsException.class, () -> T5Checkpoint.load(dir));
            assertTrue(
                    e.getMessage().contains("model.safetensors")
                            && e.getMessage().contains("decoder.block.1.layer.2.DenseReluDense.wo.weight")
                            && e.getMessage().contains("missing"),
                    e.getMessage());
        }
    }

    @Test
    void unexpectedKeyAndWrongShapeAreErrors() throws IOException {
        try (PointerScope s = new PointerScope()) {
            Path dir = editedCopy(m -> m.put("encoder.block.9.layer.0.SelfAttention.q.weight", torch.zeros(2, 2)));
            String msg = assertThrows(WeightsException.class, () -> T5Checkpoint.load(dir))
                    .getMessage();
            assertTrue(
                    msg.contains("encoder.block.9.layer.0.SelfAttention.q.weight") && msg.contains("unexpected"), msg);
        }
        try (PointerScope s = new PointerScope()) {
            Files.walk(tmp)
                    .sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
            Path dir = editedCopy(m -> m.put("shared.weight", torch.zeros(128, 31)));
            String msg = assertThrows(WeightsException.class, () -> T5Checkpoint.load(dir))
                    .getMessage();
            assertTrue(msg.contains("shared.weight") && msg.contains("[128, 31]") && msg.contains("[128, 32]"), msg);
        }
    }

    @Test
    void hfAliasesAreAccepted() throws IOException {
        try (PointerScope s = new PointerScope()) {
            // older checkpoints store the embedding under embed_tokens only, and some keep an unused cross-attention
            // bias
            Path dir = editedCopy(m -> {
                Tensor shared = m.remove("shared.weight");
                m.put("encoder.embed_tokens.weight", shared);
                m.put("decoder.embed_tokens.weight", shared);
                m.put("decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight", torch.zeros(32, 4));
            });
            try (T5Model fromAlias = T5Checkpoint.load(dir);
                    T5Model ref = T5Checkpoint.load(Golden.dir(MODEL))) {
                assertTrue(torch.equal(ref.sharedWeight(), fromAlias.sharedWeight()));
            }
        }
    }

    @Test
    void shardedCheckpointLoadsLikeTheSingleFile() throws IOException {
        Path dir = tmp.resolve("sharded");
        Files.createDirectories(dir);
        Files.copy(Golden.dir(MODEL).resolve("config.json"), dir.resolve("config.json"));
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> a = new TreeMap<>(), b = new TreeMap<>();
            Map<String, String> index = new TreeMap<>();
            try (SafetensorsFile f = SafetensorsFile.open(Golden.dir(MODEL).resolve("model.safetensors"))) {
                for (String k : f.names()) {
                    boolean first = k.startsWith("encoder.");
                    (first ? a : b).put(k, f.read(k));
                    index.put(k, first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
                }
            }
            SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), a);
            SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), b);
            Map<String, Object> json = new HashMap<>();
            json.put("metadata", Map.of("total_size", 0));
            json.put("weight_map", index);
            new com.fasterxml.jackson.databind.ObjectMapper()
                    .writeValue(dir.resolve(T5Checkpoint.INDEX).toFile(), json);
            try (T5Model sharded = T5Checkpoint.load(dir);
                    T5Model single = T5Checkpoint.load(Golden.dir(MODEL))) {
                Map<String, Tensor> x = sharded.namedParameters(), y = single.namedParameters();
                assertEquals(y.keySet(), x.keySet());
                for (String k : y.keySet()) assertTrue(torch.equal(x.get(k), y.get(k)), k);
            }
            Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
            String msg = assertThrows(WeightsException.class, () -> T5Checkpoint.load(dir))
                    .getMessage();
            assertTrue(msg.contains("model-00002-of-00002.safetensors") && msg.contains("missing"), msg);
        }
    }

    @Test
    void saveThenLoadGivesTheSameModelAndTiedHeadIsNotStored() {
        Path dir = tmp.resolve("saved");
        try (PointerScope s = new PointerScope();
                T5Model m = T5Checkpoint.load(Golden.dir("t5_original_relu"))) {
            T5Checkpoint.save(m, dir);
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                assertTrue(!f.names().contains("lm_head.weight"), "tied lm_head must not be written");
                assertEquals(m.namedParameters().size(), f.names().size());
            }
            try (T5Model back = T5Checkpoint.load(dir)) {
                assertEquals(m.config, back.config);
                for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet())
                    assertTrue(torch.equal(e.getValue(), back.namedParameters().get(e.getKey())), e.getKey());
            }
        }
    }

    @Test
    void encoderOnlyLoadIgnoresTheDecoder() {
        try (PointerScope s = new PointerScope();
                T5Model enc = T5Checkpoint.load(Golden.dir(MODEL), false)) {
            assertTrue(enc.namedParameters().keySet().stream()
                    .noneMatch(k -> k.startsWith("decoder.") || k.startsWith("lm_head")));
            Tensor h = enc.encode(enc.embed(Tensors.longs(new long[] {5, 6, 1}, 1, 3)), null);
            assertArrayEquals(new long[] {1, 3, 32}, h.shape());
        }
    }
}
