package dev.uem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.PreferenceReadout;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.testing.FakeEncoder;
import dev.uem.testing.TinyT5;
import dev.uem.torch.TorchRuntime;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole (tiny) sweep end to end, then finished again after one arm lost its result: only that arm is redone. */
class SweepTest {
    @TempDir
    static Path tmp;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    /** A tiny T5 (d_model 32, 1+1 layers) saved as an HF checkpoint folder: fast arms. */
    private Path tinyLm() {
        Path lm = tmp.resolve("lm");
        T5Checkpoint.save(T5Model.create(TinyT5.config(32128), 1), lm);
        return lm;
    }

    @Test
    void runsEveryArmWritesTheFilesAndResumesArmByArm() throws Exception {
        Path lm = tinyLm();
        RunConfig c = new RunConfig(
                0,
                new DataConfig(
                        "data/movielens/ml-latest-small",
                        List.of(),
                        false,
                        tmp.resolve("cache").toString(),
                        20),
                new ModelConfig(
                        lm.toString(),
                        "mini",
                        PreferenceReadout.Kind.GENRE_COUNT_INTERACTION,
                        true,
                        ModelConfig.OutputVocabulary.TASK,
                        null,
                        PromptAssembly.Kernels.TORCH,
                        512),
                new TrainConfig(new Schedule(3, 2, 1, 2, 2), 4, 1, 5e-3, 5e-3, false, 1.0, null),
                new EvalConfig(6, 1.0));
        List<Arm> arms = List.of(Arm.text(2), Arm.uem(2), Arm.uem(3));
        Path dir = tmp.resolve("sweep");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<ResultLine> first;
        first = Sweep.run(
                seed -> Experiment.open(c.withSeed(seed), () -> new FakeEncoder("fake")),
                0,
                1,
                arms,
                dir,
                false,
                new PrintStream(log));
        assertEquals(
                List.of(
                        "text-2",
                        "uem-2",
                        "uem-head-2",
                        "uem-lm-2",
                        "uem-3",
                        "uem-head-3",
                        "uem-lm-3",
                        "counting-history",
                        "prior",
                        "counting-window-2",
                        "window-oracle-2",
                        "counting-window-3",
                        "window-oracle-3"),
                first.stream().map(n -> n.label().name()).toList());
        for (String f : List.of("results.json", "results.csv", "results.md", "f1_vs_history.png"))
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        assertEquals(14, Files.readAllLines(dir.resolve("results.csv")).size());
        for (Arm a : arms) {
            Path d = dir.resolve(a.name());
            assertTrue(
                    Files.isRegularFile(d.resolve("arm.json")) && Files.isRegularFile(d.resolve("predictions.jsonl")),
                    a.name());
            // the UEM arms run 2 warm-up steps before their 3 joint steps; the text arm has no warm-up stage
            int steps = a.kind() == Arm.Kind.UEM ? 5 : 3;
            assertTrue(Files.isDirectory(d.resolve(String.format("checkpoints/step-%07d", steps))), a.name());
            assertEquals(steps, Files.readAllLines(d.resolve("metrics.jsonl")).size(), a.name());
        }

        // a finished arm scored again without training: with its own head-fusion weight the same sentences and numbers,
        // with weight 0 its LM alone (arm.json's lm_only); the arm's own folder is not touched
        Path uem2 = dir.resolve("uem-2");
        FileTime uem2Done = Files.getLastModifiedTime(uem2.resolve("arm.json"));
        ArmResult trained = (ArmResult) first.get(1);
        assertEquals("uem-lm-2", first.get(3).label().name());
        assertEquals(trained.lmOnly().f1(), first.get(3).f1(), 1e-12, "the LM-alone line is arm.json's lm_only");
        try (Experiment ex = Experiment.open(c.withSeed(0), () -> new FakeEncoder("fake"))) {
            ArmResult again =
                    ex.reevaluate(Arm.uem(2), uem2, tmp.resolve("eval-same")).get(0);
            assertEquals(trained.f1(), again.f1(), 1e-12);
            assertEquals(trained.validationF1(), again.validationF1(), 1e-12);
            assertEquals(trained.training().bestStep(), again.training().bestStep(), "training figures copied");
            assertEquals(
                    Files.readAllLines(uem2.resolve("predictions.jsonl")),
                    Files.readAllLines(tmp.resolve("eval-same/predictions.jsonl")));
        }
        try (Experiment ex =
                Experiment.open(c.withSeed(0).withEval(c.eval().withHeadFusion(0)), () -> new FakeEncoder("fake"))) {
            ArmResult lmAlone =
                    ex.reevaluate(Arm.uem(2), uem2, tmp.resolve("eval-lm")).get(0);
            assertEquals(0.0, lmAlone.headFusion());
            assertEquals(trained.lmOnly().f1(), lmAlone.f1(), 1e-12);
            assertEquals(trained.lmOnly().distinctOutputs(), lmAlone.distinctOutputs());
        }
        assertEquals(uem2Done, Files.getLastModifiedTime(uem2.resolve("arm.json")));
        assertEquals(5, Files.readAllLines(uem2.resolve("metrics.jsonl")).size(), "nothing trained");

        // uem-3 loses its result (as if killed after training); the other arms are not touched again
        FileTime text2 = Files.getLastModifiedTime(dir.resolve("text-2/arm.json"));
        Files.delete(dir.resolve("uem-3/arm.json"));
        log.reset();
        List<ResultLine> second;
        second = Sweep.run(
                seed -> Experiment.open(c.withSeed(seed), () -> new FakeEncoder("fake")),
                0,
                1,
                arms,
                dir,
                false,
                new PrintStream(log));
        String out = log.toString();
        assertTrue(
                out.contains("text-2: done before")
                        && out.contains("uem-2: done before")
                        && out.contains("uem-3: resuming"),
                out);
        assertEquals(text2, Files.getLastModifiedTime(dir.resolve("text-2/arm.json")));
        assertEquals(
                5,
                Files.readAllLines(dir.resolve("uem-3/metrics.jsonl")).size(),
                "resumed at its last step: nothing retrained");
        for (int i = 0; i < first.size(); i++)
            assertEquals(
                    first.get(i).f1(),
                    second.get(i).f1(),
                    1e-12,
                    first.get(i).label().name());
    }

