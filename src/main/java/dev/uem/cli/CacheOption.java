package dev.uem.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --cache}: the item-embedding cache folder (train, sweep, prepare). */
final class CacheOption {
    @Option(names = "--cache", defaultValue = "cache", paramLabel = "DIR",
            description = "Item-embedding cache folder, shared by every run on the same data (default: ${DEFAULT-VALUE}).")
    Path cache;
}
