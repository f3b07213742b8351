package dev.uem.eval;

import dev.uem.data.Examples;
import dev.uem.io.Log;
import dev.uem.io.StopSignal;
import dev.uem.io.Threads;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.Precision;
import dev.uem.torch.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import me.tongfei.progressbar.ProgressBar;

/**
 * Runs one function over consecutive batches of windows, several batches at once on a CPU, and returns the results in
 * the windows' order.
 *
 * <p>Why: decoding and the head's readout are mostly small libtorch operations, each on one thread, so one batch at a
 * time leaves the other cores idle between matrix products. Each batch is computed alone, as it would be on one
 * thread, so the results do not depend on how many run at once. Workers apply libtorch's per-thread settings and the
 * evaluation's autocast region themselves; while they run, each matrix product uses one OpenBLAS thread.
 *
 * @param workers   batches computed at once (1: one after another on the calling thread, inside its autocast region)
 * @param precision the autocast each worker opens
 * @param device    where the model is
 */
public record BatchWorkers(int workers, Precision precision, ComputeDevice device) {
    /** One batch at a time on the calling thread. */
    public static final BatchWorkers ONE = new BatchWorkers(1, Precision.FP32, ComputeDevice.CPU);

    /** The work on one batch: windows {@code from} to {@code from + windows.size()}. */
    @FunctionalInterface
    public interface Work<T> {
        List<T> apply(List<Examples.Window> windows, int from);
    }

    public BatchWorkers {
        if (workers < 1) throw new IllegalArgumentException("eval workers must be >= 1, found " + workers);
    }

    /**
     * Language models above this many parameters are decoded one batch at a time: their matrix products keep every
     * core busy already, and each batch decoded at once holds its own activations (2.7 GiB for a flan-t5-base batch
     * of 32 windows, bench/RESULTS.md).
     */
    public static final long LARGE_LM = 100_000_000L;

    /**
     * On a CPU with an LM of at most {@link #LARGE_LM} parameters one worker per core, at most 4 ({@code
     * UEM_EVAL_THREADS} sets it); one on a GPU or with a larger LM.
     */
    public static BatchWorkers of(Precision precision, ComputeDevice device, long lmParameters) {
        String env = System.getenv("UEM_EVAL_THREADS");
        int n = env != null && !env.isBlank()
                ? Integer.parseInt(env.trim())
                : Math.min(4, Runtime.getRuntime().availableProcessors());
        return new BatchWorkers(device.isCuda() || lmParameters > LARGE_LM ? 1 : n, precision, device);
    }

    /**
     * {@code work} over {@code windows} in batches of {@code batchSize}, with a progress bar named {@code task} (none
     * when null); a requested stop abandons the rest ({@code what} names the pass in the message).
     */
    <T> List<T> map(List<Examples.Window> windows, int batchSize, String task, String what, Work<T> work) {
        try (ProgressBar bar = task == null
                ? null
                : Log.progress(task, windows.size()).setUnit(" windows", 1).build()) {
            return workers == 1
                    ? inOrder(windows, batchSize, bar, what, work)
                    : atOnce(windows, batchSize, bar, what, work);
        }
    }

    private static <T> List<T> inOrder(
            List<Examples.Window> windows, int batchSize, ProgressBar bar, String what, Work<T> work) {
        List<T> out = new ArrayList<>(windows.size());
        for (int i = 0; i < windows.size(); i += batchSize) {
            checkStop(i, windows.size(), what);
            List<Examples.Window> w = windows.subList(i, Math.min(windows.size(), i + batchSize));
            out.addAll(work.apply(w, i));
            if (bar != null) bar.stepBy(w.size());
        }
        return out;
    }

    private <T> List<T> atOnce(
            List<Examples.Window> windows, int batchSize, ProgressBar bar, String what, Work<T> work) {
        ExecutorService pool = Threads.daemonPool("uem-eval", workers);
        TorchRuntime.blasThreads(1);
        try {
            List<Future<List<T>>> batches = new ArrayList<>();
            for (int i = 0; i < windows.size(); i += batchSize) {
                int from = i;
                List<Examples.Window> w = windows.subList(i, Math.min(windows.size(), i + batchSize));
                batches.add(pool.submit(() -> {
                    checkStop(from, windows.size(), what);
                    TorchRuntime.initThread();
                    List<T> r;
                    try (Precision.Scope autocast = precision.autocast(device)) {
                        r = work.apply(w, from);
                    }
                    if (bar != null) bar.stepBy(w.size());
                    return r;
                }));
            }
            List<T> out = new ArrayList<>(windows.size());
            for (Future<List<T>> f : batches) out.addAll(Threads.await(f));
            return out;
        } finally {
            Threads.stop(pool); // batches not started yet are dropped; those running finish before the model is left
            TorchRuntime.blasThreads(TorchRuntime.blasStartThreads());
        }
    }

    private static void checkStop(int done, int all, String what) {
        StopSignal.check(what + " abandoned after " + done + " of " + all + " windows (nothing written)");
    }
}
