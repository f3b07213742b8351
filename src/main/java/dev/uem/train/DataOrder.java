package dev.uem.train;

import dev.uem.data.Examples;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Walks the training windows epoch by epoch, each epoch in its own order shuffled by {@code Random(seed, epoch)};
 * the remainder of an epoch too short for a global batch is dropped. Its position (epoch, cursor) is all a
 * checkpoint needs to continue the same order.
 */
final class DataOrder {
    private final List<Examples.Window> windows;
    private final long seed;
    private List<Examples.Window> order;
    private int epoch;
    private int cursor;

    /** The order of run seed {@code seed}, at {@code cursor} in epoch {@code epoch} (0, 0 on a fresh start). */
    DataOrder(List<Examples.Window> windows, long seed, int epoch, int cursor) {
        this.windows = windows;
        this.seed = seed;
        this.epoch = epoch;
        this.cursor = cursor;
        this.order = shuffled(epoch);
    }

    /** The next {@code n} windows, from the next epoch when this one has fewer than {@code n} left. */
    List<Examples.Window> next(int n) {
        if (cursor + n > order.size()) {
            epoch++;
            cursor = 0;
            order = shuffled(epoch);
        }
        List<Examples.Window> w = order.subList(cursor, cursor + n);
        cursor += n;
        return w;
    }

    /** An order at the same position that moves on its own (a planner running ahead of the consumer). */
    DataOrder copy() {
        return new DataOrder(windows, seed, epoch, cursor);
    }

    /** This order's rank slice: each call takes the next global batch of {@code batch x world} and keeps slice rank. */
    Supplier<List<Examples.Window>> slices(int batch, int world, int rank) {
        return () -> next(batch * world).subList(rank * batch, (rank + 1) * batch);
    }

    /** The current epoch (0-based). */
    int epoch() {
        return epoch;
    }

    /** How many windows of the current epoch were taken. */
    int cursor() {
        return cursor;
    }

    private List<Examples.Window> shuffled(int e) {
        List<Examples.Window> o = new ArrayList<>(windows);
        Collections.shuffle(o, new Random(Trainer.mix(seed ^ 0x5DEECE66DL, e)));
        return o;
    }
}
