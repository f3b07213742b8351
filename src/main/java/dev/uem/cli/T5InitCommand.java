package dev.uem.cli;

import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code uem t5-init}: a freshly initialised T5 written as an HF checkpoint folder. */
@Command(
        name = "t5-init",
        header = "Write a randomly initialised T5 as a HuggingFace checkpoint folder.",
        mixinStandardHelpOptions = true,
        description = {
            "Initialise a T5 the way HF's _init_weights does and save it as an HF checkpoint folder",
            "(config.json + model.safetensors), e.g. the built-in t5-mini for training from scratch."
        })
final class T5InitCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    T5ConfigOption config;

    @Option(names = "--seed", defaultValue = "0", description = "Initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write.")
    Path out;

    @Override
    public Integer call() {
        TorchRuntime.init();
        T5Config cfg = config.resolve();
        try (T5Model m = T5Model.create(cfg, seed)) {
            T5Checkpoint.save(m, out);
            long n = m.namedParameters().values().stream()
                    .mapToLong(t -> t.numel())
                    .sum();
            System.out.printf("wrote %s (%,d parameters)%n", out, n);
        }
        return 0;
    }
}
