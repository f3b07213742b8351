package dev.uem.experiment;

import dev.uem.model.uem.PreferenceReadout;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.torch.Precision;
import dev.uem.train.TrainSettings;

import java.util.List;

/**
 * Everything a train run or a sweep was started with, written into its {@code config.json} so that
 * {@code --resume} repeats it exactly.
 *
 * @param dataset         MovieLens folder
 * @param descriptions    extra description CSVs given with {@code --descriptions}
 * @param skipBadRows     skip and count bad rows instead of stopping
 * @param lm              a built-in T5 trained from scratch ({@code t5-compact}, {@code t5-mini}) or an HF checkpoint folder
 * @param uem             named UEM size ({@code mini} or {@code paper})
 * @param textBudget      token budget of the text-history arm (docs/TASK.md §6)
 * @param kernels         prompt assembly: the native kernels or libtorch ops (null: the native ones when they load)
 * @param cache           item-embedding cache folder
 * @param preferenceWeight weight of the UEM preference head's loss beside the LM's (0: no head unless {@code uemWarmup} needs one)
 * @param uemWarmup       steps of the UEM warm-up stage (UEM + head alone) before the joint steps
 * @param trainWindows    further seeded windows per training user (docs/TASK.md §5; default 20)
 * @param decoderHead     also a preference head on the LM decoder's first state (only with {@code preferenceWeight > 0}: it shares that weight)
 * @param outputVocabulary which tokens the LM head scores: the task's sentences' ({@code TASK}) or all ({@code FULL})
 * @param dropout         dropout rate for the LM and the UEM alike; null keeps each model's own
 * @param precision       arithmetic of the forward passes: float32, or bfloat16 autocast with float32 master weights
 * @param headFusion      weight of the preference head fused into the LM's greedy decoding ({@link dev.uem.eval.HeadFusion}; 0: the LM alone)
 * @param headKind        how the UEM's preference head pools the user tokens (null, in a config.json from before the choice: {@code MEAN})
 */
