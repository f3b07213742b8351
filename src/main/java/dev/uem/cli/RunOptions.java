package dev.uem.cli;

import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.ReadOptions;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.embed.MiniLmEncoder;
import dev.uem.text.T5Tokenizer;
import dev.uem.train.TrainedRun;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of the commands that use a finished {@code uem train} run (predict, export-user-embeddings). */
final class RunOptions {
    @picocli.CommandLine.Mixin
    DeviceOption device;

    @Option(
            names = "--run",
            required = true,
            paramLabel = "DIR",
            description = "A uem train run folder (config.json + best.safetensors).")
    Path run;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "MovieLens folder (default: the one the run trained on, " + "with its description files).")
    Path data;

    @Option(
            names = "--cache",
            paramLabel = "DIR",
            description = "Embedding cache folder (default: the run's own, as recorded in its config.json).")
    Path cache;

    /** The run's model, tokenizer, dataset and item embeddings, opened together and closed together. */
    record Opened(TrainedRun run, T5Tokenizer tokenizer, MiniLmEncoder encoder, Dataset dataset, ItemEmbeddings items)
            implements AutoCloseable {
        @Override
        public void close() {
            try (TrainedRun r = run;
                    T5Tokenizer t = tokenizer;
                    MiniLmEncoder e = encoder) {
                // closes all three, in reverse order, even if one throws
            }
        }
    }

    Opened open() {
        TrainedRun r = TrainedRun.open(run, device.resolve());
        T5Tokenizer tok = null;
        MiniLmEncoder enc = null;
        try {
            tok = r.tokenizer();
            enc = new MiniLmEncoder();
            if (!enc.id().equals(r.encoder))
                throw new IllegalArgumentException(
                        run + " was trained on " + r.encoder + " item embeddings; this command has " + enc.id());
            Path dataDir = data != null ? data : r.dataset;
            if (!java.nio.file.Files.isDirectory(dataDir))
                throw new IllegalArgumentException(dataDir + ": not a folder (the dataset "
                        + (data != null ? "given with --data" : "recorded in " + run.resolve("config.json"))
                        + "); give it with --data DIR");
            boolean same = data == null
                    || data.toAbsolutePath()
                            .normalize()
                            .equals(r.dataset.toAbsolutePath().normalize());
            Dataset d = DatasetReader.read(dataDir, same ? r.readOptions : ReadOptions.defaults());
            Path cacheDir = cache != null ? cache : r.cache != null ? r.cache : Path.of("cache");
            return new Opened(r, tok, enc, d, ItemEmbeddings.open(d, enc, cacheDir, true));
        } catch (RuntimeException ex) {
            new Opened(r, tok, enc, null, null).close();
            throw ex;
        }
    }
}
