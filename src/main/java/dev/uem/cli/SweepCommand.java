package dev.uem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.experiment.Arm;
import dev.uem.experiment.Experiment;
import dev.uem.experiment.ResultLine;
import dev.uem.experiment.Results;
import dev.uem.experiment.RunConfig;
import dev.uem.experiment.Sweep;
import dev.uem.io.AtomicFiles;
import dev.uem.io.JsonConfig;
import dev.uem.io.StopSignal;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.TorchRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code uem sweep}: the paper's comparison in one command, resumable arm by arm. */
@Command(
        name = "sweep",
        header = "Compare history lengths and the text arm, each a full run, with mean and std over seeds.",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "The paper's comparison: the counting baselines, the text-history arm(s) and the UEM arm at "
                + "several history lengths, all with the same LM and the same number of steps, evaluated on the same "
                + "test users.%n%n"
                + "Each trained arm gets its own folder (a full train run); an arm with arm.json is done and is not "
                + "rerun, an unfinished one continues from its newest checkpoint. Writes results.json, results.csv, "
                + "results.md and f1_vs_history.png (F1 against history length) under --out.%n")
final class SweepCommand implements Callable<Integer> {
    @Mixin
    DeviceOption device;

    @Mixin
    ExperimentOptions options;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--histories",
            defaultValue = "5,20,30,50,100",
            split = ",",
            description = "UEM history lengths (default: ${DEFAULT-VALUE}).")
    List<Integer> histories;

    @Option(
            names = "--text-histories",
            defaultValue = "5",
            split = ",",
            description = "Text-history lengths (default: ${DEFAULT-VALUE}); 0 skips the text arm.")
    List<Integer> textHistories;

    @Option(
            names = "--seeds",
            defaultValue = "1",
            paramLabel = "N",
            description = "Runs every arm with seeds --seed to --seed+N-1 and reports mean ± std "
                    + "(default: ${DEFAULT-VALUE}).")
    int seeds;

    @Mixin
    RunFolderOptions folder;

    @Override
    public Integer call() throws IOException {
        TorchRuntime.init();
        ComputeDevice onDevice = device.resolve(); // before any folder is made: a missing CUDA device writes nothing
        ObjectMapper json = new ObjectMapper();
        RunConfig cfg;
        List<Arm> arms = new ArrayList<>();
        Path dir;
        if (folder.resuming()) {
            JsonConfig saved =
                    ResumeFolder.open(folder.resume, spec.commandLine().getParseResult());
            cfg = ResumeFolder.experiment(saved);
            arms.addAll(List.of(saved.get("arms", Arm[].class)));
            seeds = saved.path("seeds").asInt(1);
            dir = folder.resume;
        } else {
            cfg = options.config();
            if (seeds < 1 || seeds > 100)
                throw new IllegalArgumentException("--seeds: expected 1 to 100, found " + seeds);
            for (int p : textHistories) if (p > 0) arms.add(Arm.text(p));
            for (int p : histories) arms.add(Arm.uem(p));
            dir = folder.outOr("sweep-");
            if (Files.isRegularFile(dir.resolve("config.json")))
                throw new IllegalArgumentException(
                        dir + " already holds a sweep; finish it with --resume " + dir + " or choose another --out");
            ObjectNode c = json.createObjectNode();
            c.set("experiment", json.valueToTree(cfg));
            c.set("arms", json.valueToTree(arms));
            c.put("seeds", seeds);
            Files.createDirectories(dir);
            AtomicFiles.writeString(
                    dir.resolve("config.json"),
                    json.writerWithDefaultPrettyPrinter().writeValueAsString(c));
        }
        RunConfig base = cfg;
        System.out.println("sweep folder " + dir);
        List<ResultLine> lines;
        try {
            lines = Sweep.run(
                    seed -> Experiment.open(base.withSeed(seed)).on(onDevice),
                    cfg.seed(),
                    seeds,
                    arms,
                    dir,
                    true,
                    System.out);
        } catch (StopSignal.StopRequested e) {
            throw new StopSignal.StopRequested(
                    e.getMessage() + "; continue with: uem sweep --resume " + dir, e.exitCode);
        }
        System.out.printf(
                "%n%s%nwrote %s (results.json, results.csv, results.md, f1_vs_history.png)%n",
                Results.table(lines), dir);
        return 0;
    }
}
