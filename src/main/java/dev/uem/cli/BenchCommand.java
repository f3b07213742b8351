package dev.uem.cli;

import dev.uem.bench.ScalingBench;
import dev.uem.bench.T5StepBench;
import dev.uem.data.DatasetReader;
import dev.uem.data.ReadOptions;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.embed.MiniLmEncoder;
import dev.uem.io.AtomicFiles;
import dev.uem.io.Log;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.Precision;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code uem bench}: performance measurements that belong in bench/RESULTS.md, not in unit tests. */
@Command(
        name = "bench",
        header = "Time training steps, decoding and cost curves; results print as tables.",
        mixinStandardHelpOptions = true,
        description = "Benchmarks. Results print as a table; record them in bench/RESULTS.md.",
        subcommands = {
            BenchCommand.T5Step.class,
            BenchCommand.Scaling.class,
            BenchCommand.Decode.class,
            ServeBenchCommand.class,
            InputBenchCommand.class
        })
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "decode",
            mixinStandardHelpOptions = true,
            description = {
                "Greedy decoding speed (KV cache, as the evaluation decodes): --batch "
                        + "random inputs of --enc-len tokens,",
                "--new-tokens generated (fewer if every row emits EOS), median over --steps "
                        + "batches; the same shapes as",
                "bench/reference/t5_step.py --decode N."
            })
    static final class Decode implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        T5ConfigOption config;

        @Option(names = "--batch", defaultValue = "32")
        int batch;

        @Option(names = "--enc-len", defaultValue = "128")
        int encLen;

        @Option(names = "--new-tokens", defaultValue = "16")
        int newTokens;

        @Option(names = "--steps", defaultValue = "10", description = "Timed batches (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--warmup", defaultValue = "2")
        int warmup;

        @Override
        public Integer call() {
            TorchRuntime.init();
            if (batch < 1 || encLen < 1 || newTokens < 1 || newTokens > GenerationOption.MAX || steps < 1)
                throw new IllegalArgumentException("bench decode: batch, enc-len, steps >= 1 and "
                        + "new-tokens in [1, " + GenerationOption.MAX + "] expected");
            T5Config c = config.resolve();
            double[] ms = new double[steps];
            int generated = 0;
            torch.manual_seed(0);
            try (T5Model model = T5Model.create(c, 0);
                    PointerScope outer = new PointerScope()) {
                model.eval();
                var ids = torch.randint(2, c.vocabSize(), new long[] {batch, encLen}, Tensors.LONG);
                var mask = torch.ones(new long[] {batch, encLen}, Tensors.LONG);
                for (int i = 0; i < warmup + steps; i++) {
                    long t0 = System.nanoTime();
                    try (PointerScope scope = new PointerScope();
                            NoGradGuard g = new NoGradGuard()) {
                        var r = new GreedyDecoder(model).generate(model.embed(ids), mask, newTokens, false);
                        generated = r.sequences()[0].length - 1;
                    }
                    if (i >= warmup) ms[i - warmup] = (System.nanoTime() - t0) / 1e6;
                }
            }
            double med = T5StepBench.median(ms);
            System.out.printf(
                    "uem decode examples_per_s %.1f median_ms_per_batch %.1f new_tokens %d (%s)%n",
                    batch / (med / 1e3), med, generated, TorchRuntime.describe());
            return 0;
        }
    }

    @Command(
            name = "scaling",
            mixinStandardHelpOptions = true,
            description = {
                "Cost curves: time per training example and peak RSS of a training step "
                        + "against the history length p",
                "(batch 16) and against the batch size (p = 50), for the UEM arm and the text "
                        + "arm (t5-compact, task vocabulary,",
                "bundled data). Writes scaling.md, scaling_time.png and scaling_memory.png (against p) and",
                "scaling_batch.png under --out."
            })
    static final class Scaling implements Callable<Integer> {
        @Option(
                names = "--histories",
                split = ",",
                defaultValue = "5,20,50,100,200",
                description = "UEM arm's history lengths (default: ${DEFAULT-VALUE}).")
        int[] histories;

        @Option(
                names = "--text-histories",
                split = ",",
                defaultValue = "2,5,10,20",
                description = "Text arm's history lengths, each with a token budget that holds all "
                        + "its items (~110 tokens an item) (default: ${DEFAULT-VALUE}).")
        int[] textHistories;

        @Option(
                names = "--batches",
                split = ",",
                defaultValue = "4,8,16,32",
                description = "Batch sizes (UEM p = 50, text p = 5) (default: ${DEFAULT-VALUE}).")
        int[] batches;

        @Option(
                names = "--steps",
                defaultValue = "5",
                description = "Timed steps per point, after 2 untimed (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(
                names = "--out",
                defaultValue = "runs/bench-scaling",
                paramLabel = "DIR",
                description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out;

        @picocli.CommandLine.Mixin
        CacheOption cache;

        @Override
        public Integer call() throws Exception {
            TorchRuntime.init();
            if (steps < 1 || steps > 1000)
                throw new IllegalArgumentException("--steps: expected 1 to 1000, found " + steps);
            for (int p : histories)
                if (p < 1 || p > 2048)
                    throw new IllegalArgumentException("--histories: expected 1 to 2048, found " + p);
            for (int p : textHistories)
                if (p < 1 || p > 74)
                    throw new IllegalArgumentException("--text-histories: expected 1 to 74 (8192 tokens), found " + p);
            for (int b : batches)
                if (b < 1 || b > 512) throw new IllegalArgumentException("--batches: expected 1 to 512, found " + b);
            var d = DatasetReader.read(Path.of("data", "movielens", "ml-latest-small"), ReadOptions.defaults());
            try (var tok = T5Tokenizer.bundled();
                    var enc = new MiniLmEncoder()) {
                var items = ItemEmbeddings.open(d, enc, cache.cache, true);
                var points = new ScalingBench(d, items, tok)
                        .run(histories, textHistories, batches, steps, System.err::println);
                int np = histories.length + textHistories.length;
                List<ScalingBench.Point> byP = points.subList(0, np), byB = points.subList(np, points.size());
                String table = "# uem bench scaling (" + TorchRuntime.describe() + ")\n\n" + ScalingBench.table(points);
                Files.createDirectories(out);
                AtomicFiles.writeString(out.resolve("scaling.md"), table);
                ScalingBench.plot(
                        out.resolve("scaling_time.png"),
                        "Training cost against history length (batch 16)",
                        "history length p (items)",
                        "ms per training example",
                        byP,
                        true,
                        false);
                ScalingBench.plot(
                        out.resolve("scaling_memory.png"),
                        "Peak memory against history length (batch 16)",
                        "history length p (items)",
                        "peak RSS (MiB)",
                        byP,
                        true,
                        true);
                ScalingBench.plot(
                        out.resolve("scaling_batch.png"),
                        "Training cost against batch size (p = 50)",
                        "batch size",
                        "ms per training example",
                        byB,
                        false,
                        false);
                System.out.println(table);
                System.out.println(
                        "wrote " + out + " (scaling.md, scaling_time.png, scaling_memory.png, " + "scaling_batch.png)");
            }
            return 0;
        }
    }

    @Command(
            name = "t5-step",
            mixinStandardHelpOptions = true,
            description = {
                "Time T5 training steps (forward + backward + clip + AdamW) on random tokens,",
                "against libtorch's sgemm peak measured in the same run, and sample RSS every 10 steps.",
                "Thread settings come from the environment (UEM_TORCH_THREADS, OMP_WAIT_POLICY,",
                "OPENBLAS_NUM_THREADS): run once per setting to compare them."
            })
    static final class T5Step implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        T5ConfigOption config;

        @Option(names = "--batch", defaultValue = "16")
        int batch;

        @Option(names = "--enc-len", defaultValue = "128")
        int encLen;

        @Option(names = "--dec-len", defaultValue = "16")
        int decLen;

        @Option(names = "--steps", defaultValue = "200", description = "Timed steps (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--warmup", defaultValue = "3")
        int warmup;

        @Option(
                names = "--precision",
                defaultValue = "fp32",
                paramLabel = "fp32|bf16",
                description = "Forward-pass arithmetic: fp32, or bf16 autocast (matrix products in "
                        + "bfloat16, float32 weights) (default: ${DEFAULT-VALUE}).")
        Precision precision;

        @Option(
                names = "--optimizer",
                defaultValue = "fused",
                paramLabel = "fused|libtorch",
                description = "AdamW: the trainer's fused native pass, or libtorch's as the "
                        + "baseline (default: ${DEFAULT-VALUE}).")
        T5StepBench.StepOptimizer optimizer;

        @Option(
                names = "--reference-ms",
                defaultValue = "645",
                description = "Baseline ms/step to report a ratio against (default: HF modeling_t5 "
                        + "on PyTorch 1.13, 1 thread, ${DEFAULT-VALUE} ms).")
        double referenceMs;

        @Override
        public Integer call() {
            TorchRuntime.init();
            T5Config c = config.resolve();
            var settings = new T5StepBench.Settings(c, batch, encLen, decLen, steps, warmup, precision, optimizer);
            T5StepBench.Result r;
            try (ProgressBar pb = Log.progress("t5-step", steps + warmup).build()) {
                r = T5StepBench.run(settings, pb::stepTo);
            }
            double med = r.medianMs();
            System.out.println("# uem bench t5-step  (" + TorchRuntime.describe() + ")");
            System.out.printf(
                    "shape: batch %d, encoder %d, decoder %d, dropout %.2f, precision %s, "
                            + "optimizer %s, %d timed steps after %d warm-up%n",
                    batch,
                    encLen,
                    decLen,
                    c.dropoutRate(),
                    precision.name().toLowerCase(),
                    optimizer.name().toLowerCase(),
                    steps,
                    warmup);
            System.out.printf("| metric | value |%n|---|---|%n");
            System.out.printf(
                    "| median ms/step | %.1f (p10 %.1f, p90 %.1f) |%n",
                    med, T5StepBench.percentile(r.stepMs(), 0.1), T5StepBench.percentile(r.stepMs(), 0.9));
            System.out.printf(
                    "| forward / backward / clip+AdamW (median ms) | %.1f / %.1f / %.1f |%n",
                    T5StepBench.median(r.forwardMs()),
                    T5StepBench.median(r.backwardMs()),
                    T5StepBench.median(r.optimizerMs()));
            System.out.printf("| GEMM FLOPs per step | %.2f G |%n", r.flopsPerStep() / 1e9);
            System.out.printf("| achieved | %.1f GFLOP/s |%n", r.gflops());
            System.out.printf("| libtorch sgemm peak (1024^3, same run) | %.1f GFLOP/s |%n", r.sgemmPeakGflops());
            if (precision != Precision.FP32) {
                // bf16 products can outrun the float32 peak: set them against their own (what the CPU can do in
                // bfloat16)
                System.out.printf(
                        "| libtorch %s gemm peak (1024^3, same run) | %.1f GFLOP/s |%n",
                        precision.name().toLowerCase(), r.gemmPeakGflops());
                System.out.printf("| achieved / sgemm peak | %.1f %% |%n", 100 * r.gflops() / r.sgemmPeakGflops());
            }
            System.out.printf("| fraction of peak | %.1f %% |%n", 100 * r.fractionOfPeak());
            System.out.printf("| time vs reference %.0f ms | %.2fx |%n", referenceMs, med / referenceMs);
            long[] rss = r.rssSamples();
            long first = rss[Math.min(1, rss.length - 1)], last = rss[rss.length - 1], max = 0;
            for (long v : rss) max = Math.max(max, v);
            System.out.printf(
                    "| RSS step %d -> step %d (max) | %.0f -> %.0f MiB (%.0f) |%n",
                    r.rssSteps()[Math.min(1, rss.length - 1)],
                    r.rssSteps()[rss.length - 1],
                    first / 1048576.0,
                    last / 1048576.0,
                    max / 1048576.0);
            return 0;
        }
    }
}
