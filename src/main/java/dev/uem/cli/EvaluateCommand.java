package dev.uem.cli;

import dev.uem.experiment.Arm;
import dev.uem.experiment.ArmResult;
import dev.uem.experiment.Experiment;
import dev.uem.experiment.Results;
import dev.uem.experiment.RunConfig;
import dev.uem.experiment.RunResults;
import dev.uem.io.ConfigMigration;
import dev.uem.io.JsonConfig;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code uem evaluate}: a finished arm scored again with its best parameters, without training, e.g. with another
 * head-fusion weight.
 */
@Command(
        name = "evaluate",
        header = "Score a finished run again, without training it.",
        mixinStandardHelpOptions = true,
        description = {
            "Score a finished train run (or one arm folder of a sweep) again without training: its "
                    + "best.safetensors decodes the same test and validation windows, optionally with another "
                    + "--head-fusion weight.",
            "The arm's files (arm.json with lm_only, head.json, predictions.jsonl, per_label.csv, results.json) "
                    + "and a config.json go to --out; the run folder is not touched."
        })
final class EvaluateCommand implements Callable<Integer> {
    @Option(
            names = "--run",
            required = true,
            paramLabel = "DIR",
            description = "A finished uem train run folder, or an arm folder inside a sweep.")
    Path run;

    @Option(
            names = "--head-fusion",
            paramLabel = "W",
            description = "Weight of the preference head in the LM's greedy decoding (0 = the LM alone; "
                    + "default: the run's own).")
    Double headFusion;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Where the evaluation's files go (default: RUN/evaluation-<timestamp>).")
    Path out;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() throws Exception {
        Path file = run.resolve("config.json");
        if (!Files.isRegularFile(file))
            throw new IllegalArgumentException(file + ": not found (is " + run + " a uem train run folder?)");
        JsonConfig saved = ConfigMigration.read(file);
        RunConfig cfg = ResumeFolder.experiment(saved);
        if (headFusion != null) cfg = cfg.withEval(cfg.eval().withHeadFusion(headFusion)); // checked now
        Arm arm = saved.get("arm", Arm.class);
        String now = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = out != null ? out : run.resolve("evaluation-" + now);
        if (Files.exists(dir.resolve("arm.json")))
            throw new IllegalArgumentException(dir + " already holds an evaluation; choose another --out");
        TorchRuntime.init();
        ComputeDevice onDevice = device.resolve();
        long t0 = System.nanoTime();
        try (Experiment ex = Experiment.open(cfg).on(onDevice)) {
            List<ArmResult> arms = new ArrayList<>(ex.reevaluate(arm, run, dir));
            arms.addAll(ex.baselines(arm.history()));
            RunResults.onTestUsers(cfg.data().dataset(), arms).write(dir.resolve("results.json"));
            System.out.printf("%s", Results.table(arms));
            System.out.printf(
                    "%nhead fusion %s; evaluation folder %s (%.0f s)%n",
                    Objects.toString(arms.get(0).headFusion(), ""), dir, (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }
}
