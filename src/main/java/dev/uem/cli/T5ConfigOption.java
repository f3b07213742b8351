package dev.uem.cli;

import dev.uem.model.t5.T5Config;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --config}: a built-in T5 configuration by name, or an HF {@code config.json} (t5-init, bench t5-step, bench
 * decode).
 */
final class T5ConfigOption {
    @Option(
            names = "--config",
            defaultValue = "t5-mini",
            paramLabel = "NAME|FILE",
            description =
                    "A built-in config name (t5-mini, t5-compact, flan-t5-base, flan-t5-large) or a config.json path "
                            + "(default: ${DEFAULT-VALUE}).")
    String config;

    /** The configuration named or stored at {@code --config}; neither is one line naming the value. */
    T5Config resolve() {
        T5Config named = T5Config.named(config);
        if (named != null) return named;
        Path p = Path.of(config);
        if (!Files.isRegularFile(p))
            throw new IllegalArgumentException("--config: '" + config + "' is neither a built-in name ("
                    + String.join(", ", T5Config.NAMES) + ") nor a file");
        return T5Config.load(p);
    }
}
