package dev.uem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.data.UserSplit;
import dev.uem.experiment.RunConfig;
import dev.uem.model.t5.T5Config;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --preset paper} expands to the paper's setting, and options given with it override it. */
class PresetTest {
    private static RunConfig train(String... args) {
        CommandLine cl = Main.commandLine(args);
        cl.parseArgs(args);
        return ((TrainCommand) cl.getSubcommands().get("train").getCommand()).configured();
    }

    @Test
    void thePapersSetting() {
        RunConfig c = train("train", "--preset", "paper");
        assertEquals("paper", c.model().uem());
        assertEquals("flan-t5-base", c.model().lm());
        assertEquals(10_000, c.train().schedule().steps());
        assertEquals(128, c.train().batchSize() * c.train().accumulation());
        assertEquals(5e-3, c.train().lrUser());
        assertEquals(RunConfig.PAPER_VAL_USERS, c.eval().valUsers());
        assertEquals(0, c.eval().evalUsers(), "the final evaluation on every validation and test user");
        assertEquals(0, train("train").eval().valUsers(), "no preset: the loss on every evaluated user");
        RunConfig paper = RunConfig.paper(), plain = train("train");
        assertEquals(paper.train(), train("train", "--preset=paper").train());
        assertEquals(paper.data(), c.data());
        assertEquals(paper.eval(), c.eval());
        assertEquals(RunConfig.defaults().train(), plain.train(), "no preset: the plain defaults");
        assertEquals(RunConfig.defaults().model().lm(), plain.model().lm());
    }

    @Test
    void explicitOptionsOverrideIt() {
        RunConfig c = train("train", "--preset", "paper", "--steps", "2", "--lm", "t5-compact", "--eval-users", "64");
        assertEquals(2, c.train().schedule().steps());
        assertEquals(0, c.train().schedule().uemWarmup(), "2 steps keep the preset's warm-up share: none");
        assertEquals(
                200,
                train("train", "--preset", "paper", "--steps", "1000")
                        .train()
                        .schedule()
                        .uemWarmup());
        assertEquals(
                7,
                train("train", "--preset", "paper", "--steps", "1000", "--uem-warmup", "7")
                        .train()
                        .schedule()
                        .uemWarmup(),
                "both given: as given");
        assertEquals(2000, train("train", "--steps", "2").train().schedule().uemWarmup(), "no preset: the default");
        assertEquals("t5-compact", c.model().lm());
        assertEquals(64, c.eval().evalUsers());
        assertEquals(
                200,
                train("train", "--preset", "paper", "--val-users", "200").eval().valUsers());
        assertEquals(
                dev.uem.experiment.EvalConfig.LmAlone.OFF,
                train("train", "--lm-alone", "off").eval().lmAlone());
        assertEquals("paper", c.model().uem(), "the rest stays the preset's");
        RunConfig b = train("train", "--preset", "paper", "--batch-size", "32");
        assertEquals(32, b.train().batchSize());
        assertEquals(4, b.train().accumulation(), "the global batch stays 128");
        RunConfig both = train("train", "--preset", "paper", "--batch-size", "32", "--accumulation", "1");
        assertEquals(1, both.train().accumulation(), "both given: as given");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> train("train", "--preset", "paper", "--batch-size", "48"));
        assertTrue(e.getMessage().startsWith("--batch-size: --preset paper needs a divisor of 128"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> train("train", "--preset", "large"));
        assertEquals("--preset: expected one of [paper], found 'large'", e.getMessage());
    }

    @Test
    void theSplitAsCountsOrFractions() {
        assertEquals(
                new UserSplit.Sizes(117000, 5000, 5000),
                train("train", "--split", "117000,5000,5000").data().split());
        assertEquals(UserSplit.Sizes.DEFAULT, train("train").data().split());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> train("train", "--split", "0.8,0.1"));
        assertTrue(e.getMessage().startsWith("--split: expected train,validation,test"), e.getMessage());
    }

    @Test
    void theFlanT5ShapesHaveThePublishedParameterCounts() {
        // google/flan-t5-base: 247,577,856 parameters; -large: 783,150,080 (HF's model cards)
        assertEquals(247_577_856L, parameters(T5Config.named("flan-t5-base")));
        assertEquals(783_150_080L, parameters(T5Config.named("flan-t5-large")));
    }

    /** T5 v1.1's parameter count from its shape: untied embedding and head, gated feed-forward, RMS norms. */
    private static long parameters(T5Config c) {
        long d = c.dModel(), inner = (long) c.numHeads() * c.dKv(), ff = (c.isGatedAct() ? 3L : 2L) * d * c.dFf();
        long attention = 4 * d * inner, bias = (long) c.relativeAttentionNumBuckets() * c.numHeads();
        long encoder = c.numLayers() * (attention + ff + 2 * d) + bias + d;
        long decoder = c.numDecoderLayers() * (2 * attention + ff + 3 * d) + bias + d;
        return 2L * c.vocabSize() * d + encoder + decoder;
    }
}
