package dev.uem.bench.kernels;

import java.util.Arrays;

/**
 * Fused native prompt assembly against the libtorch-op composition, forward and forward+backward, timed in
 * alternation (native, torch, native, …) so both see the same machine state; reports medians. Backward on both
 * sides produces every gradient into fresh buffers (autograd allocates its own; the native side zero-fills).
 * The JMH benchmark {@code bench/java/dev/uem/bench/PromptAssemblyJmh} measures the same four operations
 * ({@link AssemblyInputs}).
 */
public final class KernelBench {
    /** The default CPU shape (t5-mini, MiniLM rows) and the paper's (Flan-T5-base, sentence-T5-base rows). */
    public static final KernelCheck.Shape DEFAULT =
            new KernelCheck.Shape("default", 16, 20, 50, 32, 1152, 256, 32128, false);

    public static final KernelCheck.Shape PAPER =
            new KernelCheck.Shape("paper", 128, 20, 100, 32, 2304, 768, 32128, false);

    /**
     * Medians; the matmul-only times are the projection's matrix products alone (1 forward, 3 forward+backward): the
     * floor both paths share.
     */
    public record Result(
            KernelCheck.Shape shape,
            double forwardNativeMs,
            double forwardTorchMs,
            double fullNativeMs,
            double fullTorchMs,
            double forwardMatmulMs,
            double fullMatmulMs) {
        public double forwardRatio() {
            return forwardTorchMs / forwardNativeMs;
        }

        public double fullRatio() {
            return fullTorchMs / fullNativeMs;
        }
    }

    private KernelBench() {}

    public static Result run(KernelCheck.Shape shape, int reps, Runnable tick) {
        try (AssemblyInputs in = new AssemblyInputs(shape, 42, shape.p() / 2)) {
            in.nativeForwardBackward(); // warm-up: first-touch page faults, BLAS buffers
            in.torchForwardBackward();
            double[] fn = new double[reps],
                    ft = new double[reps],
                    bn = new double[reps],
                    bt = new double[reps],
                    fm = new double[reps],
                    bm = new double[reps];
            for (int i = 0; i < reps; i++) {
                fn[i] = time(in::nativeForward);
                ft[i] = time(in::torchForward);
                bn[i] = time(in::nativeForwardBackward);
                bt[i] = time(in::torchForwardBackward);
                fm[i] = time(in::matmulForward);
                bm[i] = time(in::matmulForwardBackward);
                tick.run();
            }
            return new Result(shape, median(fn), median(ft), median(bn), median(bt), median(fm), median(bm));
        }
    }

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
