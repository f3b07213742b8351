package dev.uem.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --cache}: the item-embedding cache folder (train, sweep, prepare). */
final class CacheOption {
    @Option(
            names = "--cache",
            defaultValue = "cache",
            paramLabel = "DIR",
            description = "Item-embedding cache folder, shared by every run on the same data "
                    + "(default: ${DEFAULT-VALUE}).")
    Path cache;
}
