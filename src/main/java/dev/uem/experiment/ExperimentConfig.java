package dev.uem.experiment;

import dev.uem.train.TrainSettings;

import java.util.List;

/**
 * Everything a train run or a sweep was started with, written into its {@code config.json} so that
 * {@code --resume} repeats it exactly.
 *
 * @param dataset         MovieLens folder
 * @param descriptions    extra description CSVs given with {@code --descriptions}
 * @param skipBadRows     skip and count bad rows instead of stopping
 * @param lm              {@code t5-mini} (from scratch) or an HF checkpoint folder
 * @param uem             named UEM size ({@code mini} or {@code paper})
 * @param textBudget      token budget of the text-history arm (TASK.md §6)
 * @param kernels         prompt assembly: {@code native} or {@code torch}
 * @param cache           item-embedding cache folder
 */
public record ExperimentConfig(String dataset, List<String> descriptions, boolean skipBadRows, String lm, String uem,
                               int steps, int batchSize, int accumulation, double lrUser, double lrLm, int warmup,
                               int evalEvery, int checkpointEvery, boolean freezeLm, long seed, String kernels,
                               int maxNewTokens, int textBudget, String cache) {
    public static final double WEIGHT_DECAY = 0.01, CLIP_NORM = 1.0;

    public ExperimentConfig {
        descriptions = descriptions == null ? List.of() : List.copyOf(descriptions);
        if (!kernels.equals("native") && !kernels.equals("torch"))
            throw new IllegalArgumentException("kernels: expected native or torch, found '" + kernels + "'");
        if (maxNewTokens <= 0) throw new IllegalArgumentException("max_new_tokens must be > 0, found " + maxNewTokens);
        if (textBudget < 8) throw new IllegalArgumentException("text_budget must be at least 8 tokens, found " + textBudget);
        settings(steps, batchSize, accumulation, lrUser, lrLm, warmup, evalEvery, checkpointEvery, freezeLm, seed); // names a bad field
    }

    public TrainSettings settings() {
        return settings(steps, batchSize, accumulation, lrUser, lrLm, warmup, evalEvery, checkpointEvery, freezeLm, seed);
    }

    // static: the compact constructor must validate its parameters, its fields are not assigned yet
    private static TrainSettings settings(int steps, int batchSize, int accumulation, double lrUser, double lrLm, int warmup,
                                          int evalEvery, int checkpointEvery, boolean freezeLm, long seed) {
        return new TrainSettings(steps, batchSize, accumulation, lrUser, lrLm, WEIGHT_DECAY, Math.min(warmup, steps), CLIP_NORM,
                evalEvery, checkpointEvery, freezeLm, seed);
    }

    public boolean builtInLm() {
        return lm.equals("t5-mini");
    }
}
