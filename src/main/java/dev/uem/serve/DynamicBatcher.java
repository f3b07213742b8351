package dev.uem.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Requests that arrive together answered by one call: a bounded queue and one worker thread that takes up to
 * {@code maxBatch} waiting requests, or what has arrived {@code maxDelayMs} after the first of them, and hands them to
 * the model function at once. The delay applies only while requests come together (the previous batch held more than
 * one): a lone request is not held back, and under load the queue fills while a batch runs anyway. A full queue
 * refuses at once ({@link QueueFull}); a request that waited past its deadline is answered with a
 * {@link TimeoutException} instead of being run. {@link #close} stops taking requests and answers the ones already
 * queued.
 *
 * @param <I> a request
 * @param <O> its answer
 */
public final class DynamicBatcher<I, O> implements AutoCloseable {
    /** Thrown by {@link #submit} when the queue holds as many requests as it may, or the batcher is closed. */
    public static final class QueueFull extends RuntimeException {
        QueueFull(String message) {
            super(message);
        }
    }

    /** Thrown by {@link #submit} once {@link #close} was called. */
    public static final class Closed extends RuntimeException {
        Closed() {
            super("the service is stopping");
        }
    }

    /** What the worker reports of each batch it ran (for metrics). */
    public interface Listener {
        /**
         * @param size       requests in the batch
         * @param queueWaits each request's time in the queue, nanoseconds
         * @param modelNanos the model function's time
         */
        void batch(int size, long[] queueWaits, long modelNanos);
    }

    private record Pending<I, O>(I request, long arrived, long deadline, CompletableFuture<O> answer) {}

    private final BlockingQueue<Pending<I, O>> queue;
    private final Function<List<I>, List<O>> model;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final Listener listener;
    private final Thread worker;
    private volatile boolean closed;
    /** The size of the batch gathered last (worker thread only). */
    private int lastBatch;

    /**
     * @param model      answers a batch of requests, one answer per request in order (called on the worker thread)
     * @param maxBatch   most requests per call, at least 1
     * @param maxDelayMs how long the first request of a batch waits for others, 0 or more
     * @param capacity   most requests waiting, at least 1
     */
    public DynamicBatcher(
            Function<List<I>, List<O>> model, int maxBatch, long maxDelayMs, int capacity, Listener listener) {
        this(model, maxBatch, maxDelayMs, capacity, listener, () -> {});
    }

    /** The same, with {@code workerSetup} run first on the worker thread (per-thread settings of the model). */
    public DynamicBatcher(
            Function<List<I>, List<O>> model,
            int maxBatch,
            long maxDelayMs,
            int capacity,
            Listener listener,
            Runnable workerSetup) {
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be at least 1, found " + maxBatch);
        if (maxDelayMs < 0) throw new IllegalArgumentException("max delay must be 0 or more, found " + maxDelayMs);
        if (capacity < 1) throw new IllegalArgumentException("queue must hold at least 1, found " + capacity);
        this.model = model;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(maxDelayMs);
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.listener = listener;
        this.worker = new Thread(
                () -> {
                    workerSetup.run();
                    work();
                },
                "uem-batcher");
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Queues a request; the future completes with its answer, or exceptionally with the model's exception or a
     * {@link TimeoutException} when it was not started within {@code timeoutMs}.
     *
     * @throws QueueFull when the queue is full
     * @throws Closed     once the batcher is closed
     */
    public CompletableFuture<O> submit(I request, long timeoutMs) {
        long now = System.nanoTime();
        Pending<I, O> p =
                new Pending<>(request, now, now + TimeUnit.MILLISECONDS.toNanos(timeoutMs), new CompletableFuture<>());
        if (closed) throw new Closed();
        if (!queue.offer(p))
            throw new QueueFull(
                    "the queue is full (" + (queue.size() + queue.remainingCapacity()) + " requests waiting)");
        // closed meanwhile: the worker may have left already; take it back unless the worker took it
        if (closed && queue.remove(p)) throw new Closed();
        return p.answer();
    }

    /** Requests waiting now. */
    public int depth() {
        return queue.size();
    }

    private void work() {
        while (!closed || !queue.isEmpty()) {
            List<Pending<I, O>> batch;
            try {
                batch = next();
            } catch (InterruptedException e) {
                break;
            }
            if (!batch.isEmpty()) run(batch);
        }
        for (Pending<I, O> p; (p = queue.poll()) != null; ) p.answer().completeExceptionally(new Closed());
    }

    /** Blocks for a first request, then gathers more until the batch is full or the first has waited long enough. */
    private List<Pending<I, O>> next() throws InterruptedException {
        List<Pending<I, O>> batch = new ArrayList<>(maxBatch);
        Pending<I, O> first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) return batch;
        batch.add(first);
        long until = first.arrived() + (lastBatch > 1 ? maxDelayNanos : 0);
        while (batch.size() < maxBatch) {
            long left = until - System.nanoTime();
            Pending<I, O> more = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
            if (more == null) break;
            batch.add(more);
        }
        lastBatch = batch.size();
        return batch;
    }

    private void run(List<Pending<I, O>> gathered) {
        long start = System.nanoTime();
        List<Pending<I, O>> live = new ArrayList<>(gathered.size());
        for (Pending<I, O> p : gathered)
            if (start > p.deadline())
                p.answer().completeExceptionally(new TimeoutException("waited past its deadline in the queue"));
            else live.add(p);
        if (live.isEmpty()) return;
        try {
            List<O> answers = model.apply(live.stream().map(Pending::request).toList());
            if (answers.size() != live.size())
                throw new IllegalStateException(answers.size() + " answers for " + live.size() + " requests");
            long modelNanos = System.nanoTime() - start;
            long[] waits = new long[live.size()];
            for (int i = 0; i < live.size(); i++) {
                waits[i] = start - live.get(i).arrived();
                live.get(i).answer().complete(answers.get(i));
            }
            if (listener != null) listener.batch(live.size(), waits, modelNanos);
        } catch (RuntimeException | Error e) { // the batch fails, the worker goes on
            for (Pending<I, O> p : live) p.answer().completeExceptionally(e);
        }
    }

    /** Stops taking requests, answers those already queued, and waits for the worker to finish. */
    @Override
    public void close() {
        closed = true;
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
