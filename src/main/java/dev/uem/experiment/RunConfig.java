package dev.uem.experiment;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.uem.model.uem.PreferenceReadout;
import dev.uem.torch.Precision;
import dev.uem.train.TextBatchBuilder;
import dev.uem.train.TrainSettings;
import java.util.List;

/**
 * Everything a train run or a sweep is started with: the one place of the defaults (the command line shows and uses
 * {@link #defaults()}), written into the run's {@code config.json} (key {@code run}, next to
 * {@code schema_version}) so that {@code --resume} repeats it exactly.
 *
 * @param seed  seed of the user split, the windows, the initialisation, the data order and dropout
 * @param data  which data is read and how examples are cut
 * @param model the networks
 * @param train how they train
 * @param eval  how a trained arm is decoded
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunConfig(long seed, DataConfig data, ModelConfig model, TrainConfig train, EvalConfig eval) {
    /** The version of {@code config.json}'s layout this code writes ({@link ConfigMigration} reads the older ones). */
    public static final int SCHEMA_VERSION = 2;

    public static final double WEIGHT_DECAY = 0.01, CLIP_NORM = 1.0;

    public RunConfig {
        settings(seed, train); // names a bad field before any work
    }

    /** The default run: the bundled ml-latest-small, t5-compact from scratch, the mini UEM, 2,000 + 400 steps. */
    public static RunConfig defaults() {
        DataConfig data = new DataConfig("data/movielens/ml-latest-small", List.of(), false, "cache", 20);
        ModelConfig model = new ModelConfig(
                "t5-compact",
                "mini",
                PreferenceReadout.Kind.GENRE_COUNT_INTERACTION,
                true,
                ModelConfig.OutputVocabulary.TASK,
                null,
                null,
                TextBatchBuilder.DEFAULT_BUDGET);
        TrainConfig train =
                new TrainConfig(new Schedule(400, 2000, 40, 100, 50), 16, 1, 5e-3, 1e-3, false, 1.0, Precision.FP32);
        return new RunConfig(0, data, model, train, new EvalConfig(32, 8.0));
    }

    /** The presets {@link #preset} knows. */
    public static final List<String> PRESETS = List.of("paper");

    /** Validation users whose loss the paper preset computes during training (a seeded sample). */
    public static final int PAPER_VAL_USERS = 1000;

    /** The paper's global batch: micro-batch × accumulation. */
    public static final int PAPER_BATCH = 128;

    /**
     * The paper's setting (arXiv 2401.04858 §4): the UEM at 3 layers × 12 heads × 768, 20 task prompts, history 50,
     * a Flan-T5-base-shaped LM (pretrained weights come with {@code --lm DIR}), global batch 128 (16 × 8 here), 10k
     * steps, learning rate 5e-3 for the user side, the validation loss on a sample of {@link #PAPER_VAL_USERS}
     * validation users; the UEM warm-up, the preference head and its fusion as by default.
     */
    public static RunConfig paper() {
        RunConfig d = defaults();
        ModelConfig m = d.model();
        ModelConfig model = new ModelConfig(
                "flan-t5-base",
                "paper",
                m.head(),
                m.decoderHead(),
                m.outputVocabulary(),
                m.dropout(),
                m.kernels(),
                m.textBudget());
        TrainConfig t = d.train();
        TrainConfig train = new TrainConfig(
                new Schedule(10_000, 2000, 500, 500, 250),
                16,
                PAPER_BATCH / 16,
                5e-3,
                t.lrLm(),
                t.freezeLm(),
                t.preferenceWeight(),
                t.precision());
        EvalConfig e = d.eval();
        // the loss during training on 1,000 of the 5,000 validation users: a validation pass, not an evaluation
        EvalConfig eval = new EvalConfig(e.maxNewTokens(), e.headFusion(), e.evalUsers(), PAPER_VAL_USERS, e.lmAlone());
        return new RunConfig(d.seed(), d.data(), model, train, eval);
    }

    /** The named preset ({@link #PRESETS}); null for none. */
    public static RunConfig preset(String name) {
        if (name == null) return defaults();
        if (name.equals("paper")) return paper();
        throw new IllegalArgumentException("--preset: expected one of " + PRESETS + ", found '" + name + "'");
    }

    /** The same run with another seed (a sweep's replicate). */
    public RunConfig withSeed(long s) {
        return new RunConfig(s, data, model, train, eval);
    }

    public RunConfig withData(DataConfig d) {
        return new RunConfig(seed, d, model, train, eval);
    }

    public RunConfig withModel(ModelConfig m) {
        return new RunConfig(seed, data, m, train, eval);
    }

    public RunConfig withTrain(TrainConfig t) {
        return new RunConfig(seed, data, model, t, eval);
    }

    public RunConfig withEval(EvalConfig e) {
        return new RunConfig(seed, data, model, train, e);
    }

    /** The trainer's settings. */
    public TrainSettings settings() {
        return settings(seed, train);
    }

    // static: the compact constructor validates before the fields are assigned
    private static TrainSettings settings(long seed, TrainConfig t) {
        Schedule s = t.schedule();
        var stages = new TrainSettings.Stages(
                s.steps(), s.uemWarmup(), Math.min(s.lrWarmup(), s.steps()), s.evalEvery(), s.checkpointEvery());
        var optimisation = new TrainSettings.Optimisation(t.lrUser(), t.lrLm(), WEIGHT_DECAY, CLIP_NORM, t.freezeLm());
        return new TrainSettings(stages, optimisation, t.batchSize(), t.accumulation(), seed);
    }

    /** A UEM arm gets a preference head when its loss is weighted in or the warm-up stage trains it. */
    public boolean preferenceHead() {
        return train.preferenceWeight() > 0 || train.schedule().uemWarmup() > 0;
    }

    /** Whether a UEM arm gets the decoder's preference head: asked for, and the head loss weighted in. */
    public boolean withDecoderHead() {
        return model.decoderHead() && train.preferenceWeight() > 0;
    }
}
