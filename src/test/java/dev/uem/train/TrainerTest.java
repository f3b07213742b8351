package dev.uem.train;

import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.Examples;
import dev.uem.data.ReadOptions;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.eval.Evaluator;
import dev.uem.eval.Verbalizer;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.SoftPrompts;
import dev.uem.model.uem.UemConfig;
import dev.uem.model.uem.UemLanguageModel;
import dev.uem.model.uem.UserEmbeddingModule;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.TorchRuntime;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    @TempDir
    Path tmp;

    static Dataset data;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
        data = DatasetReader.read(Path.of("data", "movielens", "ml-latest-small"), ReadOptions.defaults());
    }

    /** A tiny T5 (T5 vocabulary, d_model 32) with a tiny UEM over stand-in item embeddings. */
    private UemLanguageModel tinyModel(ItemEmbeddings items, long seed) {
        T5Config c = new T5Config(32128, 32, 8, 64, 1, 1, 4, 32, 128, 0.0, 1e-6, 1.0, "gated-gelu", "gelu_new", true, false, 0, 1, 0);
        T5Model t5 = T5Model.create(c, seed);
        torch.manual_seed(seed);
        UemConfig uc = new UemConfig(items.rowWidth(), 32, 1, 4, 64, 0.0, 8, 32, 4);
        return new UemLanguageModel(t5, new UserEmbeddingModule(uc), new SoftPrompts(4, 32).initRandom(0.5));
    }

    @Test
    void aFewUsersAreOverfit() {
        int[] users = {1, 2, 3, 4};
        List<Examples.Window> windows = Examples.windows(data, users, 8, false, 1, 1, 0);
        try (T5Tokenizer tok = T5Tokenizer.bundled()) {
            ItemEmbeddings items = ItemEmbeddings.open(data, new dev.uem.testing.FakeEncoder("fake"), tmp.resolve("cache"), false);
            BatchBuilder bb = new BatchBuilder(data, items, tok);
            try (UemLanguageModel model = tinyModel(items, 3)) {
                Verbalizer v = new Verbalizer(data.genres());
                double f1Before = Evaluator.score(Evaluator.predict(model, bb, tok, v, data, windows, 4, 24)).weighted().f1();
                TrainSettings s = new TrainSettings(150, 4, 1, 1e-2, 1e-2, 0.0, 10, 1.0, 50, false, 0);
                Trainer trainer = new Trainer(model, bb, s, tmp);
                double before = trainer.validationLoss(windows);
                Trainer.Outcome o = trainer.train(windows, windows, false);
                double after = trainer.validationLoss(windows);
                assertTrue(after < 0.2 * before, "loss must fall sharply: " + before + " -> " + after);
                double f1After = Evaluator.score(Evaluator.predict(model, bb, tok, v, data, windows, 4, 24)).weighted().f1();
                assertTrue(f1After > f1Before + 0.3, "train F1 " + f1Before + " -> " + f1After);
                assertTrue(Files.isRegularFile(tmp.resolve("best.safetensors")));
                assertEquals(150, Files.readAllLines(tmp.resolve("metrics.jsonl")).size());
                assertTrue(o.bestValidationLoss() <= after + 1e-6);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void nonFiniteLossStopsWithAClearMessage() throws Exception {
        List<Examples.Window> windows = Examples.windows(data, new int[] {1, 2}, 4, false, 1, 1, 0);
        try (T5Tokenizer tok = T5Tokenizer.bundled()) {
            ItemEmbeddings items = ItemEmbeddings.open(data, new dev.uem.testing.FakeEncoder("fake"), tmp.resolve("cache"), false);
            try (UemLanguageModel model = tinyModel(items, 1)) {
                try (NoGradGuard g = new NoGradGuard()) {
                    model.prompts.weight().fill_(new Scalar(Double.NaN));
                }
                TrainSettings s = new TrainSettings(5, 2, 1, 1e-3, 1e-3, 0.0, 0, 1.0, 2, false, 0);
                Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class,
                        () -> new Trainer(model, new BatchBuilder(data, items, tok), s, tmp).train(windows, windows, false));
                assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("step 1"), e.getMessage());
                assertFalse(Files.exists(tmp.resolve("best.safetensors")), "no checkpoint is written from a diverged run");
            }
        }
    }

    @Test
    void settingsValidationNamesTheFieldAndScheduleWarmsThenDecays() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainSettings(10, 0, 1, 1e-3, 1e-3, 0, 0, 1, 5, false, 0));
        assertTrue(e.getMessage().contains("batch_size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TrainSettings(10, 4, 1, 1e-3, 1e-3, 0, 11, 1, 5, false, 0));
        assertTrue(e.getMessage().contains("warmup_steps"), e.getMessage());
        TrainSettings s = new TrainSettings(10, 4, 1, 1e-3, 1e-3, 0, 4, 1, 5, false, 0);
        assertEquals(0.25, s.lrFactor(1), 1e-12);
        assertEquals(1.0, s.lrFactor(4), 1e-12);
        assertTrue(s.lrFactor(5) <= 1.0 && s.lrFactor(5) > s.lrFactor(9) && s.lrFactor(10) > 0);
    }
}
