package dev.uem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.PreferenceReadout;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.testing.FakeEncoder;
import dev.uem.testing.RunFiles;
import dev.uem.testing.TinyT5;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.Precision;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device seam end to end: a tiny UEM arm trains (warm-up and joint steps), evaluates and writes its files through
 * {@code Experiment.on(device)}, in float32 and in bf16 autocast; the two runs' losses agree within bfloat16's
 * precision.
 */
class DeviceRunTest {
    @TempDir
    static Path tmp;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    private static List<Double> run(Precision precision, Path lm, String name) throws Exception {
        RunConfig c = new RunConfig(
                0,
                new DataConfig(
                        "data/movielens/ml-latest-small",
                        List.of(),
                        false,
                        tmp.resolve("cache").toString(),
                        2),
                new ModelConfig(
                        lm.toString(),
                        "mini",
                        PreferenceReadout.Kind.GENRE_COUNT_INTERACTION,
                        true,
                        ModelConfig.OutputVocabulary.TASK,
                        0.0,
                        PromptAssembly.Kernels.NATIVE,
                        512),
                new TrainConfig(new Schedule(3, 2, 1, 3, 3), 4, 1, 5e-3, 5e-3, false, 1.0, precision),
                new EvalConfig(6, 1.0));
        Path dir = tmp.resolve(name);
        try (Experiment ex = Experiment.open(c, () -> new FakeEncoder("fake")).on(ComputeDevice.resolve("cpu"))) {
            ex.run(Arm.uem(2), dir, false, false);
        }
        assertTrue(
                Files.isRegularFile(dir.resolve("arm.json")) && Files.isRegularFile(dir.resolve("best.safetensors")),
                name);
        ObjectMapper json = new ObjectMapper();
        assertEquals(
                precision.name(),
                json.readTree(dir.resolve("config.json").toFile())
                        .path("run")
                        .path("train")
                        .path("precision")
                        .asText());
        return RunFiles.losses(dir);
    }

    @Test
    void aTinyArmTrainsThroughTheDevicePathInFp32AndBf16() throws Exception {
        Path lm = tmp.resolve("lm");
        T5Checkpoint.save(T5Model.create(TinyT5.config(32128), 1), lm);
        List<Double> fp32 = run(Precision.FP32, lm, "fp32"), bf16 = run(Precision.BF16, lm, "bf16");
        assertEquals(5, fp32.size(), "2 warm-up + 3 joint steps");
        assertEquals(fp32.size(), bf16.size());
        // the first step sees identical weights and data: only the arithmetic differs (bfloat16: 8 significant bits)
        assertEquals(fp32.get(0), bf16.get(0), 0.02 * Math.abs(fp32.get(0)), "first-step loss, bf16 vs fp32");
        boolean differs = false;
        for (int i = 0; i < fp32.size(); i++) {
            assertTrue(Double.isFinite(bf16.get(i)), "bf16 loss at step " + (i + 1));
            assertEquals(fp32.get(i), bf16.get(i), 0.05 * Math.abs(fp32.get(i)), "loss at step " + (i + 1));
            differs |= !fp32.get(i).equals(bf16.get(i));
        }
        assertTrue(differs, "bf16 autocast changed nothing: it did not run");
    }
}
