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
            description = "LM: a built-in T5 trained from scratch (t5-compact: d_model 256, 2+2 layers, d_ff 512; t5-mini: 4+4 layers, d_ff 1024), "
                    + "or an HF checkpoint folder (see weights/README.md) (default: ${DEFAULT-VALUE}).")
    String lm;
    @Option(names = "--uem", defaultValue = "mini", paramLabel = "mini|paper", description = "UEM size (default: ${DEFAULT-VALUE}; paper = 3 layers, 12 heads, hidden 768, MLP 2048).")
    String uem;
    @Option(names = "--steps", defaultValue = "400", description = "Optimiser steps per trained arm (default: ${DEFAULT-VALUE}).")
    int steps;
    @Option(names = "--batch-size", defaultValue = "16", description = "Examples per micro-batch (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--accumulation", defaultValue = "1", description = "Micro-batches per step; the paper's effective batch of 128 is --batch-size 16 --accumulation 8 (default: ${DEFAULT-VALUE}).")
    int accumulation;
    @Option(names = "--lr-user", defaultValue = "5e-3", description = "Learning rate of the UEM and the soft prompts (paper: 5e-3) (default: ${DEFAULT-VALUE}).")
    double lrUser;
    @Option(names = "--lr-lm", defaultValue = "1e-3", description = "Learning rate of the LM (default: ${DEFAULT-VALUE}).")
    double lrLm;
    @Option(names = "--warmup", defaultValue = "40", description = "Linear warm-up steps, then linear decay to 0 (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--eval-every", defaultValue = "100", description = "Validation loss every N steps; the best is kept (default: ${DEFAULT-VALUE}).")
    int evalEvery;
    @Option(names = "--checkpoint-every", defaultValue = "50", description = "Resumable checkpoint every N steps (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;
    @Option(names = "--freeze-lm", description = "Train only the UEM and the soft prompts (PEFT style) instead of fine-tuning jointly.")
    boolean freezeLm;
    @Mixin
    CacheOption cache;
    @Mixin
    SeedOption seed;
    @Option(names = "--kernels", paramLabel = "native|torch",
            description = "Prompt assembly: fused native kernels or libtorch ops (same results; default: native when its library loads).")
    PromptAssembly.Kernels kernels;
    @Mixin
    GenerationOption generation;
    @Option(names = "--text-budget", defaultValue = "" + TextBatchBuilder.DEFAULT_BUDGET, description = "Token budget of the text-history arm (default: ${DEFAULT-VALUE}).")
    int textBudget;

    @Option(names = "--preference-weight", defaultValue = "1.0", paramLabel = "W",
            description = "Weight of the UEM's preference-head loss (multi-label over likes:/dislikes: genres) beside the LM's; 0 turns the head off "
                    + "unless --uem-warmup needs it (default: ${DEFAULT-VALUE}).")
    double preferenceWeight;
    @Option(names = "--uem-warmup", defaultValue = "2000", paramLabel = "STEPS",
            description = "Steps of the UEM warm-up stage before joint training: the UEM, prompts and preference head learn on the head's loss "
                    + "alone, the LM is not run (cheap); 0 skips it (default: ${DEFAULT-VALUE}).")
    int uemWarmup;
    @Option(names = "--train-windows", defaultValue = "20", paramLabel = "N",
            description = "Further seeded windows per training user besides the most recent (docs/TASK.md §5) (default: ${DEFAULT-VALUE}).")
    int trainWindows;

    @Option(names = "--decoder-head", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also put a preference head on the LM decoder's first state (same targets and weight as the UEM's; off when "
                    + "--preference-weight is 0): it learns only through cross-attention, so it teaches the decoder to read the user tokens; "
                    + "--no-decoder-head turns it off (default: ${DEFAULT-VALUE}).")
    boolean decoderHead;

    @Option(names = "--output-vocab", defaultValue = "task", paramLabel = "task|full",
            description = "Tokens the LM's head scores: task = the words of the target sentences for every genre plus EOS, and greedy decoding names "
                    + "each genre at most once, as every target does (a T5 trained from scratch then learns to choose genres instead of words; "
                    + "bench/RESULTS.md), full = the whole 32k vocabulary, no limit (default: ${DEFAULT-VALUE}).")
    ExperimentConfig.OutputVocabulary outputVocabulary;

    @Option(names = "--dropout", paramLabel = "P",
            description = "Dropout rate of the LM and the UEM alike, overriding both models' own (0 makes runs comparable step for step; "
                    + "default: each model's own: 0 for the built-in t5-compact and the UEM sizes, 0.1 for t5-mini and most checkpoints).")
    Double dropout;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|bf16",
            description = "Arithmetic of the forward passes: fp32, or bf16 = libtorch autocast (matrix products in bfloat16, norms, softmax "
                    + "and losses in float32; weights, gradients and AdamW state stay float32, so checkpoints are the same) (default: ${DEFAULT-VALUE}).")
    Precision precision;

    @Option(names = "--head-fusion", defaultValue = "8.0", paramLabel = "W",
            description = "Weight of the UEM's preference head in the LM's greedy decoding (shallow fusion): which genre — each genre's first "
                    + "token gets W x the log-odds of the head's probability, the genre tokens shifted together to keep the LM's total "
                    + "probability — and how many — after a list's first genre, ',' and the list's end get +W/-W until the list has as many "
                    + "genres as the head names (its validation threshold), their joint probability kept; the text stays the LM's. 0 = the LM "
                    + "alone (also reported in arm.json as lm_only). Needs the head and --output-vocab task (default: ${DEFAULT-VALUE}, chosen on "
                    + "validation users; bench/RESULTS.md).")
    double headFusion;

    @Option(names = "--head", defaultValue = "genre-count-interaction", paramLabel = "KIND", converter = HeadKindConverter.class,
            description = "How the UEM's preference head reads the user tokens: genre-count-interaction = per genre a sigmoid gate on each "
                    + "token gives the genre's item count and mean rating (the label rule's own quantities), and the genres' readings then "
                    + "attend to each other (the rule keeps the three best); genre-count = the same without that layer; genre-attention = one "
                    + "softmax query per genre over the tokens and a 'none' slot (the default before the seventh session); genre-interaction = "
                    + "that with the layer; mean = the tokens' mean through an MLP (runs before the fifth session) (default: ${DEFAULT-VALUE}; "
                    + "bench/RESULTS.md, \"Seventh session\").")
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
