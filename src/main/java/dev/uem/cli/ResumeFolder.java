package dev.uem.cli;

import dev.uem.experiment.RunConfig;
import dev.uem.io.ConfigMigration;
import dev.uem.io.JsonConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --resume DIR}: the run's own config.json decides every option, so none may be given beside it, except
 * {@code --device} and {@code --nproc} (where and on how many workers to continue are not part of the run: checkpoints
 * are device-independent, and a data-parallel run may resume on another number of workers).
 */
final class ResumeFolder {
    private ResumeFolder() {}

    /** {@code DIR/config.json}, read once after checking that no other option was given. */
    static JsonConfig open(Path dir, CommandLine.ParseResult parsed) {
        List<String> others = parsed.matchedOptions().stream()
                .map(OptionSpec::longestName)
                .filter(n -> !n.equals("--resume") && !n.equals("--device") && !n.equals("--nproc"))
                .toList();
        if (!others.isEmpty())
            throw new IllegalArgumentException("--resume continues with the options in " + dir.resolve("config.json")
                    + "; drop " + String.join(", ", others));
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file))
            throw new IllegalArgumentException(file + ": not found (nothing to resume in " + dir + ")");
        return ConfigMigration.read(file);
    }

    /** The experiment a run or sweep was started with. */
    static RunConfig experiment(JsonConfig saved) {
        return saved.get("run", RunConfig.class);
    }
}
