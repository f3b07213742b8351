package dev.uem.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.io.AtomicFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The paper's comparison over several arms in one folder: each trained arm is a full run in {@code dir/<arm>/};
 * an arm whose {@code arm.json} exists is done and is read back, an unfinished one continues from its newest
 * checkpoint. Then the counting baselines, and {@code results.json}, {@code results.csv}, {@code results.md},
 * {@code f1_vs_history.png}.
 */
public final class Sweep {
    private Sweep() {}

    /** Runs (or finishes) the sweep and returns every line of its results, trained arms first. */
    public static List<ObjectNode> run(Experiment ex, List<Arm> arms, Path dir, boolean progress, PrintStream log) throws IOException {
        List<ObjectNode> lines = new ArrayList<>();
        int i = 0;
        for (Arm arm : arms) {
            i++;
            Path armDir = dir.resolve(arm.name());
            ObjectNode done = Experiment.finished(armDir);
            if (done != null) {
                log.printf("[%d/%d] %s: done before (F1 %.3f)%n", i, arms.size(), arm.name(), done.get("f1").asDouble());
                lines.add(done);
                continue;
            }
            log.printf("[%d/%d] %s: %s%n", i, arms.size(), arm.name(), Files.isDirectory(armDir.resolve("checkpoints")) ? "resuming" : "training");
            lines.add(ex.run(arm, armDir, true, progress));
        }
        ExperimentConfig cfg = ex.config;
        int reference = arms.stream().filter(a -> a.kind() == Arm.Kind.UEM).mapToInt(Arm::history).filter(p -> p == 50).findFirst()
                .orElse(arms.stream().mapToInt(Arm::history).max().orElse(50));
        lines.add(ex.counting(Arm.countingHistory(), reference));
        for (int p : arms.stream().mapToInt(Arm::history).distinct().sorted().toArray()) lines.add(ex.counting(Arm.countingWindow(p), p));
        Results.writeJson(dir.resolve("results.json"), Results.resultsJson(cfg.dataset(), lines));
        AtomicFiles.writeString(dir.resolve("results.csv"), Results.csv(lines));
        AtomicFiles.writeString(dir.resolve("results.md"), Results.markdown(lines)
                + String.format("%nSame LM (%s), %d steps per trained arm, seed %d; counting-history on the test windows of history %d.%n",
                cfg.lm(), cfg.steps(), cfg.seed(), reference));
        SweepPlot.write(dir.resolve("f1_vs_history.png"), lines, "User preference F1 against history length (" + cfg.lm() + ")");
        return lines;
    }
}
