package dev.uem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.data.Examples;
import dev.uem.model.Batch;
import dev.uem.model.BatchSource;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class BatchesAheadTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    /** A batch whose labels are its windows' users, remembering every tensor it made and on which thread. */
    private static final class Recording implements BatchSource {
        final List<Tensor> made = Collections.synchronizedList(new ArrayList<>());
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());

        @Override
        public Batch build(List<Examples.Window> windows) {
            long[] users = windows.stream().mapToLong(Examples.Window::user).toArray();
            if (users[0] < 0) throw new IllegalArgumentException("user " + users[0]);
            Tensor ids = Tensors.longs(users, users.length, 1);
            made.add(ids);
            threads.add(Thread.currentThread().getName());
            return new Batch(null, null, ids, ids, ids);
        }
    }

    private static List<Examples.Window> windows(int... users) {
        List<Examples.Window> w = new ArrayList<>();
        for (int u : users) w.add(new Examples.Window(u, 0, 1));
        return w;
    }

    private static long[] users(Batch b) {
        long[] out = new long[(int) b.labels().size(0)];
        for (int i = 0; i < out.length; i++) out[i] = b.labels().get(i).item_long();
        return out;
    }

    @Test
    void batchesComeInThePlansOrderFromBackgroundThreadsAndAreFreedWithTheCallersScope() {
        List<Examples.Window> all = windows(1, 2, 3, 4, 5, 6, 7);
        Recording source = new Recording();
        List<Tensor> taken = new ArrayList<>();
        try (BatchesAhead ahead = new BatchesAhead(source, BatchesAhead.slices(all, 2), 2)) {
            for (int i = 0; i < all.size(); i += 2) {
                List<Examples.Window> w = all.subList(i, Math.min(all.size(), i + 2));
                try (PointerScope scope = new PointerScope()) {
                    Batch b = ahead.next(w);
                    long[] expected =
                            w.stream().mapToLong(Examples.Window::user).toArray();
                    assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(users(b)));
                    taken.add(b.labels());
                }
                assertTrue(taken.get(taken.size() - 1).isNull(), "freed when the caller's scope closed");
            }
            try (PointerScope scope = new PointerScope()) {
                assertNull(ahead.next(), "the plan has ended");
            }
        }
        assertEquals(4, source.made.size());
        assertTrue(source.threads.stream().allMatch(t -> t.startsWith("uem-batches-")), source.threads.toString());
    }

    @Test
    void batchesBuiltAndNeverTakenAreFreedOnClose() {
        Recording source = new Recording();
        List<Examples.Window> all = windows(1, 2, 3, 4, 5, 6, 7, 8);
        BatchesAhead ahead = new BatchesAhead(source, BatchesAhead.slices(all, 1), 3);
        try (PointerScope scope = new PointerScope()) {
            assertEquals(1, users(ahead.next())[0]);
        }
        ahead.close();
        assertTrue(source.made.size() > 1, "later batches were built ahead: " + source.made.size());
        for (Tensor t : source.made) assertTrue(t.isNull(), "every batch freed");
    }

    @Test
    void aWindowOutOfOrderAndAFailedBuildAreReportedToTheCaller() {
        Recording source = new Recording();
        try (BatchesAhead ahead = new BatchesAhead(source, BatchesAhead.slices(windows(1, 2, -3), 1), 1);
                PointerScope scope = new PointerScope()) {
            assertThrows(IllegalStateException.class, () -> ahead.next(windows(2)));
            assertEquals(2, users(ahead.next(windows(2)))[0]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ahead.next(windows(-3)));
            assertEquals("user -3", e.getMessage());
        }
    }

    @Test
    void withoutThreadsEachBatchIsBuiltOnTheCallersThread() {
        Recording source = new Recording();
        try (BatchesAhead ahead = new BatchesAhead(source, BatchesAhead.slices(windows(4, 5), 1), 0);
                PointerScope scope = new PointerScope()) {
            assertEquals(4, users(ahead.next(windows(4)))[0]);
            assertEquals(5, users(ahead.next())[0]);
            assertNull(ahead.next());
        }
        assertEquals(
                List.of(Thread.currentThread().getName(), Thread.currentThread().getName()), source.threads);
        assertFalse(source.made.isEmpty());
    }
}
