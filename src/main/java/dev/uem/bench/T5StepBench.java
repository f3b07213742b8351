package dev.uem.bench;

import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.Modules;
import dev.uem.torch.Precision;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.FusedAdamW;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * One T5 training step (zero_grad, forward, loss, backward, clip to norm 1, AdamW: the trainer's {@link FusedAdamW}, or
 * libtorch's for comparison) timed over many steps,
 * with the achieved GFLOP/s set against libtorch's own sgemm peak measured in the same process, and the
 * resident set size sampled along the way (it must stay flat: one PointerScope per step).
 */
public final class T5StepBench {
    /**
     * Which AdamW steps the parameters: the trainer's ({@link FusedAdamW}, one native pass, clipping folded in) or
     * libtorch's (the baseline).
     */
    public enum StepOptimizer {
        FUSED,
        LIBTORCH
    }

    public record Settings(
            T5Config config,
            int batch,
            int encLen,
            int decLen,
            int steps,
            int warmup,
            Precision precision,
            StepOptimizer optimizer) {
        public Settings(T5Config config, int batch, int encLen, int decLen, int steps, int warmup) {
            this(config, batch, encLen, decLen, steps, warmup, Precision.FP32, StepOptimizer.FUSED);
        }
    }

    /**
     * {@code sgemmPeakGflops}: the float32 matrix-product peak; {@code gemmPeakGflops}: the peak of the precision under
     * test (the same number in fp32; in bf16 a bfloat16 product through libtorch, oneDNN on CPUs), which is what the
     * step's matrix products can at best reach.
     */
    public record Result(
            Settings settings,
            double sgemmPeakGflops,
            double gemmPeakGflops,
            double[] stepMs,
            double[] forwardMs,
            double[] backwardMs,
            double[] optimizerMs,
            double flopsPerStep,
            long[] rssSamples,
            int[] rssSteps) {
        public double medianMs() {
            return median(stepMs);
        }

        public double gflops() {
            return flopsPerStep / (medianMs() / 1e3) / 1e9;
        }

        /** The share of the precision's own matrix-product peak that the whole step achieves. */
        public double fractionOfPeak() {
            return gflops() / gemmPeakGflops;
        }
    }

    private T5StepBench() {}

    /** One step's phase boundaries (nanoseconds): start, forward done, backward done, optimiser done. */
    private static long[] timedStep(
            T5Model model, Settings s, Tensor[] batch, FusedAdamW fusedOpt, AdamW libtorchOpt, TensorVector params) {
        long t0 = System.nanoTime(), t1, t2, t3;
        try (PointerScope scope = new PointerScope()) {
            if (fusedOpt != null) fusedOpt.zeroGrad();
            else libtorchOpt.zero_grad();
            Tensor loss;
            try (Precision.Scope autocast = s.precision().autocast(ComputeDevice.CPU)) {
                loss = model.forward(model.embed(batch[0]), batch[1], batch[2]).loss();
            }
            t1 = System.nanoTime();
            loss.backward();
            t2 = System.nanoTime();
            if (fusedOpt != null) {
                fusedOpt.step(FusedAdamW.clipScale(fusedOpt.gradientNorm(), 1.0));
            } else {
                torch.clip_grad_norm_(params, 1.0);
                libtorchOpt.step();
            }
            t3 = System.nanoTime();
        }
        return new long[] {t0, t1, t2, t3};
    }

    public static Result run(Settings s, java.util.function.IntConsumer progress) {
        TorchRuntime.init();
        double peak = sgemmPeakGflops(1024, 12);
        double precisionPeak =
                s.precision() == Precision.FP32 ? peak : gemmPeakGflops(1024, 12, torch.ScalarType.BFloat16);
        T5Config c = s.config();
        torch.manual_seed(0);
        try (T5Model model = T5Model.create(c, 0)) {
            model.train(true);
            TensorVector params = model.parameters();
            AdamWOptions o = new AdamWOptions(1e-4);
            o.weight_decay().put(0.01);
            boolean fused = s.optimizer() == StepOptimizer.FUSED;
            AdamW libtorchOpt = fused ? null : new AdamW(params, o);
            FusedAdamW fusedOpt =
                    fused ? new FusedAdamW(List.of(Modules.handles(params)), new double[] {1e-4}, 0.01) : null;
            Tensor ids = torch.randint(2, c.vocabSize(), new long[] {s.batch(), s.encLen()}, Tensors.LONG);
            Tensor mask = torch.ones(new long[] {s.batch(), s.encLen()}, Tensors.LONG);
            Tensor labels = torch.randint(2, c.vocabSize(), new long[] {s.batch(), s.decLen()}, Tensors.LONG);
            int total = s.warmup() + s.steps();
            double[] step = new double[s.steps()],
                    fwd = new double[s.steps()],
                    bwd = new double[s.steps()],
                    optMs = new double[s.steps()];
            List<Long> rss = new ArrayList<>();
            List<Integer> rssAt = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                long[] t = timedStep(model, s, new Tensor[] {ids, mask, labels}, fusedOpt, libtorchOpt, params);
                long t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3];
                int k = i - s.warmup();
                if (k >= 0) {
                    step[k] = (t3 - t0) / 1e6;
                    fwd[k] = (t1 - t0) / 1e6;
                    bwd[k] = (t2 - t1) / 1e6;
                    optMs[k] = (t3 - t2) / 1e6;
                }
                if (i % 10 == 0 || i == total - 1) {
                    rss.add(residentBytes());
                    rssAt.add(i);
                }
                if (progress != null) progress.accept(i + 1);
            }
            if (fusedOpt != null) fusedOpt.close();
            return new Result(
                    s,
                    peak,
                    precisionPeak,
                    step,
                    fwd,
                    bwd,
                    optMs,
                    trainingFlops(c, s.batch(), s.encLen(), s.decLen()),
                    rss.stream().mapToLong(Long::longValue).toArray(),
                    rssAt.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    /** Best of {@code reps} timings of an n x n x n float32 matmul through libtorch (OpenBLAS here). */
    public static double sgemmPeakGflops(int n, int reps) {
        return gemmPeakGflops(n, reps, torch.ScalarType.Float);
    }

    /**
     * Best of {@code reps} timings of an n x n x n matmul of {@code dtype} through libtorch (bfloat16: oneDNN on CPUs).
     */
    public static double gemmPeakGflops(int n, int reps, torch.ScalarType dtype) {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(n, n).to(dtype), b = torch.randn(n, n).to(dtype);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                try (PointerScope inner = new PointerScope()) {
                    a.mm(b).sum().item_float(); // item() forces completion
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return 2.0 * n * n * n / best / 1e9;
        }
    }

    /** {@code count} matrix products of {@code [m, k] x [k, n]}, {@code batch} at a time (1: a plain product). */
    public record MatrixProduct(String name, int m, int k, int n, int batch, int count) {
        /** Forward FLOPs of all {@code count} of them. */
        public double flops() {
            return 2.0 * m * k * n * batch * count;
        }
    }

    /**
     * The matrix products of one T5 forward pass at batch {@code b}, encoder length {@code le}, decoder length {@code
     * ld}: the linear layers ({@code [tokens, in] x [in, out]}) and, per batch row and head, the attention's scores and
     * context.
     */
    public static java.util.List<MatrixProduct> matrixProducts(T5Config c, int b, int le, int ld) {
        int d = c.dModel(),
                inner = c.innerDim(),
                ff = c.dFf(),
                h = c.numHeads(),
                dk = c.dKv(),
                ffIn = c.isGatedAct() ? 2 : 1;
        int enc = c.numLayers(), dec = c.numDecoderLayers();
        return java.util.List.of(
                new MatrixProduct("encoder q, k, v", b * le, d, inner, 1, 3 * enc),
                new MatrixProduct("encoder o", b * le, inner, d, 1, enc),
                new MatrixProduct("encoder wi", b * le, d, ff, 1, ffIn * enc),
                new MatrixProduct("encoder wo", b * le, ff, d, 1, enc),
                new MatrixProduct("decoder self q, k, v, cross q", b * ld, d, inner, 1, 4 * dec),
                new MatrixProduct("decoder self o, cross o", b * ld, inner, d, 1, 2 * dec),
                new MatrixProduct("decoder cross k, v (encoder rows)", b * le, d, inner, 1, 2 * dec),
                new MatrixProduct("decoder wi", b * ld, d, ff, 1, ffIn * dec),
                new MatrixProduct("decoder wo", b * ld, ff, d, 1, dec),
                new MatrixProduct("LM head", b * ld, d, c.vocabSize(), 1, 1),
                new MatrixProduct("encoder scores", le, dk, le, b * h, enc),
                new MatrixProduct("encoder context", le, le, dk, b * h, enc),
                new MatrixProduct("decoder self scores", ld, dk, ld, b * h, dec),
                new MatrixProduct("decoder self context", ld, ld, dk, b * h, dec),
                new MatrixProduct("decoder cross scores", ld, dk, le, b * h, dec),
                new MatrixProduct("decoder cross context", ld, le, dk, b * h, dec));
    }

    /**
     * Matrix-multiply FLOPs of one training step: 3x the forward's {@link #matrixProducts} (backward computes gradients
     * for both inputs and weights). Element-wise work is not counted, so the ratio to sgemm peak is how close the
     * step gets to doing nothing but GEMMs.
     */
    public static double trainingFlops(T5Config c, int b, int le, int ld) {
        return 3
                * matrixProducts(c, b, le, ld).stream()
                        .mapToDouble(MatrixProduct::flops)
                        .sum();
    }

    /** Current VmRSS from /proc (0 where there is no /proc). */
    public static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
        } catch (IOException | NumberFormatException ignored) {
            // not Linux: report nothing rather than a wrong number
        }
        return 0;
    }

    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    public static double percentile(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.round(p * (s.length - 1)))];
    }
}
