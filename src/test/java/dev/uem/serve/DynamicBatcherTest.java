package dev.uem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The batcher on a stand-in model: batch sizes, the queue bound, deadlines, a clean close. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DynamicBatcherTest {
    /** A model that records each batch and answers x → 10x; it waits for {@code gate} before its first batch. */
    private static final class Model implements Function<List<Integer>, List<Integer>> {
        final List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch gate;
        /** Counted down when the model starts its first batch. */
        final CountDownLatch started = new CountDownLatch(1);

        Model(CountDownLatch gate) {
            this.gate = gate;
        }

        /** Waits until the worker is inside the model (holding its first batch). */
        void awaitStart() throws InterruptedException {
            assertTrue(started.await(10, TimeUnit.SECONDS), "the model never started");
        }

        @Override
        public List<Integer> apply(List<Integer> in) {
            started.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            batches.add(List.copyOf(in));
            return in.stream().map(x -> 10 * x).toList();
        }
    }

    @Test
    void requestsThatArriveTogetherShareACallUpToTheMaximum() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Model model = new Model(gate);
        try (DynamicBatcher<Integer, Integer> b = new DynamicBatcher<>(model, 4, 0, 100, null)) {
            List<CompletableFuture<Integer>> f = new ArrayList<>();
            f.add(b.submit(0, 10_000));
            model.awaitStart(); // the worker holds 0 and waits at the gate; the rest queue up behind it
            for (int i = 1; i < 10; i++) f.add(b.submit(i, 10_000));
            gate.countDown();
            for (int i = 0; i < 10; i++) assertEquals(10 * i, f.get(i).get(10, TimeUnit.SECONDS));
            assertEquals(List.of(List.of(0), List.of(1, 2, 3, 4), List.of(5, 6, 7, 8), List.of(9)), model.batches);
        }
    }

    @Test
    void whileRequestsComeTogetherTheFirstWaitsForOthers() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Model model = new Model(gate);
        try (DynamicBatcher<Integer, Integer> b = new DynamicBatcher<>(model, 8, 200, 100, null)) {
            CompletableFuture<Integer> lone = b.submit(1, 10_000);
            model.awaitStart(); // 1 is being run, alone: nothing was waiting with it
            List<CompletableFuture<Integer>> two = List.of(b.submit(2, 10_000), b.submit(3, 10_000));
            gate.countDown();
            for (CompletableFuture<Integer> f : two) f.get(10, TimeUnit.SECONDS);
            assertEquals(10, lone.get());
            assertEquals(List.of(List.of(1), List.of(2, 3)), model.batches);
            CompletableFuture<Integer> first = b.submit(4, 10_000);
            Thread.sleep(50);
            CompletableFuture<Integer> second = b.submit(5, 10_000);
            assertEquals(50, second.get(10, TimeUnit.SECONDS));
            assertEquals(40, first.get());
            assertEquals(List.of(4, 5), model.batches.get(model.batches.size() - 1), "5 came within 4's delay");
        }
    }

    @Test
    void aFullQueueRefusesAtOnce() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Model model = new Model(gate);
        try (DynamicBatcher<Integer, Integer> b = new DynamicBatcher<>(model, 1, 0, 2, null)) {
            b.submit(0, 10_000);
            model.awaitStart(); // 0 is being run
            b.submit(1, 10_000);
            b.submit(2, 10_000);
            assertEquals(2, b.depth());
            DynamicBatcher.QueueFull e = assertThrows(DynamicBatcher.QueueFull.class, () -> b.submit(3, 10_000));
            assertEquals("the queue is full (2 requests waiting)", e.getMessage());
            gate.countDown();
        }
    }

    @Test
    void aRequestPastItsDeadlineIsNotRun() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Model model = new Model(gate);
        try (DynamicBatcher<Integer, Integer> b = new DynamicBatcher<>(model, 1, 0, 10, null)) {
            CompletableFuture<Integer> first = b.submit(0, 10_000);
            model.awaitStart();
            CompletableFuture<Integer> late = b.submit(1, 50);
            Thread.sleep(200); // past late's deadline while 0 still runs
            gate.countDown();
            assertEquals(0, first.get(10, TimeUnit.SECONDS));
            ExecutionException e = assertThrows(ExecutionException.class, () -> late.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof TimeoutException, e.toString());
            assertEquals(List.of(List.of(0)), model.batches);
        }
    }

    @Test
    void closeAnswersWhatIsQueuedAndRefusesMore() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Model model = new Model(gate);
        DynamicBatcher<Integer, Integer> b = new DynamicBatcher<>(model, 2, 0, 10, null);
        List<CompletableFuture<Integer>> f = new ArrayList<>();
        for (int i = 0; i < 5; i++) f.add(b.submit(i, 10_000));
        Thread closer = new Thread(b::close);
        closer.start();
        while (closer.getState() != Thread.State.WAITING) Thread.onSpinWait(); // closed, joining the worker
        DynamicBatcher.Closed e = assertThrows(DynamicBatcher.Closed.class, () -> b.submit(9, 10_000));
        assertEquals("the service is stopping", e.getMessage());
        gate.countDown();
        closer.join(10_000);
        for (int i = 0; i < 5; i++) assertEquals(10 * i, f.get(i).getNow(-1));
    }

    @Test
    void aFailingModelFailsItsBatchOnly() throws Exception {
        Function<List<Integer>, List<Integer>> model = in -> {
            if (in.contains(13)) throw new IllegalStateException("unlucky");
            return in;
        };
        try (DynamicBatcher<Integer, Integer> b = new DynamicBatcher<>(model, 1, 0, 10, null)) {
            CompletableFuture<Integer> bad = b.submit(13, 10_000), good = b.submit(7, 10_000);
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(10, TimeUnit.SECONDS));
            assertEquals("unlucky", e.getCause().getMessage());
            assertEquals(7, good.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void theListenerHearsEachBatch() throws Exception {
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch gate = new CountDownLatch(1);
        Model model = new Model(gate);
        try (DynamicBatcher<Integer, Integer> b = new DynamicBatcher<>(model, 4, 100, 10, (size, waits, nanos) -> {
            assertEquals(size, waits.length);
            assertTrue(nanos >= 0);
            sizes.add(size);
        })) {
            b.submit(0, 10_000);
            model.awaitStart();
            CompletableFuture<Integer> a = b.submit(1, 10_000), c = b.submit(2, 10_000);
            gate.countDown();
            a.get(10, TimeUnit.SECONDS);
            c.get(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of(1, 2), sizes);
    }
}
