package dev.uem.bench;

import dev.uem.data.Dataset;
import dev.uem.data.Examples;
import dev.uem.data.UserSplit;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.model.Batch;
import dev.uem.text.T5Tokenizer;
import dev.uem.train.BatchBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;

/**
 * {@code uem bench input}: how fast the training input side builds paper-shaped batches (windows of p rated items,
 * each item its three sentence embeddings, with the instruction, the targets and the preference head's targets), on
 * the calling thread, as the trainer builds them.
 */
public final class InputBench {
    /** Batches per second (median over the timed batches) and what one batch holds. */
    public record Result(
            int batch, int history, int rowWidth, double batchesPerSecond, double msPerBatch, double mib) {}

    private InputBench() {}

    /** {@code steps} timed batches of {@code batch} seeded random training windows of history {@code p}. */
    public static Result run(Dataset d, ItemEmbeddings items, T5Tokenizer tokenizer, int batch, int p, int steps) {
        int[] train = UserSplit.of(d.userIds(), 0).users(UserSplit.Part.TRAIN);
        List<Examples.Window> windows = Examples.windows(d, train, p, true, 0);
        if (windows.isEmpty()) throw new IllegalArgumentException("no training user has " + p + " ratings");
        BatchBuilder builder = new BatchBuilder(d, items, tokenizer);
        Random r = new Random(0);
        double[] ms = new double[steps];
        for (int s = -2; s < steps; s++) { // two untimed
            List<Examples.Window> pick = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) pick.add(windows.get(r.nextInt(windows.size())));
            long t = System.nanoTime();
            try (PointerScope scope = new PointerScope()) {
                Batch b = builder.build(pick);
                if (b.rows().size(0) != batch)
                    throw new IllegalStateException("batch of " + b.rows().size(0));
            }
            if (s >= 0) ms[s] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        double median = ms[steps / 2];
        double mib = 4.0 * batch * p * items.rowWidth() / (1 << 20);
        return new Result(batch, p, items.rowWidth(), 1000 / median, median, mib);
    }
}
