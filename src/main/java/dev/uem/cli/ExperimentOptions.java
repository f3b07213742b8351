package dev.uem.cli;

import dev.uem.experiment.DataConfig;
import dev.uem.experiment.EvalConfig;
import dev.uem.experiment.ModelConfig;
import dev.uem.experiment.RunConfig;
import dev.uem.experiment.Schedule;
import dev.uem.experiment.TrainConfig;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.torch.Precision;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options shared by {@code uem train} and {@code uem sweep}: data, LM, UEM size, optimisation, evaluation. */
final class ExperimentOptions {
    @Mixin
    DataOptions data;

    @Option(
            names = "--preset",
            paramLabel = "paper",
            description = "The paper's setting: UEM paper, flan-t5-base shape, 10k steps, batch 16 x 8 = 128, "
                    + "lr 5e-3; options given as well override it.")
    String preset;

    @Option(
            names = "--lm",
            paramLabel = "t5-compact|t5-mini|flan-t5-base|flan-t5-large|DIR",
            description = "LM: a built-in T5 trained from scratch or an HF checkpoint folder "
                    + "(default: ${DEFAULT-VALUE}).")
    String lm;

    @Option(
            names = "--uem",
            paramLabel = "mini|paper",
            description = "UEM size; paper = 3 layers, 12 heads, width 768 (default: ${DEFAULT-VALUE}).")
    String uem;

    @Option(names = "--steps", description = "Joint training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch-size", description = "Examples per micro-batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--accumulation",
            description = "Micro-batches per optimiser step; 8 x 16 is the paper's batch of 128 "
                    + "(default: ${DEFAULT-VALUE}).")
    int accumulation;

    @Option(
            names = "--lr-user",
            description = "Learning rate of the UEM and the soft prompts (default: ${DEFAULT-VALUE}).")
    double lrUser;

    @Option(names = "--lr-lm", description = "Learning rate of the LM (default: ${DEFAULT-VALUE}).")
    double lrLm;

    @Option(
            names = {"--lr-warmup", "--warmup"},
            paramLabel = "STEPS",
            description = "Learning-rate warm-up steps, then linear decay to 0 (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--eval-every",
            description = "Validation loss every N steps; the best parameters are kept (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(
            names = "--checkpoint-every",
            description = "Resumable checkpoint every N steps (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--freeze-lm", description = "Train only the UEM and the soft prompts, not the LM.")
    boolean freezeLm;

    @Mixin
    CacheOption cache;

    @Mixin
    SeedOption seed;

    @Option(
            names = "--kernels",
            paramLabel = "native|torch",
            description = "Prompt assembly by the native kernels or libtorch ops (default: native when it loads).")
    PromptAssembly.Kernels kernels;

    @Mixin
    GenerationOption generation;

    @Option(names = "--text-budget", description = "Token budget of the text-history arm (default: ${DEFAULT-VALUE}).")
    int textBudget;

    @Option(
            names = "--preference-weight",
            paramLabel = "W",
            description = "Weight of the preference head's loss beside the LM's (default: ${DEFAULT-VALUE}).")
    double preferenceWeight;

    @Option(
            names = "--uem-warmup",
            paramLabel = "STEPS",
            description = "Steps that train the UEM and its preference head alone before joint training "
                    + "(default: ${DEFAULT-VALUE}).")
    int uemWarmup;

    @Option(
            names = "--train-windows",
            paramLabel = "N",
            description = "Extra seeded windows per training user (default: ${DEFAULT-VALUE}).")
    int trainWindows;

    @Option(
            names = "--decoder-head",
            negatable = true,
            fallbackValue = "true",
            description = "A preference head on the decoder's first state, to make it read the user tokens "
                    + "(default: ${DEFAULT-VALUE}).")
    boolean decoderHead;

    @Option(
            names = "--output-vocab",
            paramLabel = "task|full",
            description = "Tokens the LM scores: the task's sentence words, or all 32k (default: ${DEFAULT-VALUE}).")
    ModelConfig.OutputVocabulary outputVocabulary;

    @Option(
            names = "--dropout",
            paramLabel = "P",
            description = "Dropout of the LM and the UEM alike (default: each model's own).")
    Double dropout;

    @Option(
            names = "--precision",
            paramLabel = "fp32|bf16",
            description = "Arithmetic of the forward passes; bf16 is autocast with fp32 weights "
                    + "(default: ${DEFAULT-VALUE}).")
    Precision precision;

    @Option(
            names = "--head-fusion",
            paramLabel = "W",
            description = "Weight of the preference head in greedy decoding; 0 = the LM alone "
                    + "(default: ${DEFAULT-VALUE}).")
    double headFusion;

    @Option(
            names = "--eval-users",
            paramLabel = "N",
            description = "Evaluate a fixed seeded sample of N validation and N test users; 0: all "
                    + "(default: ${DEFAULT-VALUE}).")
    int evalUsers;

    @Option(
            names = "--val-users",
            paramLabel = "N",
            description = "Compute the validation loss during training on a fixed seeded sample of N of the evaluated "
                    + "validation users; 0: all of them (default: ${DEFAULT-VALUE}).")
    int valUsers;

    @Option(
            names = "--lm-alone",
            paramLabel = "auto|on|off",
            defaultValue = "auto",
            description = "Also decode with the LM alone, to show what head fusion adds: on, off, or auto (when the "
                    + "test and validation windows are " + EvalConfig.AUTO_LIMIT + " or fewer; default).")
    EvalConfig.LmAlone lmAlone;

    /** The run these options describe (every value checked before any work). */
    RunConfig config() {
        RunConfig.preset(preset); // names an unknown preset
        DataConfig d = new DataConfig(
                data.dir().toString(),
                data.descriptions.stream().map(Path::toString).toList(),
                data.skipBadRows,
                cache.cache.toString(),
                trainWindows,
                data.sizes());
        ModelConfig m = new ModelConfig(
                lm,
                uem,
                RunConfig.defaults().model().head(),
                decoderHead,
                outputVocabulary,
                dropout,
                kernels != null ? kernels : PromptAssembly.Kernels.best(),
                textBudget);
        Schedule s = new Schedule(steps, uemWarmup, warmup, evalEvery, checkpointEvery);
        TrainConfig t =
                new TrainConfig(s, batchSize, accumulation, lrUser, lrLm, freezeLm, preferenceWeight, precision);
        return new RunConfig(
                seed.seed, d, m, t, new EvalConfig(generation.checked(), headFusion, evalUsers, valUsers, lmAlone));
    }
}
