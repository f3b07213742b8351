package dev.uem.cli;

import dev.uem.bench.T5StepBench;
import dev.uem.model.t5.T5Config;
import dev.uem.torch.TorchRuntime;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code uem bench}: performance measurements that belong in bench/RESULTS.md, not in unit tests. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks. Results print as a table; record them in bench/RESULTS.md.",
        subcommands = {BenchCommand.T5Step.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "t5-step", mixinStandardHelpOptions = true,
            description = {"Time T5 training steps (forward + backward + clip + AdamW) on random tokens,",
                    "against libtorch's sgemm peak measured in the same run, and sample RSS every 10 steps.",
                    "Thread settings come from the environment (UEM_TORCH_THREADS, OMP_WAIT_POLICY,",
                    "OPENBLAS_NUM_THREADS): run once per setting to compare them."})
    static final class T5Step implements Callable<Integer> {
        @Option(names = "--config", defaultValue = "t5-mini", description = "Built-in name or config.json (default: ${DEFAULT-VALUE}).")
        String config;
        @Option(names = "--batch", defaultValue = "16") int batch;
        @Option(names = "--enc-len", defaultValue = "128") int encLen;
        @Option(names = "--dec-len", defaultValue = "16") int decLen;
        @Option(names = "--steps", defaultValue = "200", description = "Timed steps (default: ${DEFAULT-VALUE}).") int steps;
        @Option(names = "--warmup", defaultValue = "3") int warmup;
        @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|bf16",
                description = "Forward-pass arithmetic: fp32, or bf16 autocast (matrix products in bfloat16, float32 weights) (default: ${DEFAULT-VALUE}).")
        dev.uem.torch.Precision precision;
        @Option(names = "--reference-ms", defaultValue = "645",
                description = "Baseline ms/step to report a ratio against (default: HF modeling_t5 on PyTorch 1.13, 1 thread, ${DEFAULT-VALUE} ms).")
        double referenceMs;

        @Override
        public Integer call() {
            TorchRuntime.init();
            T5Config c = T5Config.named(config);
            if (c == null) c = T5Config.load(Path.of(config));
            var settings = new T5StepBench.Settings(c, batch, encLen, decLen, steps, warmup, precision);
            T5StepBench.Result r;
            try (ProgressBar pb = new ProgressBarBuilder().setTaskName("t5-step").setInitialMax(steps + warmup)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).build()) {
                r = T5StepBench.run(settings, pb::stepTo);
            }
            double med = r.medianMs();
            System.out.println("# uem bench t5-step  (" + TorchRuntime.describe() + ")");
            System.out.printf("shape: batch %d, encoder %d, decoder %d, dropout %.2f, precision %s, %d timed steps after %d warm-up%n",
                    batch, encLen, decLen, c.dropoutRate(), precision.name().toLowerCase(), steps, warmup);
            System.out.printf("| metric | value |%n|---|---|%n");
            System.out.printf("| median ms/step | %.1f (p10 %.1f, p90 %.1f) |%n", med, T5StepBench.percentile(r.stepMs(), 0.1), T5StepBench.percentile(r.stepMs(), 0.9));
            System.out.printf("| forward / backward / clip+AdamW (median ms) | %.1f / %.1f / %.1f |%n",
                    T5StepBench.median(r.forwardMs()), T5StepBench.median(r.backwardMs()), T5StepBench.median(r.optimizerMs()));
            System.out.printf("| GEMM FLOPs per step | %.2f G |%n", r.flopsPerStep() / 1e9);
            System.out.printf("| achieved | %.1f GFLOP/s |%n", r.gflops());
            System.out.printf("| libtorch sgemm peak (1024^3, same run) | %.1f GFLOP/s |%n", r.sgemmPeakGflops());
            System.out.printf("| fraction of peak | %.1f %% |%n", 100 * r.gflops() / r.sgemmPeakGflops());
            System.out.printf("| time vs reference %.0f ms | %.2fx |%n", referenceMs, med / referenceMs);
            long[] rss = r.rssSamples();
            long first = rss[Math.min(1, rss.length - 1)], last = rss[rss.length - 1], max = 0;
            for (long v : rss) max = Math.max(max, v);
            System.out.printf("| RSS step %d -> step %d (max) | %.0f -> %.0f MiB (%.0f) |%n", r.rssSteps()[Math.min(1, rss.length - 1)],
                    r.rssSteps()[rss.length - 1], first / 1048576.0, last / 1048576.0, max / 1048576.0);
            return 0;
        }
    }
}
