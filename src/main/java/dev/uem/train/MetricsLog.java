package dev.uem.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code metrics.jsonl}, written by rank 0: one JSON line per step with the step, its stage, its loss, both learning
 * rates, the throughput, the all-reduce time (with several ranks) and the validation loss (on validated steps).
 * Each line is flushed as it is written, so a killed run keeps the lines of its finished steps.
 */
final class MetricsLog implements TrainingListener {
    private final Path file;
    private final TrainSettings s;
    private final boolean hasUser;
    private final int world;
    private final BestParameters validation;
    private final ObjectMapper json = new ObjectMapper();
    private final BufferedWriter out;

    /**
     * Appends to {@code outDir/metrics.jsonl} after its lines up to step {@code fromStep} (the resumed checkpoint's);
     * {@code hasUser} says whether a UEM learning rate applies, {@code world} how many ranks train.
     */
    MetricsLog(Path outDir, int fromStep, TrainSettings s, boolean hasUser, int world, BestParameters validation) {
        this.file = outDir.resolve("metrics.jsonl");
        this.s = s;
        this.hasUser = hasUser;
        this.world = world;
        this.validation = validation;
        keepUpTo(file, fromStep);
        try {
            this.out = Files.newBufferedWriter(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void onStep(StepResult r) {
        double f = r.lrFactor();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", r.step());
        row.put("stage", r.stage().label());
        row.put(r.stage().lossKey(), r.loss());
        row.put("lr_user", hasUser ? s.lrUser() * f : 0);
        row.put("lr_lm", s.freezeLm() || !r.stage().trainsLm() ? 0 : s.lrLm() * f);
        row.put("examples_per_s", r.examplesPerSecond());
        if (world > 1) row.put("allreduce_s", r.allReduceSeconds());
        if (validation.validatedAt(r.step())) row.put("validation_loss", validation.validated());
        try {
            out.write(json.writeValueAsString(row));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private UncheckedIOException failed(IOException e) {
        return new UncheckedIOException(file + ": " + e.getMessage(), e);
    }

    /** On a fresh start the log is emptied; on resume, rows after the checkpoint (work that was lost) are dropped. */
    private static void keepUpTo(Path metrics, int step) {
        if (step == 0 || !Files.isRegularFile(metrics)) {
            AtomicFiles.writeString(metrics, "");
            return;
        }
        try {
            StringBuilder kept = new StringBuilder();
            ObjectMapper json = new ObjectMapper();
            for (String line : Files.readAllLines(metrics)) {
                if (line.isBlank()) continue;
                try {
                    int rowStep = json.readTree(line).path("step").asInt(Integer.MAX_VALUE);
                    if (rowStep <= step) kept.append(line).append('\n');
                } catch (IOException torn) {
                    // a line cut by the kill: it belongs to lost work
                }
            }
            AtomicFiles.writeString(metrics, kept.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(metrics + ": " + e.getMessage(), e);
        }
    }
}
