package dev.uem.experiment;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.uem.train.Trainer;
import java.util.Map;

/**
 * How a trained arm's training and evaluation went ({@code arm.json}'s {@code training}). Every figure may be absent:
 * an evaluation of an arm whose {@code arm.json} has no training figures carries only its own three.
 *
 * @param steps                optimiser steps taken
 * @param lastLoss             the training loss of the last step
 * @param bestValidationLoss   the lowest validation loss seen
 * @param bestStep             the step it was seen at (the parameters kept)
 * @param trainExamplesPerS    training speed
 * @param evalExamplesPerS     decoding speed on the test windows
 * @param peakRssMib           the process's peak resident memory, MiB
 * @param seconds              wall-clock seconds of the whole arm
 * @param phaseSeconds         wall-clock seconds of each phase (windows, model, training, head readout, each decoding
 *                             pass), in the order they ran
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainingFigures(
        Integer steps,
        Double lastLoss,
        Double bestValidationLoss,
        Integer bestStep,
        Double trainExamplesPerS,
        Double evalExamplesPerS,
        Double peakRssMib,
        Double seconds,
        Map<String, Double> phaseSeconds) {
    /** No figures: an arm evaluated without a record of its training. */
    public static final TrainingFigures NONE =
            new TrainingFigures(null, null, null, null, null, null, null, null, null);

    /** The training half, from the trainer's outcome. */
    public static TrainingFigures of(Trainer.Outcome o) {
        return new TrainingFigures(
                o.steps(),
                o.lastLoss(),
                o.bestValidationLoss(),
                o.bestStep(),
                o.examplesPerSecond(),
                null,
                null,
                null,
                null);
    }

    /** The same with the evaluation's speed, the peak memory, the arm's seconds and those of its phases. */
    public TrainingFigures withEvaluation(
            double evalPerS, double peakRss, double totalSeconds, Map<String, Double> phases) {
        return new TrainingFigures(
                steps,
                lastLoss,
                bestValidationLoss,
                bestStep,
                trainExamplesPerS,
                evalPerS,
                peakRss,
                totalSeconds,
                phases);
    }
}
