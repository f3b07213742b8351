package dev.uem.bench;

import dev.uem.model.t5.T5Config;
import dev.uem.torch.TorchRuntime;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a T5 training step's time can go at best: every matrix product of one step of {@code uem bench t5-step}
 * (forward, and the backward's two products per weight and per batched product), timed alone through libtorch at
 * its best of 5, summed, and set against the 1024^3 sgemm peak. The step's time minus this sum is what the
 * element-wise work, the optimiser and the GEMMs' cold caches cost. Same shapes as {@link T5StepBench#trainingFlops}.
 *
 * <pre>java -cp target/uem.jar dev.uem.bench.T5StepGemms [config] [batch] [encoder length] [decoder length]</pre>
 * Thread settings from the environment, as for {@code uem bench t5-step} (OPENBLAS_NUM_THREADS=1 for one thread).
 */
public final class T5StepGemms {
    private T5StepGemms() {}

    /** {@code count} products of {@code [m, k] x [k, n]}, {@code batch} at a time (1: a plain matrix product). */
    private record Product(String name, int m, int k, int n, int batch, int count) {
        double flops() {
            return 2.0 * m * k * n * batch * count;
        }
    }

    public static void main(String[] args) {
        TorchRuntime.init();
        T5Config c = T5Config.named(args.length > 0 ? args[0] : "t5-mini");
        int b = args.length > 1 ? Integer.parseInt(args[1]) : 16, le = args.length > 2 ? Integer.parseInt(args[2]) : 128,
                ld = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        int d = c.dModel(), inner = c.innerDim(), ff = c.dFf(), h = c.numHeads(), dk = c.dKv(), ffIn = c.isGatedAct() ? 2 : 1;
        int enc = c.numLayers(), dec = c.numDecoderLayers();
        List<Product> linears = List.of(   // y[m, n] = x[m, k] W^T
                new Product("encoder q, k, v", b * le, d, inner, 1, 3 * enc), new Product("encoder o", b * le, inner, d, 1, enc),
                new Product("encoder wi", b * le, d, ff, 1, ffIn * enc), new Product("encoder wo", b * le, ff, d, 1, enc),
                new Product("decoder self q, k, v, cross q", b * ld, d, inner, 1, 4 * dec),
                new Product("decoder self o, cross o", b * ld, inner, d, 1, 2 * dec),
                new Product("decoder cross k, v (encoder rows)", b * le, d, inner, 1, 2 * dec),
                new Product("decoder wi", b * ld, d, ff, 1, ffIn * dec), new Product("decoder wo", b * ld, ff, d, 1, dec),
                new Product("LM head", b * ld, d, c.vocabSize(), 1, 1));
        List<Product> attention = List.of(  // per head: scores = q k^T, context = weights v
                new Product("encoder scores", le, dk, le, b * h, enc), new Product("encoder context", le, le, dk, b * h, enc),
                new Product("decoder self scores", ld, dk, ld, b * h, dec), new Product("decoder self context", ld, ld, dk, b * h, dec),
                new Product("decoder cross scores", ld, dk, le, b * h, dec), new Product("decoder cross context", ld, le, dk, b * h, dec));
        double peak = T5StepBench.sgemmPeakGflops(1024, 12);
        System.out.printf("# every matrix product of one %s training step (batch %d, encoder %d, decoder %d), alone, best of 5  (%s)%n",
                args.length > 0 ? args[0] : "t5-mini", b, le, ld, TorchRuntime.describe());
        System.out.printf("| product | m x k x n (x batch) x count | forward + 2 backward ms | GFLOP/s |%n|---|---|---|---|%n");
        double totalMs = 0, totalFlops = 0;
        List<Product> all = new ArrayList<>(linears);
        all.addAll(attention);
        for (Product p : all) {
            boolean linear = p.batch() == 1;
            // forward x W^T; backward dX = dY W and dW = dY^T X (a linear), or dA = dC B^T and dB = A^T dC (batched)
            double ms = p.count() * (time(p.m(), p.k(), p.n(), false, linear, p.batch())
                    + time(p.m(), p.n(), p.k(), false, !linear, p.batch())
                    + time(linear ? p.n() : p.k(), p.m(), linear ? p.k() : p.n(), true, false, p.batch()));
            totalMs += ms;
            totalFlops += 3 * p.flops();
            System.out.printf("| %s | %d x %d x %d%s x %d | %.1f | %.0f |%n", p.name(), p.m(), p.k(), p.n(),
                    linear ? "" : " (x " + p.batch() + ")", p.count(), ms, 3 * p.flops() / ms / 1e6);
        }
        System.out.printf("| **all** | %.2f GFLOP | **%.1f** | %.0f (%.0f %% of the sgemm peak, %.1f GFLOP/s) |%n",
                totalFlops / 1e9, totalMs, totalFlops / totalMs / 1e6, 100 * totalFlops / totalMs / 1e6 / peak, peak);
    }

    /** Best of 5 timings (ms) of {@code [m, k] x [k, n]}, {@code batch} at a time; {@code ta}/{@code tb}: operand stored transposed. */
    private static double time(int m, int k, int n, boolean ta, boolean tb, int batch) {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = ta ? torch.randn(batch, k, m).transpose(1, 2) : torch.randn(batch, m, k);
            Tensor bm = tb ? torch.randn(batch, n, k).transpose(1, 2) : torch.randn(batch, k, n);
            if (batch == 1) {
                a = a.select(0, 0);
                bm = bm.select(0, 0);
            }
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                try (PointerScope inner = new PointerScope()) {
                    (batch == 1 ? a.mm(bm) : a.bmm(bm)).data_ptr();
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e6);
            }
            return best;
        }
    }
}
