package dev.uem.cli;

import dev.uem.experiment.ExperimentConfig;
import dev.uem.model.uem.PreferenceReadout;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.torch.Precision;
import dev.uem.train.TextBatchBuilder;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The options shared by {@code uem train} and {@code uem sweep}: data, LM, UEM size, optimisation, evaluation. */
final class ExperimentOptions {
    @Mixin
    DataOptions data;

    @Option(names = "--lm", defaultValue = "t5-compact", paramLabel = "t5-compact|t5-mini|DIR",
            description = "LM: a built-in T5 trained from scratch or an HF checkpoint folder (default: ${DEFAULT-VALUE}).")
    String lm;
    @Option(names = "--uem", defaultValue = "mini", paramLabel = "mini|paper",
            description = "UEM size; paper = 3 layers, 12 heads, width 768 (default: ${DEFAULT-VALUE}).")
    String uem;
    @Option(names = "--steps", defaultValue = "400", description = "Joint training steps (default: ${DEFAULT-VALUE}).")
    int steps;
    @Option(names = "--batch-size", defaultValue = "16", description = "Examples per micro-batch (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--accumulation", defaultValue = "1",
            description = "Micro-batches per optimiser step; 8 x 16 is the paper's batch of 128 (default: ${DEFAULT-VALUE}).")
    int accumulation;
    @Option(names = "--lr-user", defaultValue = "5e-3",
            description = "Learning rate of the UEM and the soft prompts (default: ${DEFAULT-VALUE}).")
    double lrUser;
    @Option(names = "--lr-lm", defaultValue = "1e-3", description = "Learning rate of the LM (default: ${DEFAULT-VALUE}).")
    double lrLm;
    @Option(names = {"--lr-warmup", "--warmup"}, defaultValue = "40", paramLabel = "STEPS",
            description = "Learning-rate warm-up steps, then linear decay to 0 (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--eval-every", defaultValue = "100",
            description = "Validation loss every N steps; the best parameters are kept (default: ${DEFAULT-VALUE}).")
    int evalEvery;
    @Option(names = "--checkpoint-every", defaultValue = "50",
            description = "Resumable checkpoint every N steps (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;
    @Option(names = "--freeze-lm", description = "Train only the UEM and the soft prompts, not the LM.")
    boolean freezeLm;
    @Mixin
    CacheOption cache;
    @Mixin
    SeedOption seed;
    @Option(names = "--kernels", paramLabel = "native|torch",
            description = "Prompt assembly by the native kernels or libtorch ops (default: native when it loads).")
    PromptAssembly.Kernels kernels;
    @Mixin
    GenerationOption generation;
    @Option(names = "--text-budget", defaultValue = "" + TextBatchBuilder.DEFAULT_BUDGET,
            description = "Token budget of the text-history arm (default: ${DEFAULT-VALUE}).")
    int textBudget;

    @Option(names = "--preference-weight", defaultValue = "1.0", paramLabel = "W",
            description = "Weight of the preference head's loss beside the LM's (default: ${DEFAULT-VALUE}).")
    double preferenceWeight;
    @Option(names = "--uem-warmup", defaultValue = "2000", paramLabel = "STEPS",
            description = "Steps that train the UEM and its preference head alone before joint training "
                    + "(default: ${DEFAULT-VALUE}).")
    int uemWarmup;
    @Option(names = "--train-windows", defaultValue = "20", paramLabel = "N",
            description = "Extra seeded windows per training user (default: ${DEFAULT-VALUE}).")
    int trainWindows;

    @Option(names = "--decoder-head", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "A preference head on the decoder's first state, to make it read the user tokens "
                    + "(default: ${DEFAULT-VALUE}).")
    boolean decoderHead;

    @Option(names = "--output-vocab", defaultValue = "task", paramLabel = "task|full",
            description = "Tokens the LM scores: the task's sentence words, or all 32k (default: ${DEFAULT-VALUE}).")
    ExperimentConfig.OutputVocabulary outputVocabulary;

    @Option(names = "--dropout", paramLabel = "P",
            description = "Dropout of the LM and the UEM alike (default: each model's own).")
    Double dropout;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|bf16",
            description = "Arithmetic of the forward passes; bf16 is autocast with fp32 weights (default: ${DEFAULT-VALUE}).")
    Precision precision;

    @Option(names = "--head-fusion", defaultValue = "8.0", paramLabel = "W",
            description = "Weight of the preference head in greedy decoding; 0 = the LM alone (default: ${DEFAULT-VALUE}).")
    double headFusion;

    @Option(names = "--head", defaultValue = "genre-count-interaction", paramLabel = "KIND", converter = HeadKindConverter.class,
            description = "How the preference head reads the user tokens (default: ${DEFAULT-VALUE}).")
    PreferenceReadout.Kind headKind;

    /** A {@link PreferenceReadout.Kind} the way --help spells it ({@code genre-count-interaction}, ..., {@code mean}). */
    static final class HeadKindConverter implements picocli.CommandLine.ITypeConverter<PreferenceReadout.Kind> {
        @Override public PreferenceReadout.Kind convert(String v) {
            try {
                return PreferenceReadout.Kind.valueOf(v.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("expected one of " + java.util.Arrays.stream(PreferenceReadout.Kind.values())
                        .map(k -> k.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')).toList() + ", found '" + v + "'");
            }
        }
    }

    ExperimentConfig config() {
        return new ExperimentConfig(data.dir().toString(), data.descriptions.stream().map(Path::toString).toList(), data.skipBadRows, lm, uem,
                steps, batchSize, accumulation, lrUser, lrLm, warmup, evalEvery, checkpointEvery, freezeLm, seed.seed, kernels, generation.maxNewTokens, textBudget,
                cache.cache.toString(), preferenceWeight, uemWarmup, trainWindows, decoderHead, outputVocabulary, dropout, precision, headFusion, headKind);
    }
}
