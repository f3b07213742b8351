package dev.uem.cli;

import dev.uem.bench.InputBench;
import dev.uem.data.Dataset;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.embed.MiniLmEncoder;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.BatchesAhead;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code uem bench input}: paper-shaped training batches built per second on this machine. */
@Command(
        name = "input",
        mixinStandardHelpOptions = true,
        description = "Build --batch random training windows of --history items (each item its three sentence "
                + "embeddings, with the instruction and the targets) as the trainer does, and report batches per "
                + "second (median of --steps), on the calling thread and ahead on background threads. The paper's "
                + "shape is the default: 128 x 50.")
final class InputBenchCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Mixin
    CacheOption cache;

    @Option(
            names = "--batch",
            paramLabel = "N",
            defaultValue = "128",
            description = "Windows per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--history",
            paramLabel = "P",
            defaultValue = "50",
            description = "Items per window (default: ${DEFAULT-VALUE}).")
    int history;

    @Option(
            names = "--steps",
            paramLabel = "N",
            defaultValue = "30",
            description = "Timed batches (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--threads",
            paramLabel = "N,N...",
            split = ",",
            description = "Background builder threads to measure, 0 for the calling thread (default: 0 and the "
                    + "trainer's default for this machine).")
    List<Integer> threads;

    @Override
    public Integer call() {
        if (batch < 1 || history < 1 || steps < 1)
            throw new IllegalArgumentException("bench input: --batch, --history and --steps must be >= 1");
        if (threads == null) threads = List.of(0, BatchesAhead.defaultThreads());
        if (threads.stream().anyMatch(t -> t < 0))
            throw new IllegalArgumentException("bench input: --threads must be >= 0, found " + threads);
        TorchRuntime.init();
        Dataset d = data.read();
        try (T5Tokenizer tok = T5Tokenizer.bundled();
                MiniLmEncoder enc = new MiniLmEncoder()) {
            ItemEmbeddings items = ItemEmbeddings.open(d, enc, cache.cache, true);
            for (int t : threads) {
                InputBench.Result r = InputBench.run(d, items, tok, batch, history, steps, t);
                System.out.printf(
                        "%d windows x %d items x %d floats (%.1f MiB of rows), %s: %.1f ms a batch, %.1f batches/s%n",
                        r.batch(),
                        r.history(),
                        r.rowWidth(),
                        r.mib(),
                        t == 0 ? "on the calling thread" : "ahead on " + t + " background thread" + (t > 1 ? "s" : ""),
                        r.msPerBatch(),
                        r.batchesPerSecond());
            }
            return 0;
        }
    }
}
