package dev.uem.train;

import dev.uem.model.io.SafetensorsWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;

/**
 * Validation and the best parameters, on every rank (validation is a collective): the validation loss every
 * {@code evalEvery} joint steps and at the last step, never in a stage that leaves the LM alone; a loss below the
 * best so far makes these parameters the best, and the writer (rank 0) saves them in {@code best.safetensors}.
 */
final class BestParameters {
    /**
     * A validation pass: the mean loss, or NaN with {@code abandoned} when a stop was requested during it (on any
     * rank: all agree).
     */
    record Validation(double loss, boolean abandoned) {}

    private final TrainSettings s;
    private final Supplier<Validation> validation;
    private final Map<String, Tensor> params;
    private final Path file;
    private final boolean writer;
    private double loss;
    private int step;
    private int validatedStep = -1;
    private double validated = Double.NaN;

    /**
     * Validates with {@code validationLoss} and keeps {@code params} in {@code outDir/best.safetensors} when
     * {@code writer}; the best so far is {@code start}'s (a checkpoint's, or none on a fresh start).
     */
    BestParameters(
            TrainSettings s,
            Supplier<Validation> validation,
            Map<String, Tensor> params,
            Path outDir,
            boolean writer,
            Checkpoints.State start) {
        this.s = s;
        this.validation = validation;
        this.params = params;
        this.file = outDir.resolve("best.safetensors");
        this.writer = writer;
        this.loss = start.bestValidationLoss();
        this.step = start.bestStep();
    }

    /**
     * Validates step {@code r} when it is due and keeps its parameters when they are the best so far; returns the step,
     * marked as the last when the pass was abandoned for a stop (its parameters are then neither scored nor kept).
     */
    StepResult validate(StepResult r) {
        if (!due(r)) return r;
        Validation v = validation.get();
        if (v.abandoned()) return r.stopped();
        validated = v.loss();
        validatedStep = r.step();
        if (validated < loss) {
            loss = validated;
            step = r.step();
            if (writer) SafetensorsWriter.write(file, params);
        }
        return r;
    }

    /** Whether step {@code r} is validated: every {@code evalEvery} joint steps, and the last step. */
    private boolean due(StepResult r) {
        return r.stage().trainsLm() && ((r.step() - s.uemWarmup()) % s.evalEvery() == 0 || r.step() == s.totalSteps());
    }

    /** Whether step {@code step} was validated (then {@link #validated} is its loss). */
    boolean validatedAt(int step) {
        return validatedStep == step;
    }

    /** The newest validation loss. */
    double validated() {
        return validated;
    }

    /** The best validation loss so far (infinite before the first validation). */
    double loss() {
        return loss;
    }

    /** The step of the best validation loss so far (0 before the first validation). */
    int step() {
        return step;
    }

    /** Where the writer keeps the best parameters. */
    Path file() {
        return file;
    }
}
