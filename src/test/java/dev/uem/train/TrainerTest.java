package dev.uem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.Examples;
import dev.uem.data.ReadOptions;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.eval.Evaluator;
import dev.uem.eval.Verbalizer;
import dev.uem.io.StopSignal;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.SoftPrompts;
import dev.uem.model.uem.UemConfig;
import dev.uem.model.uem.UemLanguageModel;
import dev.uem.model.uem.UserEmbeddingModule;
import dev.uem.testing.TinyT5;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir
    Path tmp;

    static Dataset data;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
        data = DatasetReader.read(Path.of("data", "movielens", "ml-latest-small"), ReadOptions.defaults());
    }

    /** Settings: steps, batch, accumulation, the two rates, decay, warm-up, clip, eval, checkpoint, freeze, seed, UEM warm-up. */
    static TrainSettings settings(
            int steps,
            int batch,
            int accumulation,
            double lrUser,
            double lrLm,
            double weightDecay,
            int warmup,
            double clip,
            int evalEvery,
            int checkpointEvery,
            boolean freezeLm,
            long seed,
            int uemWarmup) {
        return new TrainSettings(
                new TrainSettings.Stages(steps, uemWarmup, warmup, evalEvery, checkpointEvery),
                new TrainSettings.Optimisation(lrUser, lrLm, weightDecay, clip, freezeLm),
                batch,
                accumulation,
                seed);
    }

    /** Stand-in item embeddings of the bundled data (a fake sentence encoder), cached in the test folder. */
    private ItemEmbeddings fakeItems() {
        return ItemEmbeddings.open(data, new dev.uem.testing.FakeEncoder("fake"), tmp.resolve("cache"), false);
    }

    /** A tiny T5 (T5 vocabulary, d_model 32) with a tiny UEM over stand-in item embeddings. */
    private UemLanguageModel tinyModel(ItemEmbeddings items, long seed) {
        return tinyModel(items, seed, 0.0);
    }

    private UemLanguageModel tinyModel(ItemEmbeddings items, long seed, double dropout) {
        T5Config c = TinyT5.config(32128, dropout);
        T5Model t5 = T5Model.create(c, seed);
        torch.manual_seed(seed);
        UemConfig uc = new UemConfig(items.rowWidth(), 32, 1, 4, 64, dropout, 8, 32, 4);
        return new UemLanguageModel(t5, new UserEmbeddingModule(uc), new SoftPrompts(4, 32).initRandom(0.5));
    }

    /** Losses of a few steps of the text arm (tiny T5, dropout 0), computed in one piece or in chunks of examples. */
    private List<Double> textArmSteps(long chunkPositions, Path dir) throws Exception {
        int[] users = {1, 2, 3, 4, 5, 6, 7, 8};
        List<Examples.Window> windows = Examples.windows(data, users, 12, false, 1, 1, 0);
        T5Config c = TinyT5.config(32128);
        try (T5Tokenizer tok = T5Tokenizer.bundled();
                dev.uem.model.TextHistoryModel model = new dev.uem.model.TextHistoryModel(T5Model.create(c, 5))) {
            TrainSettings s = settings(4, 8, 1, 1e-2, 1e-2, 0.0, 1, 1.0, 4, 1000, false, 0, 0);
            new Trainer(model, new TextBatchBuilder(data, tok, 256), s, dir)
                    .chunkPositions(chunkPositions)
                    .train(windows, windows, false);
            return dev.uem.testing.RunFiles.losses(dir);
        }
    }

    @Test
    void aBatchComputedInChunksTrainsLikeOneInOnePiece() throws Exception {
        Path wholeDir = Files.createDirectories(tmp.resolve("whole")),
                chunkedDir = Files.createDirectories(tmp.resolve("chunked"));
        List<Double> whole = textArmSteps(Long.MAX_VALUE, wholeDir);
        List<Double> chunked = textArmSteps(1, chunkedDir); // every example its own chunk
        assertEquals(4, whole.size());
        assertTrue(whole.get(0) > 5, "a real loss");
        for (int i = 0; i < whole.size(); i++)
            assertEquals(
                    whole.get(i), chunked.get(i), 1e-5 * whole.get(i), "loss " + i + ": " + whole + " vs " + chunked);
        // every parameter, element by element: chunking only reorders float sums
        try (PointerScope scope = new PointerScope();
                SafetensorsFile a = SafetensorsFile.open(wholeDir.resolve("best.safetensors"));
                SafetensorsFile b = SafetensorsFile.open(chunkedDir.resolve("best.safetensors"))) {
            assertEquals(a.names(), b.names());
            // AdamW moves a weight by at most ~lr (1e-2) a step; chunking changes sums in the last bits, which Adam can
            // amplify for weights with near-zero gradients: measured worst 1.6e-5 over 2.1M weights after 4 steps
            for (String k : a.names()) {
                float[] x = dev.uem.torch.Tensors.toFloats(a.read(k)), y = dev.uem.torch.Tensors.toFloats(b.read(k));
                for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], 5e-5, k + "[" + i + "]");
            }
        }
    }

    @Test
    void aFewUsersAreOverfit() {
        int[] users = {1, 2, 3, 4};
        List<Examples.Window> windows = Examples.windows(data, users, 8, false, 1, 1, 0);
        try (T5Tokenizer tok = T5Tokenizer.bundled()) {
            ItemEmbeddings items = fakeItems();
            BatchBuilder bb = new BatchBuilder(data, items, tok);
            try (UemLanguageModel model = tinyModel(items, 3)) {
                Verbalizer v = new Verbalizer(data.genres());
                double f1Before = Evaluator.score(Evaluator.predict(model, bb, tok, v, data, windows, 4, 24))
                        .weighted()
                        .f1();
                TrainSettings s = settings(150, 4, 1, 1e-2, 1e-2, 0.0, 10, 1.0, 50, 1000, false, 0, 0);
                Trainer trainer = new Trainer(model, bb, s, tmp);
                double before = trainer.validationLoss(windows);
                Trainer.Outcome o = trainer.train(windows, windows, false);
                double after = trainer.validationLoss(windows);
                assertTrue(after < 0.2 * before, "loss must fall sharply: " + before + " -> " + after);
                double f1After = Evaluator.score(Evaluator.predict(model, bb, tok, v, data, windows, 4, 24))
                        .weighted()
                        .f1();
                assertTrue(f1After > f1Before + 0.3, "train F1 " + f1Before + " -> " + f1After);
                assertTrue(Files.isRegularFile(tmp.resolve("best.safetensors")));
                assertEquals(
                        150, Files.readAllLines(tmp.resolve("metrics.jsonl")).size());
                assertTrue(o.bestValidationLoss() <= after + 1e-6);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /**
     * The UEM warm-up stage, then joint training, on four users: during the warm-up the LM is not touched and the
     * head's loss falls; afterwards the LM's loss has fallen too and the head reads the training users' labels.
     */
    @Test
    void aFewUsersAreFitByTheHeadAndTheLm() {
        int[] users = {1, 2, 3, 4};
        List<Examples.Window> windows = Examples.windows(data, users, 8, true, 3, 1, 0);
        try (T5Tokenizer tok = T5Tokenizer.bundled()) {
            ItemEmbeddings items = ItemEmbeddings.open(
                    data, new dev.uem.testing.FakeEncoder("fake-unit", true), tmp.resolve("cache"), false);
            BatchBuilder bb = new BatchBuilder(data, items, tok);
            dev.uem.data.LabelSpace labels = dev.uem.data.LabelSpace.of(data);
            try (UemLanguageModel model = tinyModelWithHead(items, 3, labels.size())) {
                float[] lmBefore = dev.uem.torch.Tensors.toFloats(model.lm.sharedWeight());
                double headF1Before = Evaluator.head(data, labels, windows, wholeHistoryOutput(model, bb, windows), 0.5)
                        .weighted()
                        .f1();
                TrainSettings s = settings(120, 4, 1, 1e-2, 1e-2, 0.0, 10, 1.0, 40, 1000, false, 0, 60);
                Trainer trainer = new Trainer(model, bb, s, tmp).interruptAfter(60);
                assertThrows(Trainer.Interrupted.class, () -> trainer.train(windows, windows, false));
                assertTrue(
                        java.util.Arrays.equals(lmBefore, dev.uem.torch.Tensors.toFloats(model.lm.sharedWeight())),
                        "the warm-up stage leaves the LM alone");
                List<String> rows = Files.readAllLines(tmp.resolve("metrics.jsonl"));
                assertEquals(60, rows.size());
                assertTrue(
                        rows.get(0).contains("\"stage\":\"uem-warmup\"")
                                && rows.get(0).contains("\"lr_lm\":0"),
                        rows.get(0));
                double first = head(rows.get(0)), last = head(rows.get(59));
                assertTrue(last < 0.5 * first, "head loss must fall in the warm-up: " + first + " -> " + last);

                Trainer resumed = new Trainer(model, bb, s, tmp).resume(true);
                double lmLossAtStart = resumed.validationLoss(windows);
                resumed.train(windows, windows, false);
                rows = Files.readAllLines(tmp.resolve("metrics.jsonl"));
                assertEquals(180, rows.size(), "60 warm-up + 120 joint steps");
                assertTrue(rows.get(179).contains("\"stage\":\"joint\""));
                assertTrue(resumed.validationLoss(windows) < 0.3 * lmLossAtStart, "the joint loss must fall sharply");
                double headF1After = Evaluator.head(data, labels, windows, wholeHistoryOutput(model, bb, windows), 0.5)
                        .weighted()
                        .f1();
                assertTrue(
                        headF1After > headF1Before + 0.3 && headF1After > 0.8,
                        "head train F1 " + headF1Before + " -> " + headF1After);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** The head's whole-history-label output (what its loss fits on these users; the evaluation reads a mean with the window output). */
    private static float[][] wholeHistoryOutput(
            UemLanguageModel model, BatchBuilder bb, List<Examples.Window> windows) {
        model.eval();
        try (org.bytedeco.javacpp.PointerScope s = new org.bytedeco.javacpp.PointerScope();
                org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            org.bytedeco.pytorch.Tensor p = model.preferenceProbabilities(bb.build(windows))
                    .select(1, 0)
                    .contiguous();
            int l = (int) p.size(1);
            float[] flat = dev.uem.torch.Tensors.toFloats(p);
            float[][] out = new float[windows.size()][];
            for (int k = 0; k < out.length; k++) out[k] = java.util.Arrays.copyOfRange(flat, k * l, (k + 1) * l);
            return out;
        }
    }

    private static double head(String metricsRow) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(metricsRow)
                    .get("head_loss")
                    .asDouble();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private UemLanguageModel tinyModelWithHead(ItemEmbeddings items, long seed, int labels) {
        T5Config c = TinyT5.config(32128);
        T5Model t5 = T5Model.create(c, seed);
        torch.manual_seed(seed);
        UemConfig uc = new UemConfig(items.rowWidth(), 32, 1, 4, 64, 0.0, 8, 32, 4);
        return new UemLanguageModel(
                t5,
                new UserEmbeddingModule(uc),
                new SoftPrompts(4, 32).initRandom(0.5),
                dev.uem.model.uem.PreferenceReadout.Kind.GENRE_COUNT_INTERACTION.create(32, labels),
                1.0); // the default head
    }

    /**
     * N steps straight vs. interrupted after step 7 (checkpoint at 5, a half-written checkpoint folder left behind, as
     * a kill -9 during a save would) and resumed to N in a model initialised differently: same parameters.
     * Dropout is on, so the per-step torch seeding is exercised too.
     */
    @Test
    void anInterruptedRunResumesToTheSameParameters() throws Exception {
        List<Examples.Window> windows = Examples.windows(data, new int[] {1, 2, 3, 4, 5, 6}, 8, true, 3, 1, 0);
        TrainSettings s = settings(12, 4, 2, 1e-2, 5e-3, 0.01, 3, 1.0, 4, 5, false, 7, 0);
        try (T5Tokenizer tok = T5Tokenizer.bundled()) {
            ItemEmbeddings items = fakeItems();
            BatchBuilder bb = new BatchBuilder(data, items, tok);
            Path straightDir = Files.createDirectories(tmp.resolve("straight")),
                    resumedDir = Files.createDirectories(tmp.resolve("resumed"));
            try (UemLanguageModel straight = tinyModel(items, 3, 0.1);
                    UemLanguageModel first = tinyModel(items, 3, 0.1);
                    UemLanguageModel resumed = tinyModel(items, 99, 0.1)) {
                // built on the step's thread here, ahead on two background threads below: the same order either way
                new Trainer(straight, bb, s, straightDir).loaderThreads(0).train(windows, windows.subList(0, 4), false);

                Trainer interrupted =
                        new Trainer(first, bb, s, resumedDir).loaderThreads(2).interruptAfter(7);
                assertThrows(Trainer.Interrupted.class, () -> interrupted.train(windows, windows.subList(0, 4), false));
                assertTrue(Files.isDirectory(resumedDir.resolve("checkpoints/step-0000005")));
                Path torn = Files.createDirectories(resumedDir.resolve("checkpoints/step-0000010.tmp"));
                Files.writeString(torn.resolve("model.safetensors"), "half");
                assertEquals(
                        7,
                        Files.readAllLines(resumedDir.resolve("metrics.jsonl")).size());

                new Trainer(resumed, bb, s, resumedDir)
                        .loaderThreads(2)
                        .resume(true)
                        .train(windows, windows.subList(0, 4), false);
                // the final restore() loads best.safetensors in both; compare the last checkpoints' full state instead
                double worst = 0;
                try (SafetensorsFile a = SafetensorsFile.open(
                                straightDir.resolve("checkpoints/step-0000012/model.safetensors"));
                        SafetensorsFile b = SafetensorsFile.open(
                                resumedDir.resolve("checkpoints/step-0000012/model.safetensors"))) {
                    assertEquals(a.names(), b.names());
                    for (String k : a.names())
                        worst = Math.max(
                                worst, a.read(k).sub(b.read(k)).abs().max().item_double());
                }
                assertTrue(worst <= 1e-6, "resumed parameters differ from the straight run by " + worst);
                // the initialisations really differed, so equality came from the checkpoint
                try (UemLanguageModel init3 = tinyModel(items, 3, 0.1);
                        UemLanguageModel init99 = tinyModel(items, 99, 0.1)) {
                    assertTrue(init3.prompts
                                    .weight()
                                    .sub(init99.prompts.weight())
                                    .abs()
                                    .max()
                                    .item_double()
                            > 1e-3);
                }

                List<String> m1 = Files.readAllLines(straightDir.resolve("metrics.jsonl")),
                        m2 = Files.readAllLines(resumedDir.resolve("metrics.jsonl"));
                assertEquals(12, m2.size());
                for (int i = 0; i < 12; i++)
                    assertEquals(lossOf(m1.get(i)), lossOf(m2.get(i)), 1e-6, "loss of step " + (i + 1));
                assertFalse(
                        Files.exists(resumedDir.resolve("checkpoints/step-0000005")), "older checkpoints are removed");
            }
        }
    }

    @Test
    void aStopDuringAValidationPassAbandonsItAndKeepsTheStepsCheckpoint() throws Exception {
        List<Examples.Window> train = Examples.windows(data, new int[] {1, 2, 3, 4, 5, 6}, 8, true, 3, 1, 0);
        List<Examples.Window> validation = Examples.windows(data, new int[] {7, 8, 9, 10, 11, 12}, 8, false, 3, 3, 0);
        TrainSettings s = settings(6, 2, 1, 1e-2, 5e-3, 0.0, 1, 1.0, 2, 100, false, 7, 0);
        try (T5Tokenizer tok = T5Tokenizer.bundled()) {
            ItemEmbeddings items = fakeItems();
            BatchBuilder bb = new BatchBuilder(data, items, tok);
            int[] validationBatches = {0};
            dev.uem.model.BatchSource stopsInValidation = w -> {
                // the second validation batch asks for a stop, as Ctrl-C would
                if (validation.contains(w.get(0)) && ++validationBatches[0] == 2) StopSignal.request("INT");
                return bb.build(w);
            };
            Path dir = Files.createDirectories(tmp.resolve("stopped-in-validation"));
            try (UemLanguageModel model = tinyModel(items, 3)) {
                Trainer t = new Trainer(model, stopsInValidation, s, dir).loaderThreads(0);
                StopSignal.StopRequested e =
                        assertThrows(StopSignal.StopRequested.class, () -> t.train(train, validation, false));
                assertTrue(
                        e.getMessage().contains("training stopped after step 2 of 6 (checkpoint saved)"),
                        e.getMessage());
            } finally {
                StopSignal.clear();
            }
            assertTrue(validation.size() / 2 > 2, "the pass has more than two batches: " + validation.size());
            assertEquals(2, validationBatches[0], "the pass was abandoned after the batch that asked to stop");
            assertTrue(Files.isDirectory(dir.resolve("checkpoints/step-0000002")), "the step's checkpoint is kept");
            List<String> metrics = Files.readAllLines(dir.resolve("metrics.jsonl"));
            assertEquals(2, metrics.size());
            assertFalse(metrics.get(1).contains("validation_loss"), "an abandoned pass has no loss: " + metrics.get(1));
            assertFalse(Files.exists(dir.resolve("best.safetensors")), "nor best parameters");
        }
    }

    private static double lossOf(String metricsLine) throws java.io.IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(metricsLine)
                .get("loss")
                .asDouble();
    }

    @Test
    void nonFiniteLossStopsWithAClearMessage() throws Exception {
        List<Examples.Window> windows = Examples.windows(data, new int[] {1, 2}, 4, false, 1, 1, 0);
        try (T5Tokenizer tok = T5Tokenizer.bundled()) {
            ItemEmbeddings items = fakeItems();
            try (UemLanguageModel model = tinyModel(items, 1)) {
                try (NoGradGuard g = new NoGradGuard()) {
                    model.prompts.weight().fill_(new Scalar(Double.NaN));
                }
                TrainSettings s = settings(5, 2, 1, 1e-3, 1e-3, 0.0, 0, 1.0, 2, 1000, false, 0, 0);
                Trainer.DivergedException e = assertThrows(
                        Trainer.DivergedException.class,
                        () -> new Trainer(model, new BatchBuilder(data, items, tok), s, tmp)
                                .train(windows, windows, false));
                assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("step 1"), e.getMessage());
                assertFalse(
                        Files.exists(tmp.resolve("best.safetensors")), "no checkpoint is written from a diverged run");
            }
        }
    }

    @Test
    void settingsValidationNamesTheFieldAndScheduleWarmsThenDecays() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> settings(10, 0, 1, 1e-3, 1e-3, 0, 0, 1, 5, 1000, false, 0, 0));
        assertTrue(e.getMessage().contains("batch_size"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> settings(10, 4, 1, 1e-3, 1e-3, 0, 11, 1, 5, 1000, false, 0, 0));
        assertTrue(e.getMessage().contains("warmup_steps"), e.getMessage());
        TrainSettings s = settings(10, 4, 1, 1e-3, 1e-3, 0, 4, 1, 5, 1000, false, 0, 0);
        assertEquals(0.25, s.lrFactor(1), 1e-12);
        assertEquals(1.0, s.lrFactor(4), 1e-12);
        assertTrue(s.lrFactor(5) <= 1.0 && s.lrFactor(5) > s.lrFactor(9) && s.lrFactor(10) > 0);
    }
}
