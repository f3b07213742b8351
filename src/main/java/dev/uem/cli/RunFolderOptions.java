package dev.uem.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Option;

/** {@code --out DIR} for a new run or sweep, {@code --resume DIR} to continue one (train, sweep). */
final class RunFolderOptions {
    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Folder to write (default: runs/<timestamp>, a sweep's runs/sweep-<timestamp>).")
    Path out;

    @Option(
            names = "--resume",
            paramLabel = "DIR",
            description = "Continue the run or sweep in DIR from where it stopped, with the options "
                    + "it was started with (only --device and --nproc may differ).")
    Path resume;

    boolean resuming() {
        return resume != null;
    }

    /** {@code --out}, or {@code runs/<prefix><timestamp>}. */
    Path outOr(String prefix) {
        return out != null
                ? out
                : Path.of("runs", prefix + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }
}
