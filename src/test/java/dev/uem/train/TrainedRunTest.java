package dev.uem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.io.AtomicFiles;
import dev.uem.model.io.SafetensorsWriter;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.UemConfig;
import dev.uem.model.uem.UemLanguageModel;
import dev.uem.model.uem.UemModelSpec;
import dev.uem.testing.TinyT5;
import dev.uem.torch.Modules;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run folder as uem train writes it opens into the same model (used by uem predict and export-user-embeddings). */
class TrainedRunTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    /** A run folder's config.json in today's layout: the run's facts TrainedRun reads, and the network as built. */
    private void writeConfig(UemModelSpec spec, long seed, double headFusion) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = json.createObjectNode().put("schema_version", 2).put("encoder", "all-MiniLM-L6-v2");
        cfg.putObject("arm").put("name", "uem-8").put("kind", "UEM").put("history", 8);
        ObjectNode run = cfg.putObject("run").put("seed", seed);
        run.putObject("data")
                .put("dataset", "/data/ml")
                .put("cache", "/somewhere/cache")
                .put("skip_bad_rows", false)
                .putArray("descriptions");
        run.putObject("model").put("lm", "t5-mini");
        run.putObject("eval").put("head_fusion", headFusion);
        cfg.set("network", json.valueToTree(spec));
        AtomicFiles.writeString(dir.resolve("config.json"), json.writeValueAsString(cfg));
    }

    private Map<String, Tensor> writeRun(long seed) throws Exception {
        T5Config c = TinyT5.config(300);
        UemModelSpec spec = new UemModelSpec(
                c,
                new UemConfig(24, 32, 1, 4, 64, 0.0, 8, 32, 4),
                0,
                dev.uem.model.uem.PreferenceReadout.Kind.MEAN,
                0,
                false,
                null,
                null);
        torch.manual_seed(seed);
        UemLanguageModel m = spec.build(T5Model.create(c, seed));
        writeConfig(spec, seed, 0.0);
        Map<String, Tensor> params = Modules.namedParameters(m);
        SafetensorsWriter.write(dir.resolve("best.safetensors"), params);
        return params;
    }

    @Test
    void opensIntoTheSavedParameters() throws Exception {
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> saved = writeRun(3);
            try (TrainedRun r = TrainedRun.open(dir)) {
                Map<String, Tensor> loaded = Modules.namedParameters(r.model);
                assertEquals(saved.keySet(), loaded.keySet());
                for (String k : saved.keySet()) assertTrue(torch.equal(saved.get(k), loaded.get(k)), k);
                assertEquals(8, r.history);
                assertEquals("t5-mini", r.lm);
                assertTrue(!r.model.is_training(), "eval mode");
                assertEquals(0.0, r.headFusion, "a run evaluated without fusion decodes with the LM alone");
                assertEquals(null, r.headThreshold);
            }
        }
    }

    @Test
    void aRunWrittenWithItsModelSpecOpensIntoTheSameModel() throws Exception {
        T5Config c = TinyT5.config(300);
        UemModelSpec spec = new UemModelSpec(
                c,
                new UemConfig(24, 32, 1, 4, 64, 0.0, 8, 32, 4),
                6,
                dev.uem.model.uem.PreferenceReadout.Kind.GENRE_COUNT_INTERACTION,
                1.0,
                true,
                new long[] {1, 5, 6, 7, 9},
                new long[] {5, 6});
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(4);
            UemLanguageModel m = spec.build(T5Model.create(c, 4));
            writeConfig(spec, 7, 2.0);
            AtomicFiles.writeString(dir.resolve("head.json"), "{\"name\": \"uem-head-8\", \"threshold\": 0.35}");
            Map<String, Tensor> saved = Modules.namedParameters(m);
            SafetensorsWriter.write(dir.resolve("best.safetensors"), saved);
            try (TrainedRun r = TrainedRun.open(dir)) {
                Map<String, Tensor> loaded = Modules.namedParameters(r.model);
                assertEquals(saved.keySet(), loaded.keySet()); // both heads included
                for (String k : saved.keySet()) assertTrue(torch.equal(saved.get(k), loaded.get(k)), k);
                assertTrue(java.util.Arrays.equals(new long[] {1, 5, 6, 7, 9}, r.model.lm.outputTokens()));
                assertTrue(java.util.Arrays.equals(new long[] {5, 6}, r.model.lm.onceTokens()));
                assertEquals(7, r.seed);
                assertEquals(Path.of("/somewhere/cache"), r.cache);
                assertTrue(r.model.hasPreferenceHead());
                assertEquals(2.0, r.headFusion, "how the run was evaluated: predict decodes the same way");
                assertEquals(0.35, r.headThreshold, 1e-12);
                assertTrue(r.model.head instanceof dev.uem.model.uem.GenreCountHead, "the head kind the spec names");
            }
        }
    }

    @Test
    void errorsNameTheFileAndKey() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainedRun.open(dir));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("not found"), e.getMessage());
        try (PointerScope s = new PointerScope()) {
            writeRun(3);
        }
        String cfg = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), cfg.replace("\"uem_config\"", "\"uem_cfg\""));
        e = assertThrows(IllegalArgumentException.class, () -> TrainedRun.open(dir));
        assertTrue(e.getMessage().contains("uem_config"), e.getMessage());
        Files.writeString(dir.resolve("config.json"), cfg.replace("\"heads\":4", "\"heads\":5"));
        RuntimeException bad = assertThrows(RuntimeException.class, () -> TrainedRun.open(dir));
        assertTrue(bad.getMessage().contains("heads"), bad.getMessage());
        Files.writeString(dir.resolve("config.json"), cfg.replace("\"history\":8", "\"history\":-5"));
        e = assertThrows(IllegalArgumentException.class, () -> TrainedRun.open(dir));
        assertTrue(e.getMessage().endsWith("config.json: arm.history: expected 1 to 8, found -5"), e.getMessage());
        Files.writeString(dir.resolve("config.json"), cfg.replace("\"heads\":4", "\"heads\":\"four\""));
        e = assertThrows(IllegalArgumentException.class, () -> TrainedRun.open(dir));
        assertTrue(e.getMessage().contains("uem_config.heads: expected an integer, found \"four\""), e.getMessage());
        Files.writeString(dir.resolve("config.json"), cfg.replace("\"kind\":\"UEM\"", "\"kind\":\"TEXT\""));
        e = assertThrows(IllegalArgumentException.class, () -> TrainedRun.open(dir));
        assertTrue(e.getMessage().contains("text-history run"), e.getMessage());
    }
}