    @Test
    void severalSeedsAreRunInTheirOwnFoldersAndAveraged() throws Exception {
        Path lm = tinyLm();
        RunConfig c = new RunConfig(
                5,
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
                        false,
                        ModelConfig.OutputVocabulary.FULL,
                        0.0,
                        PromptAssembly.Kernels.TORCH,
                        512),
                new TrainConfig(new Schedule(2, 1, 1, 2, 2), 4, 1, 5e-3, 5e-3, false, 1.0, null),
                new EvalConfig(6, 1.0));
        Path dir = tmp.resolve("seeds");
        List<ResultLine> lines = Sweep.run(
                seed -> Experiment.open(c.withSeed(seed), () -> new FakeEncoder("fake")),
                5,
                2,
                List.of(Arm.uem(2)),
                dir,
                false,
                new PrintStream(new ByteArrayOutputStream()));
        for (String seed : List.of("seed-5", "seed-6"))
            assertTrue(Files.isRegularFile(dir.resolve(seed).resolve("uem-2/arm.json")), seed);
        SeedMean uem = (SeedMean) lines.get(0);
        assertEquals("uem-2", uem.label().name());
        assertEquals(2, uem.seeds());
        double a = uem.f1PerSeed().get(0), b = uem.f1PerSeed().get(1);
        assertEquals((a + b) / 2, uem.f1(), 1e-12);
        assertEquals(Math.abs(a - b) / Math.sqrt(2), uem.f1Std(), 1e-12);
        assertTrue(Files.readString(dir.resolve("results.md")).contains("mean ± std over seeds 5…6"));
    }
}
