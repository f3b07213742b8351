package dev.uem.cli;

import dev.uem.bench.kernels.KernelBench;
import dev.uem.bench.kernels.KernelCheck;
import dev.uem.io.Log;
import dev.uem.kernels.NativeKernels;
import dev.uem.torch.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code uem kernels}: checks and times the fused native prompt-assembly kernels against libtorch ops. */
@Command(
        name = "kernels",
        header = "Check or time the native prompt-assembly kernels against libtorch ops.",
        mixinStandardHelpOptions = true,
        description = {
            "Check or time the native prompt-assembly kernels (native/) against the " + "libtorch-op composition.",
            "--check: forward and backward on fresh random shapes (k = 0, p = 0, n = 1, B = 1, an all-padding",
            "history row, large e, odd sizes, the default shape); prints the largest relative error per output",
            "and exits 1 when any exceeds --tolerance.",
            "--bench: median times of both paths, forward and forward+backward, the speed-up ratio, and the",
            "projection's matrix products alone (the floor both paths share)."
        })
final class KernelsCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @Option(names = "--check", required = true, description = "Compare native with libtorch ops.")
        boolean check;

        @Option(names = "--bench", required = true, description = "Time native against libtorch ops.")
        boolean bench;
    }

    @Option(names = "--seed", description = "Seed of the random shapes and values (default: fresh each run).")
    Long seed;

    @Option(
            names = "--tolerance",
            defaultValue = "1e-5",
            description = "Largest relative error accepted by --check (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(
            names = "--shape",
            defaultValue = "both",
            description = "--bench shapes: default, paper or both (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(
            names = "--reps",
            defaultValue = "30",
            description = "--bench repetitions per path (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(
            names = "--no-blas",
            description = "Run the CPU kernels' matrix products with their own loops instead of OpenBLAS.")
    boolean noBlas;

    @Override
    public Integer call() {
        TorchRuntime.init();
        if (!NativeKernels.available()) {
            Log.logger().error("uem kernels: {}", NativeKernels.unavailableReason());
            return 2;
        }
        NativeKernels.useBlas(!noBlas);
        return mode.check ? check() : bench();
    }

    private int check() {
        long s = seed != null ? seed : System.nanoTime();
        System.out.printf(
                "# uem kernels --check  (seed %d, CPU float32, matrix products: %s)%n",
                s, NativeKernels.blasInUse() ? "OpenBLAS" : "loops");
        System.out.println("| shape | B | k | p | n | d | e | embeds | mask | d_prompts | d_user | "
                + "d_weight | d_bias | d_table | |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        double worst = 0;
        for (KernelCheck.Shape sh : KernelCheck.shapes(s)) {
            KernelCheck.Result r = KernelCheck.run(sh, s);
            StringBuilder row = new StringBuilder(String.format(
                    "| %s | %d | %d | %d | %d | %d | %d |", sh.name(), sh.B(), sh.k(), sh.p(), sh.n(), sh.d(), sh.e()));
            for (Map.Entry<String, Double> e : r.errors().entrySet())
                row.append(String.format(" %.1e |", e.getValue()));
            row.append(r.worst() <= tolerance ? " ok |" : " FAIL |");
            System.out.println(row);
            worst = Math.max(worst, r.worst());
        }
        System.out.printf(
                "worst relative error %.2e (tolerance %.0e): %s%n",
                worst, tolerance, worst <= tolerance ? "PASS" : "FAIL");
        return worst <= tolerance ? 0 : 1;
    }

    private int bench() {
        List<KernelCheck.Shape> shapes = switch (shape) {
            case "default" -> List.of(KernelBench.DEFAULT);
            case "paper" -> List.of(KernelBench.PAPER);
            case "both" -> List.of(KernelBench.DEFAULT, KernelBench.PAPER);
            default ->
                throw new IllegalArgumentException("--shape: expected default, paper or both, found '" + shape + "'");
        };
        List<KernelBench.Result> results = new ArrayList<>();
        try (ProgressBar pb =
                Log.progress("kernels", (long) reps * shapes.size()).build()) {
            for (KernelCheck.Shape sh : shapes) results.add(KernelBench.run(sh, reps, pb::step));
        }
        System.out.printf(
                "# uem kernels --bench  (%s, %d reps, medians, CPU float32, matrix products: %s)%n",
                TorchRuntime.describe(), reps, NativeKernels.blasInUse() ? "OpenBLAS" : "loops");
        System.out.println("| shape | B,k,p,n,d,e | pass | native ms | libtorch ops ms | speed-up | "
                + "matmuls alone ms | native / matmuls |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (KernelBench.Result r : results) {
            KernelCheck.Shape s = r.shape();
            String dims = s.B() + "," + s.k() + "," + s.p() + "," + s.n() + "," + s.d() + "," + s.e();
            System.out.printf(
                    "| %s | %s | forward | %.3f | %.3f | %.2fx | %.3f | %.2f |%n",
                    s.name(),
                    dims,
                    r.forwardNativeMs(),
                    r.forwardTorchMs(),
                    r.forwardRatio(),
                    r.forwardMatmulMs(),
                    r.forwardNativeMs() / r.forwardMatmulMs());
            System.out.printf(
                    "| %s | %s | forward+backward | %.3f | %.3f | %.2fx | %.3f | %.2f |%n",
                    s.name(),
                    dims,
                    r.fullNativeMs(),
                    r.fullTorchMs(),
                    r.fullRatio(),
                    r.fullMatmulMs(),
                    r.fullNativeMs() / r.fullMatmulMs());
        }
        return 0;
    }
}
