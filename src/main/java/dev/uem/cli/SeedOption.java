package dev.uem.cli;

import picocli.CommandLine.Option;

/**
 * {@code --seed}: one seed for the user split, the windows and, when training, initialisation, data order and dropout.
 */
final class SeedOption {
    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the user split and the windows, and of a training run's initialisation, "
                    + "data order and dropout (default: ${DEFAULT-VALUE}).")
    long seed;
}
