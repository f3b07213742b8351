package dev.uem.experiment;

import dev.uem.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The paper's comparison over several arms and seeds in one folder: each trained arm is a full run in
 * {@code dir/<arm>/} (one seed) or {@code dir/seed-<s>/<arm>/}; an arm whose {@code arm.json} exists is done and is
 * read back, an unfinished one continues from its newest checkpoint. Then the untrained arms (counting baselines,
 * prior, window oracle) per seed, the mean ± standard deviation over seeds, and {@code results.json},
 * {@code results.csv}, {@code results.md}, {@code f1_vs_history.png}.
 *
 * <p>A seed is a whole replicate: user split, windows, initialisation, data order and dropout all follow it.
 */
public final class Sweep {
    private Sweep() {}

    /**
     * Runs (or finishes) the sweep and returns every line of its results (over seeds: means with {@code f1_std}),
     * trained arms first.
     *
     * @param experiments opens the experiment of a seed (the caller's config with that seed)
     */
    public static List<ResultLine> run(
            LongFunction<Experiment> experiments,
            long firstSeed,
            int seeds,
            List<Arm> arms,
            Path dir,
            boolean progress,
            PrintStream log)
            throws IOException {
        if (seeds < 1) throw new IllegalArgumentException("seeds must be >= 1, found " + seeds);
        List<List<ArmResult>> perSeed = new ArrayList<>();
        RunConfig cfg = null;
        for (int k = 0; k < seeds; k++) {
            long seed = firstSeed + k;
            Path seedDir = seeds == 1 ? dir : dir.resolve("seed-" + seed);
            try (Experiment ex = experiments.apply(seed)) {
                cfg = ex.config;
                perSeed.add(oneSeed(ex, arms, seedDir, progress, log, seeds == 1 ? "" : "seed " + seed + " "));
            }
        }
        List<ResultLine> lines = seeds == 1 ? List.copyOf(perSeed.get(0)) : List.copyOf(aggregate(perSeed));
        writeFiles(dir, cfg, lines, firstSeed, seeds, referenceHistory(arms));
        return lines;
    }

    /** {@code results.json}, {@code results.csv}, {@code results.md} and {@code f1_vs_history.png}. */
    private static void writeFiles(
            Path dir, RunConfig cfg, List<ResultLine> lines, long firstSeed, int seeds, int reference)
            throws IOException {
        RunResults.onTestUsers(cfg.data().dataset(), lines).write(dir.resolve("results.json"));
        AtomicFiles.writeString(dir.resolve("results.csv"), Results.csv(lines));
        String seedsText =
                seeds == 1 ? "seed " + firstSeed : "mean ± std over seeds " + firstSeed + "…" + (firstSeed + seeds - 1);
        AtomicFiles.writeString(
                dir.resolve("results.md"),
                Results.markdown(lines)
                        + String.format(
                                "%nSame LM (%s), %d steps per trained arm (after %d UEM warm-up steps), %s; "
                                        + "counting-history and prior on the test windows of history %d.%n",
                                cfg.model().lm(),
                                cfg.train().schedule().steps(),
                                cfg.train().schedule().uemWarmup(),
                                seedsText,
                                reference));
        SweepPlot.write(
                dir.resolve("f1_vs_history.png"),
                lines,
                "User preference F1 against history length (" + cfg.model().lm()
                        + (seeds > 1 ? ", mean ± std of " + seeds + " seeds" : "") + ")");
    }

    private static List<ArmResult> oneSeed(
            Experiment ex, List<Arm> arms, Path dir, boolean progress, PrintStream log, String prefix)
            throws IOException {
        List<ArmResult> lines = new ArrayList<>();
        int i = 0;
        for (Arm arm : arms) {
            i++;
            Path armDir = dir.resolve(arm.name());
            List<ArmResult> done = Experiment.finished(armDir);
            if (done != null) {
                log.printf(
                        "%s[%d/%d] %s: done before (F1 %.3f)%n",
                        prefix, i, arms.size(), arm.name(), done.get(0).f1());
                lines.addAll(done);
                continue;
            }
            log.printf(
                    "%s[%d/%d] %s: %s%n",
                    prefix,
                    i,
                    arms.size(),
                    arm.name(),
                    Files.isDirectory(armDir.resolve("checkpoints")) ? "resuming" : "training");
            lines.addAll(ex.run(arm, armDir, true, progress));
        }
        int reference = referenceHistory(arms);
        lines.add(ex.baseline(Arm.countingHistory(), reference));
        lines.add(ex.baseline(Arm.prior(), reference));
        for (int p : arms.stream().mapToInt(Arm::history).distinct().sorted().toArray()) {
            lines.add(ex.baseline(Arm.countingWindow(p), p));
            lines.add(ex.baseline(Arm.windowOracle(p), p));
        }
        return lines;
    }

    /** The history whose test windows the history-independent arms are scored on: 50 when there is a UEM-50 arm. */
    private static int referenceHistory(List<Arm> arms) {
        return arms.stream()
                .filter(a -> a.kind() == Arm.Kind.UEM)
                .mapToInt(Arm::history)
                .filter(p -> p == 50)
                .findFirst()
                .orElse(arms.stream().mapToInt(Arm::history).max().orElse(50));
    }

    /**
     * One line per arm name (in first-seen order) with the mean of precision, recall, F1 and the unparseable share over
     * the seeds, {@code f1_std} (sample standard deviation) and {@code f1_per_seed}.
     */
    static List<SeedMean> aggregate(List<List<ArmResult>> perSeed) {
        Map<String, List<ArmResult>> byName = new LinkedHashMap<>();
        for (List<ArmResult> seed : perSeed)
            for (ArmResult l : seed)
                byName.computeIfAbsent(l.label().name(), n -> new ArrayList<>()).add(l);
        return byName.values().stream().map(SeedMean::of).toList();
    }
}