public record ExperimentConfig(String dataset, List<String> descriptions, boolean skipBadRows, String lm, String uem,
                               int steps, int batchSize, int accumulation, double lrUser, double lrLm, int warmup,
                               int evalEvery, int checkpointEvery, boolean freezeLm, long seed, PromptAssembly.Kernels kernels,
                               int maxNewTokens, int textBudget, String cache, double preferenceWeight, int uemWarmup,
                               int trainWindows, boolean decoderHead, OutputVocabulary outputVocabulary, Double dropout,
                               Precision precision, double headFusion, PreferenceReadout.Kind headKind) {
    public static final double WEIGHT_DECAY = 0.01, CLIP_NORM = 1.0;
    /** The longest generation a run may ask for (a typo guard: target sentences are ~20 tokens). */
    public static final int MAX_NEW_TOKENS = 512;

    /** Which tokens the LM's head scores in training and generation. */
    public enum OutputVocabulary {
        /**
         * The tokens of the task's target sentences for every genre, plus EOS, each genre named at most once when
         * decoding ({@link dev.uem.train.TargetVocabulary}).
         */
        TASK,
        /** The tokenizer's whole vocabulary. */
        FULL
    }

    public ExperimentConfig {
        if (outputVocabulary == null) outputVocabulary = OutputVocabulary.FULL; // a config.json from before the option
        if (precision == null) precision = Precision.FP32;                      // likewise
        if (headKind == null) headKind = PreferenceReadout.Kind.MEAN;           // likewise
        // absolute paths: a run's config.json must work from any working directory (resume, predict, export)
        dataset = absolute(dataset);
        descriptions = descriptions == null ? List.of() : descriptions.stream().map(ExperimentConfig::absolute).toList();
        cache = absolute(cache);
        if (!isBuiltInLm(lm)) lm = absolute(lm);
        if (kernels == null) kernels = PromptAssembly.Kernels.best();
        if (maxNewTokens <= 0 || maxNewTokens > MAX_NEW_TOKENS)
            throw new IllegalArgumentException("max_new_tokens must be in [1, " + MAX_NEW_TOKENS + "], found " + maxNewTokens);
        if (textBudget < 8 || textBudget > 8192) throw new IllegalArgumentException("text_budget must be in [8, 8192] tokens, found " + textBudget);
        if (!(preferenceWeight >= 0)) throw new IllegalArgumentException("preference_weight must be >= 0, found " + preferenceWeight);
        if (dropout != null && !(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout must be in [0, 1), found " + dropout);
        if (!(headFusion >= 0 && headFusion <= 10)) throw new IllegalArgumentException("head_fusion must be in [0, 10], found " + headFusion);
        if (uemWarmup < 0) throw new IllegalArgumentException("uem_warmup must be >= 0, found " + uemWarmup);
        if (trainWindows < 0 || trainWindows > 1000) throw new IllegalArgumentException("train_windows must be in [0, 1000], found " + trainWindows);
        settings(steps, batchSize, accumulation, lrUser, lrLm, warmup, evalEvery, checkpointEvery, freezeLm, seed, uemWarmup); // names a bad field
    }

    private static String absolute(String path) {
        return java.nio.file.Path.of(path).toAbsolutePath().normalize().toString();
    }

    public TrainSettings settings() {
        return settings(steps, batchSize, accumulation, lrUser, lrLm, warmup, evalEvery, checkpointEvery, freezeLm, seed, uemWarmup);
    }

    // static: the compact constructor must validate its parameters, its fields are not assigned yet
    private static TrainSettings settings(int steps, int batchSize, int accumulation, double lrUser, double lrLm, int warmup,
                                          int evalEvery, int checkpointEvery, boolean freezeLm, long seed, int uemWarmup) {
        return new TrainSettings(steps, batchSize, accumulation, lrUser, lrLm, WEIGHT_DECAY, Math.min(warmup, steps), CLIP_NORM,
                evalEvery, checkpointEvery, freezeLm, seed, uemWarmup);
    }

    /** A UEM arm gets a preference head when its loss is weighted in or the warm-up stage trains it. */
    public boolean preferenceHead() {
        return preferenceWeight > 0 || uemWarmup > 0;
    }

    /** Whether a UEM arm gets the decoder's preference head: asked for, and the head loss weighted in. */
    public boolean withDecoderHead() {
        return decoderHead && preferenceWeight > 0;
    }

    /** The same experiment with another seed (a sweep's replicate). */
    public ExperimentConfig withSeed(long s) {
        return new ExperimentConfig(dataset, descriptions, skipBadRows, lm, uem, steps, batchSize, accumulation, lrUser, lrLm, warmup, evalEvery,
                checkpointEvery, freezeLm, s, kernels, maxNewTokens, textBudget, cache, preferenceWeight, uemWarmup, trainWindows, decoderHead,
                outputVocabulary, dropout, precision, headFusion, headKind);
    }

    /** The same experiment decoded with another head-fusion weight ({@code uem evaluate --head-fusion}). */
    public ExperimentConfig withHeadFusion(double w) {
        return new ExperimentConfig(dataset, descriptions, skipBadRows, lm, uem, steps, batchSize, accumulation, lrUser, lrLm, warmup, evalEvery,
                checkpointEvery, freezeLm, seed, kernels, maxNewTokens, textBudget, cache, preferenceWeight, uemWarmup, trainWindows, decoderHead,
                outputVocabulary, dropout, precision, w, headKind);
    }

    public boolean builtInLm() {
        return isBuiltInLm(lm);
    }

    /** Whether {@code lm} names a built-in T5 ({@code t5-compact}, {@code t5-mini}) rather than a checkpoint folder. */
    public static boolean isBuiltInLm(String lm) {
        return dev.uem.model.t5.T5Config.named(lm) != null;
    }
}
