package dev.uem.bench;

import dev.uem.data.Dataset;
import dev.uem.data.Examples;
import dev.uem.data.UserSplit;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.model.Batch;
import dev.uem.text.T5Tokenizer;
import dev.uem.train.BatchBuilder;
import dev.uem.train.BatchesAhead;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;

/**
 * {@code uem bench input}: how fast the training input side builds paper-shaped batches (windows of p rated items,
 * each item its three sentence embeddings, with the instruction, the targets and the preference head's targets), as
 * the trainer builds them: on the calling thread, or ahead of a consumer on background threads ({@link
 * BatchesAhead}).
 */
public final class InputBench {
    /**
     * Batches per second and what one batch holds.
     *
     * @param threads background builder threads (0: on the calling thread, the median of the timed batches; else the
     *                rate at which a consumer that does nothing else receives them)
     */
    public record Result(
            int batch,
            int history,
            int rowWidth,
            int threads,
            double batchesPerSecond,
            double msPerBatch,
            double mib) {}

    private InputBench() {}

    /**
     * {@code steps} timed batches of {@code batch} seeded random training windows of history {@code p}, built by
     * {@code threads} background threads (0: by the caller).
     */
    public static Result run(
            Dataset d, ItemEmbeddings items, T5Tokenizer tokenizer, int batch, int p, int steps, int threads) {
        int[] train = UserSplit.of(d.userIds(), 0).users(UserSplit.Part.TRAIN);
        List<Examples.Window> windows = Examples.windows(d, train, p, true, 0);
        if (windows.isEmpty()) throw new IllegalArgumentException("no training user has " + p + " ratings");
        BatchBuilder builder = new BatchBuilder(d, items, tokenizer);
        Random r = new Random(0);
        Supplier<List<Examples.Window>> plan = () -> {
            List<Examples.Window> pick = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) pick.add(windows.get(r.nextInt(windows.size())));
            return pick;
        };
        double ms = threads == 0 ? onCaller(builder, plan, batch, steps) : ahead(builder, plan, batch, steps, threads);
        double mib = 4.0 * batch * p * items.rowWidth() / (1 << 20);
        return new Result(batch, p, items.rowWidth(), threads, 1000 / ms, ms, mib);
    }

    /** The median milliseconds of a batch built on this thread. */
    private static double onCaller(BatchBuilder builder, Supplier<List<Examples.Window>> plan, int batch, int steps) {
        double[] ms = new double[steps];
        for (int s = -2; s < steps; s++) { // two untimed
            List<Examples.Window> pick = plan.get();
            long t = System.nanoTime();
            try (PointerScope scope = new PointerScope()) {
                check(builder.build(pick), batch);
            }
            if (s >= 0) ms[s] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return ms[steps / 2];
    }

    /** The mean milliseconds between batches a consumer receives from {@code threads} builders (after two). */
    private static double ahead(
            BatchBuilder builder, Supplier<List<Examples.Window>> plan, int batch, int steps, int threads) {
        long t = 0;
        try (BatchesAhead ahead = new BatchesAhead(builder, plan, threads)) {
            for (int s = -2; s < steps; s++) {
                if (s == 0) t = System.nanoTime();
                try (PointerScope scope = new PointerScope()) {
                    check(ahead.next(), batch);
                }
            }
        }
        return (System.nanoTime() - t) / 1e6 / steps;
    }

    private static void check(Batch b, int batch) {
        if (b.rows().size(0) != batch)
            throw new IllegalStateException("batch of " + b.rows().size(0));
    }
}
