package dev.uem.cli;

import dev.uem.experiment.EvalConfig;
import picocli.CommandLine.Option;

/** {@code --max-new-tokens}: the greedy decoder's length limit (train, sweep, predict). */
final class GenerationOption {
    static final int MAX = EvalConfig.MAX_NEW_TOKENS;

    @Option(
            names = "--max-new-tokens",
            defaultValue = "32",
            paramLabel = "N",
            description = "Generation length limit, 1 to " + MAX + " tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    /** The limit, checked (before any work). */
    int checked() {
        if (maxNewTokens < 1 || maxNewTokens > MAX)
            throw new IllegalArgumentException("--max-new-tokens: expected 1 to " + MAX + ", found " + maxNewTokens);
        return maxNewTokens;
    }
}
