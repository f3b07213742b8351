package dev.uem.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.data.Examples;
import dev.uem.io.StopSignal;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.Precision;
import dev.uem.torch.TorchRuntime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class BatchWorkersTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    private static List<Examples.Window> windows(int n) {
        List<Examples.Window> w = new ArrayList<>();
        for (int i = 0; i < n; i++) w.add(new Examples.Window(i, 0, 1));
        return w;
    }

    /** Each window's user and the first window of its batch, so a result shows which batch made it. */
    private static List<String> labels(List<Examples.Window> w, int from) {
        List<String> out = new ArrayList<>();
        for (Examples.Window x : w) out.add(x.user() + "@" + from);
        return out;
    }

    @Test
    void severalWorkersGiveTheSameBatchesInTheSameOrderAsOne() {
        List<Examples.Window> all = windows(23);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        List<String> one = BatchWorkers.ONE.map(all, 4, null, "test", BatchWorkersTest::labels);
        List<String> three = new BatchWorkers(3, Precision.FP32, ComputeDevice.CPU)
                .map(all, 4, null, "test", (w, from) -> {
                    threads.add(Thread.currentThread().getName());
                    return labels(w, from);
                });
        assertEquals(23, one.size());
        assertEquals("22@20", one.get(22), "the last batch holds 3 windows");
        assertEquals(one, three);
        assertTrue(threads.stream().allMatch(t -> t.startsWith("uem-eval-")), threads.toString());
        assertEquals(TorchRuntime.blasStartThreads(), TorchRuntime.blasThreads(), "OpenBLAS's threads restored");
    }

    @Test
    void aFailingBatchOrAStopEndsThePass() {
        BatchWorkers two = new BatchWorkers(2, Precision.FP32, ComputeDevice.CPU);
        List<Examples.Window> all = windows(10);
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> two.map(all, 2, null, "test", (w, from) -> {
                    if (from == 4) throw new IllegalStateException("batch at " + from);
                    return labels(w, from);
                }));
        assertEquals("batch at 4", e.getMessage());
        List<Integer> started = Collections.synchronizedList(new ArrayList<>());
        StopSignal.request("INT");
        try {
            StopSignal.StopRequested stop = assertThrows(
                    StopSignal.StopRequested.class,
                    () -> two.map(all, 2, null, "the pass", (w, from) -> {
                        started.add(from);
                        return labels(w, from);
                    }));
            assertTrue(stop.getMessage().contains("the pass abandoned after 0 of 10 windows"), stop.getMessage());
            assertEquals(List.of(), started, "no batch starts once a stop is requested");
        } finally {
            StopSignal.clear();
        }
        assertThrows(IllegalArgumentException.class, () -> new BatchWorkers(0, Precision.FP32, ComputeDevice.CPU));
    }

    @Test
    void aLargeLanguageModelOrAGpuDecodesOneBatchAtATime() {
        assertEquals(
                1,
                BatchWorkers.of(Precision.FP32, ComputeDevice.CPU, BatchWorkers.LARGE_LM + 1)
                        .workers());
        assertEquals(
                1,
                BatchWorkers.of(Precision.FP32, new ComputeDevice(ComputeDevice.Kind.CUDA, 0), 1_000_000)
                        .workers());
        int cores = Runtime.getRuntime().availableProcessors();
        if (System.getenv("UEM_EVAL_THREADS") == null)
            assertEquals(
                    Math.min(4, cores),
                    BatchWorkers.of(Precision.FP32, ComputeDevice.CPU, 1_000_000)
                            .workers());
    }
}
