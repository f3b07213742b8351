package dev.uem.cli;

import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.torch.TorchRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code uem t5-init}: a freshly initialised T5 written as an HF checkpoint folder. */
@Command(name = "t5-init", mixinStandardHelpOptions = true,
        description = {"Initialise a T5 the way HF's _init_weights does and save it as an HF checkpoint folder",
                "(config.json + model.safetensors), e.g. the built-in t5-mini for training from scratch."})
final class T5InitCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "t5-mini", paramLabel = "NAME|FILE",
            description = "A built-in config name (t5-mini) or a config.json path (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--seed", defaultValue = "0", description = "Initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write.")
    Path out;

    @Override
    public Integer call() {
        TorchRuntime.init();
        T5Config cfg = T5Config.named(config);
        if (cfg == null) {
            Path p = Path.of(config);
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("--config: '" + config + "' is neither a built-in name (t5-mini) nor a file");
            cfg = T5Config.load(p);
        }
        try (T5Model m = T5Model.create(cfg, seed)) {
            T5Checkpoint.save(m, out);
            long n = m.namedParameters().values().stream().mapToLong(t -> t.numel()).sum();
            System.out.printf("wrote %s (%,d parameters)%n", out, n);
        }
        return 0;
    }
}
