package dev.uem.bench;

import dev.uem.model.t5.T5Config;
import dev.uem.torch.TorchRuntime;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Where a T5 training step's time can go at best: every matrix product of one step of {@code uem bench t5-step}
 * (forward, and the backward's two products per weight and per batched product), timed alone through libtorch at
 * its best of 5, summed, and set against the 1024^3 sgemm peak. The step's time minus this sum is what the
 * element-wise work, the optimiser and the GEMMs' cold caches cost. The products are {@link T5StepBench#matrixProducts},
 * the ones {@code uem bench t5-step} counts.
 *
 * <pre>java -cp target/uem.jar dev.uem.bench.T5StepGemms [config] [batch] [encoder length] [decoder length]</pre>
 * Thread settings from the environment, as for {@code uem bench t5-step} (OPENBLAS_NUM_THREADS=1 for one thread).
 */
public final class T5StepGemms {
    private T5StepGemms() {}

    public static void main(String[] args) {
        TorchRuntime.init();
        T5Config c = T5Config.named(args.length > 0 ? args[0] : "t5-mini");
        int b = args.length > 1 ? Integer.parseInt(args[1]) : 16,
                le = args.length > 2 ? Integer.parseInt(args[2]) : 128,
                ld = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        double peak = T5StepBench.sgemmPeakGflops(1024, 12);
        System.out.printf(
                "# every matrix product of one %s training step (batch %d, encoder %d, decoder %d), alone, best of 5  (%s)%n",
                args.length > 0 ? args[0] : "t5-mini", b, le, ld, TorchRuntime.describe());
        System.out.printf(
                "| product | m x k x n (x batch) x count | forward + 2 backward ms | GFLOP/s |%n|---|---|---|---|%n");
        double totalMs = 0, totalFlops = 0;
        for (T5StepBench.MatrixProduct p : T5StepBench.matrixProducts(c, b, le, ld)) {
            boolean linear = p.batch() == 1;
            // forward x W^T; backward dX = dY W and dW = dY^T X (a linear), or dA = dC B^T and dB = A^T dC (batched)
            double ms = p.count()
                    * (time(p.m(), p.k(), p.n(), false, linear, p.batch())
                            + time(p.m(), p.n(), p.k(), false, !linear, p.batch())
                            + time(linear ? p.n() : p.k(), p.m(), linear ? p.k() : p.n(), true, false, p.batch()));
            totalMs += ms;
            totalFlops += 3 * p.flops();
            System.out.printf(
                    "| %s | %d x %d x %d%s x %d | %.1f | %.0f |%n",
                    p.name(),
                    p.m(),
                    p.k(),
                    p.n(),
                    linear ? "" : " (x " + p.batch() + ")",
                    p.count(),
                    ms,
                    3 * p.flops() / ms / 1e6);
        }
        System.out.printf(
                "| **all** | %.2f GFLOP | **%.1f** | %.0f (%.0f %% of the sgemm peak, %.1f GFLOP/s) |%n",
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
