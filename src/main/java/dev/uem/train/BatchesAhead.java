package dev.uem.train;

import dev.uem.data.Examples;
import dev.uem.io.Threads;
import dev.uem.model.Batch;
import dev.uem.model.BatchSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Builds the coming batches on background threads while the current one is computed, so that a fast accelerator
 * never waits for the host to gather item embeddings into a batch.
 *
 * <p>A plan names the windows of each coming batch, in the order the consumer will ask for them; the trainer's plan
 * walks a copy of its {@link DataOrder}, so the order and the checkpointed position are unchanged. Each batch is
 * built inside its own {@link PointerScope} and handed over to the consumer's scope, which frees it; {@link #close}
 * frees the batches built and never taken. With 0 threads every batch is built on the caller's thread when asked (the
 * plan is still followed and checked).
 */
public final class BatchesAhead implements AutoCloseable {
    /** Background builder threads when nobody says: a quarter of the cores, 1 to 4 ({@code UEM_LOADER_THREADS}). */
    public static int defaultThreads() {
        String env = System.getenv("UEM_LOADER_THREADS");
        if (env != null && !env.isBlank()) return Integer.parseInt(env.trim());
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 4));
    }

    private record Planned(List<Examples.Window> windows, Future<Batch> batch) {}

    private final BatchSource source;
    private final Supplier<List<Examples.Window>> plan;
    private final ExecutorService pool;
    private final int depth;
    private final ArrayDeque<Planned> ahead = new ArrayDeque<>();

    /**
     * Batches of the windows {@code plan} gives, in turn (null: no more), built by {@code threads} background threads
     * up to {@code threads + 1} batches ahead.
     */
    public BatchesAhead(BatchSource source, Supplier<List<Examples.Window>> plan, int threads) {
        if (threads < 0) throw new IllegalArgumentException("loader threads must be >= 0, found " + threads);
        this.source = source;
        this.plan = plan;
        this.depth = threads + 1;
        this.pool = threads == 0 ? null : Threads.daemonPool("uem-batches", threads);
    }

    /** The batches of consecutive slices of {@code windows}, {@code size} at a time (the last may be shorter). */
    public static Supplier<List<Examples.Window>> slices(List<Examples.Window> windows, int size) {
        int[] next = {0};
        return () -> {
            if (next[0] >= windows.size()) return null;
            List<Examples.Window> w = windows.subList(next[0], Math.min(windows.size(), next[0] + size));
            next[0] += w.size();
            return w;
        };
    }

    /**
     * The batch of {@code windows}, which must be the plan's next; its tensors belong to the caller's innermost
     * {@link PointerScope} (there must be one).
     *
     * @throws IllegalStateException when the plan gave other windows
     */
    public Batch next(List<Examples.Window> windows) {
        if (pool == null) {
            if (!windows.equals(plan.get()))
                throw new IllegalStateException("the batch asked for is not the next one planned");
            return source.build(windows);
        }
        fill();
        Planned p = ahead.poll();
        if (p == null || !p.windows().equals(windows)) {
            if (p != null) release(Threads.await(p.batch()));
            throw new IllegalStateException("the batch asked for is not the next one planned");
        }
        return taken(p);
    }

    /** The plan's next batch (null when the plan has ended), in the caller's innermost {@link PointerScope}. */
    public Batch next() {
        if (pool == null) {
            List<Examples.Window> w = plan.get();
            return w == null ? null : source.build(w);
        }
        fill();
        Planned p = ahead.poll();
        return p == null ? null : taken(p);
    }

    private Batch taken(Planned p) {
        Batch b = Threads.await(p.batch());
        adopt(b);
        fill();
        return b;
    }

    private void fill() {
        while (ahead.size() < depth) {
            List<Examples.Window> w = plan.get();
            if (w == null) return;
            List<Examples.Window> copy = List.copyOf(w);
            ahead.add(new Planned(copy, pool.submit(() -> build(copy))));
        }
    }

    /** Runs on a builder thread: the batch outlives the scope it was built in by one reference per tensor. */
    private Batch build(List<Examples.Window> windows) {
        try (PointerScope scope = new PointerScope()) {
            Batch b = source.build(windows);
            for (Tensor t : tensors(b)) t.retainReference();
            return b;
        }
    }

    /** Moves the batch's tensors into the caller's scope: that scope's close frees them. */
    private static void adopt(Batch b) {
        PointerScope scope = PointerScope.getInnerScope();
        if (scope == null) {
            release(b);
            throw new IllegalStateException("a prefetched batch needs a PointerScope to live in");
        }
        for (Tensor t : tensors(b)) {
            scope.attach(t);
            t.releaseReference();
        }
    }

    private static void release(Batch b) {
        for (Tensor t : tensors(b)) t.releaseReference();
    }

    private static List<Tensor> tensors(Batch b) {
        List<Tensor> all = new ArrayList<>(8);
        for (Tensor t : new Tensor[] {
            b.rows(),
            b.userMask(),
            b.textIds(),
            b.textMask(),
            b.labels(),
            b.preferences(),
            b.windowPreferences(),
            b.windowStats()
        }) if (t != null) all.add(t);
        return all;
    }

    /** Stops the builders and frees every batch built and not taken. */
    @Override
    public void close() {
        if (pool == null) return;
        Threads.stop(pool); // builds not yet started never run; those running finish and are freed below
        for (Planned p : ahead) {
            if (!p.batch().isDone()) continue; // dropped before it started
            try {
                release(p.batch().get());
            } catch (ExecutionException e) {
                // failed while building: nothing to free
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ahead.clear();
    }
}
