package dev.uem.cli;

import dev.uem.torch.ComputeDevice;
import picocli.CommandLine.Option;

/**
 * {@code --device}, shared by the commands that run a model (train, sweep, evaluate, predict, export-user-embeddings).
 * Not part of a run's config.json: the same run may continue on another device ({@code --resume DIR --device cpu}).
 */
final class DeviceOption {
    @Option(
            names = "--device",
            defaultValue = "cpu",
            paramLabel = "cpu|cuda|cuda:N|auto",
            description = "Where the model runs: the CPU, a CUDA device (the -Pgpu jar), or auto "
                    + "(default: ${DEFAULT-VALUE}).")
    String device;

    /** The device, checked before any work: a CUDA device this host lacks is one error line and nothing written. */
    ComputeDevice resolve() {
        return ComputeDevice.resolve(device);
    }
}
