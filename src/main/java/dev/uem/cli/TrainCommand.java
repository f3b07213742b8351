package dev.uem.cli;

import dev.uem.experiment.Arm;
import dev.uem.experiment.ArmResult;
import dev.uem.experiment.Experiment;
import dev.uem.experiment.Results;
import dev.uem.experiment.RunConfig;
import dev.uem.experiment.RunResults;
import dev.uem.experiment.Schedule;
import dev.uem.experiment.TrainingFigures;
import dev.uem.io.JsonConfig;
import dev.uem.io.StopSignal;
import dev.uem.model.t5.T5Config;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.DataParallel;
import dev.uem.train.WorkerEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code uem train}: one arm end to end on one dataset, with the counting baselines beside it. */
@Command(
        name = "train",
        header = "Train a UEM arm end to end and score it on the test users.",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Train the UEM with soft prompts and a T5 jointly on the training users (or, with --arm text, "
                + "the same T5 reading the history as text), keep the best validation checkpoint, and evaluate on the "
                + "test users (greedy "
                + "decoding, verbalizer, weighted P/R/F1) next to the counting baselines.%n%n"
                + "With no arguments: the bundled ml-latest-small, MiniLM item embeddings, t5-compact from scratch, "
                + "UEM with history 50, the UEM warm-up stage, then the joint steps (defaults below). "
                + "Writes under runs/<timestamp>/ (or --out): config.json, metrics.jsonl, checkpoints/, "
                + "best.safetensors, predictions.jsonl, per_label.csv, results.json. An interrupted run continues "
                + "exactly with --resume DIR.%n")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    DeviceOption device;

    @Mixin
    ExperimentOptions options;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--arm",
            defaultValue = "uem",
            paramLabel = "uem|text",
            description = "What the LM reads: soft tokens from the UEM, or the history as text "
                    + "(default: ${DEFAULT-VALUE}).")
    String armKind;

    @Option(names = "--history", defaultValue = "50", description = "History length p (default: ${DEFAULT-VALUE}).")
    int history;

    @Mixin
    RunFolderOptions folder;

    @Option(
            names = "--nproc",
            defaultValue = "1",
            paramLabel = "N",
            description = "Train data-parallel on N local worker processes; several hosts: docs/distributed.md "
                    + "(default: ${DEFAULT-VALUE}).")
    int nproc;

    /** What to train and where: a new run from the options, or the run being resumed. */
    private record Plan(RunConfig cfg, Arm arm, Path dir) {}

    @Override
    public Integer call() throws IOException, InterruptedException {
        WorkerEnv worker = WorkerEnv.from(System.getenv()); // a bad worker environment is one line before any work
        if (nproc < 1 || nproc > 256) throw new IllegalArgumentException("--nproc: expected 1 to 256, found " + nproc);
        if (nproc > 1 && worker.distributed())
            throw new IllegalArgumentException("--nproc starts the workers itself; this process already is rank "
                    + worker.rank() + " of " + worker.worldSize() + " (WORLD_SIZE is set): drop --nproc");
        TorchRuntime.init();
        ComputeDevice onDevice = device.resolve(); // before any folder is made: a missing CUDA device writes nothing
        // data-parallel on CUDA: one GPU per worker, cuda:LOCAL_RANK, as torchrun's workers do
        if (worker.distributed() && onDevice.isCuda()) onDevice = ComputeDevice.resolve("cuda:" + worker.localRank());
        Plan plan = plan();
        Path dir = plan.dir();
        if (nproc > 1) return LocalWorkers.run(nproc, workerArgs(dir), System.out, System.err);
        long t0 = System.nanoTime();
        if (worker.leader()) System.out.println("run folder " + dir);
        try (DataParallel group = DataParallel.join(worker, Duration.ofMinutes(10), onDevice);
                Experiment ex = Experiment.open(plan.cfg()).on(onDevice).parallel(group)) {
            List<ArmResult> arms;
            try {
                arms = new ArrayList<>(ex.run(plan.arm(), dir, folder.resuming(), true));
            } catch (StopSignal.StopRequested e) {
                throw new StopSignal.StopRequested(
                        e.getMessage() + "; continue with: uem train --resume " + dir, e.exitCode);
            }
            if (!group.leader()) {
                System.out.printf(
                        "rank %d of %d: training and its share of the evaluation done; rank 0 writes the "
                                + "results in %s%n",
                        group.rank(), group.worldSize(), dir);
                return 0;
            }
            TrainingFigures t = arms.get(0).training();
            arms.addAll(ex.baselines(plan.arm().history()));
            RunResults.onTestUsers(plan.cfg().data().dataset(), arms).write(dir.resolve("results.json"));
            System.out.printf("%n%s", Results.table(arms));
            System.out.printf(
                    "%nbest validation loss %.4f at step %d; %.1f train examples/s, %.1f eval examples/s, "
                            + "peak RSS %.0f MiB;%nrun folder %s (%.0f s)%n",
                    t.bestValidationLoss(),
                    t.bestStep(),
                    t.trainExamplesPerS(),
                    t.evalExamplesPerS(),
                    t.peakRssMib(),
                    dir,
                    (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }

    /** The run to train: the resumed folder's own, or a new one from the options (validated before any work). */
    private Plan plan() {
        if (folder.resuming()) {
            JsonConfig saved =
                    ResumeFolder.open(folder.resume, spec.commandLine().getParseResult());
            return new Plan(ResumeFolder.experiment(saved), saved.get("arm", Arm.class), folder.resume);
        }
        RunConfig cfg = configured(); // validates every option before any work
        if (options.preset != null) System.out.println(presetLine(cfg));
        Arm arm = switch (armKind) {
            case "uem" -> Arm.uem(history);
            case "text" -> Arm.text(history);
            default -> throw new IllegalArgumentException("--arm: expected uem or text, found '" + armKind + "'");
        };
        Path dir = folder.outOr("");
        if (Files.isDirectory(dir.resolve("checkpoints")))
            throw new IllegalArgumentException(
                    dir + " already holds a run; continue it with --resume " + dir + " or choose another --out");
        return new Plan(cfg, arm, dir);
    }

    /** The run the options describe, a preset's global batch and warm-up share kept. */
    RunConfig configured() {
        return withPresetWarmup(withPresetBatch(options.config()));
    }

    /**
     * Under a preset, {@code --steps} given without {@code --uem-warmup} keeps the preset's share of UEM warm-up steps
     * (the paper preset: 2,000 before 10,000), so that a short try is short: 2 steps run no warm-up stage.
     */
    private RunConfig withPresetWarmup(RunConfig cfg) {
        var parsed = spec.commandLine().getParseResult();
        if (options.preset == null || parsed.hasMatchedOption("--uem-warmup") || !parsed.hasMatchedOption("--steps"))
            return cfg;
        Schedule preset = RunConfig.preset(options.preset).train().schedule(),
                s = cfg.train().schedule();
        int warmup = (int) ((long) s.steps() * preset.uemWarmup() / preset.steps());
        return cfg.withTrain(cfg.train()
                .withSchedule(new Schedule(s.steps(), warmup, s.lrWarmup(), s.evalEvery(), s.checkpointEvery())));
    }

    /**
     * Under a preset, a micro-batch given without {@code --accumulation} keeps the preset's global batch of
     * {@value RunConfig#PAPER_BATCH}: 32 runs as 32 × 4.
     */
    private RunConfig withPresetBatch(RunConfig cfg) {
        var parsed = spec.commandLine().getParseResult();
        if (options.preset == null
                || parsed.hasMatchedOption("--accumulation")
                || !parsed.hasMatchedOption("--batch-size")) return cfg;
        int micro = cfg.train().batchSize();
        if (RunConfig.PAPER_BATCH % micro != 0)
            throw new IllegalArgumentException("--batch-size: --preset " + options.preset + " needs a divisor of "
                    + RunConfig.PAPER_BATCH + " (or --accumulation as well), found " + micro);
        return cfg.withTrain(cfg.train().withAccumulation(RunConfig.PAPER_BATCH / micro));
    }

    /** What the preset set, as the run will use it. */
    private static String presetLine(RunConfig c) {
        var t = c.train();
        var s = t.schedule();
        return "preset: --lm " + c.model().lm() + " --uem " + c.model().uem() + " --steps " + s.steps()
                + " --uem-warmup " + s.uemWarmup() + " --lr-warmup " + Math.min(s.lrWarmup(), s.steps())
                + " --batch-size "
                + t.batchSize() + " --accumulation " + t.accumulation() + " (global batch "
                + t.batchSize() * t.accumulation() + ") --lr-user " + t.lrUser() + " --lr-lm " + t.lrLm()
                + " --eval-every " + s.evalEvery() + " --val-users " + c.eval().valUsers()
                + (T5Config.named(c.model().lm()) != null
                        ? "\n        " + c.model().lm() + " is randomly initialised: the paper fine-tunes the "
                                + "pretrained model (--lm DIR, weights/download.sh)"
                        : "");
    }

    /**
     * The command line for the workers (as given, "train" included): without {@code --nproc}, with the run folder
     * chosen here.
     */
    private List<String> workerArgs(Path dir) {
        List<String> args = new ArrayList<>();
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        for (int i = 0; i < original.size(); i++) {
            String a = original.get(i);
            if (a.equals("--nproc")) i++;
            else if (!a.startsWith("--nproc=")) args.add(a);
        }
        // one folder for all ranks
        if (!folder.resuming() && folder.out == null) args.addAll(List.of("--out", dir.toString()));
        return args;
    }
}
