package dev.uem.experiment;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.uem.eval.MultiLabelMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * One arm's results on one seed: a line of {@code results.json}, and the whole of {@code arm.json}, {@code head.json}
 * or {@code lm.json}. The label and the scores are written flat, first; the rest only where the arm has it (a counting
 * baseline has none of it). An older file without a newer field reads with that field null.
 *
 * @param label                     which arm
 * @param scores                    its scores on the test windows
 * @param distinctOutputs           distinct sentences generated on the test windows (generating arms)
 * @param threshold                 the head readout's probability threshold, best on the validation windows
 * @param validationF1              weighted F1 on the validation windows: what settings are chosen on
 * @param validationDistinctOutputs distinct sentences generated on the validation windows
 * @param headFusion                weight of the head fused into decoding (0: the LM alone)
 * @param lmOnly                    the same LM decoding without the head fused in
 * @param training                  how training and evaluation went
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ArmResult(
        @JsonUnwrapped ArmLabel label,
        @JsonUnwrapped Scores scores,
        Long distinctOutputs,
        Double threshold,
        Double validationF1,
        Long validationDistinctOutputs,
        Double headFusion,
        LmOnly lmOnly,
        TrainingFigures training)
        implements ResultLine {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** An arm's label and scores, nothing else (what an untrained arm's line holds). */
    public static ArmResult of(Arm arm, MultiLabelMetrics.Report r) {
        return new ArmResult(ArmLabel.of(arm), Scores.of(r), null, null, null, null, null, null, null);
    }

    /** The same with the generated sentences counted and the validation F1 (a decoding arm). */
    public ArmResult withDecoding(long distinct, double validation, long validationDistinct) {
        return new ArmResult(
                label, scores, distinct, threshold, validation, validationDistinct, headFusion, lmOnly, training);
    }

    /** The same with a head readout's threshold and its validation F1. */
    public ArmResult withThreshold(double best, double validation) {
        return new ArmResult(
                label,
                scores,
                distinctOutputs,
                best,
                validation,
                validationDistinctOutputs,
                headFusion,
                lmOnly,
                training);
    }

    /** The same with a trained arm's fusion weight, its LM alone and its training figures. */
    public ArmResult withTrainedArm(double fusion, LmOnly lm, TrainingFigures figures) {
        return new ArmResult(
                label,
                scores,
                distinctOutputs,
                threshold,
                validationF1,
                validationDistinctOutputs,
                fusion,
                lm,
                figures);
    }

    /** Reads {@code arm.json}, {@code head.json} or {@code lm.json}. */
    public static ArmResult read(Path file) {
        try {
            return JSON.readValue(file.toFile(), ArmResult.class);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": unreadable: " + e.getMessage(), e);
        }
    }

    /** This line as its file holds it: indented JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public double precision() {
        return scores.precision();
    }

    @Override
    public double recall() {
        return scores.recall();
    }

    @Override
    public double f1() {
        return scores.f1();
    }

    @Override
    public Double f1Std() {
        return null;
    }

    @Override
    public double unparseable() {
        return scores.unparseable();
    }

    @Override
    public Double distinctSentences() {
        return distinctOutputs == null ? null : distinctOutputs.doubleValue();
    }

    @Override
    public Double microF1() {
        return scores.micro() == null ? null : scores.micro().f1();
    }

    @Override
    public Double macroF1() {
        return scores.macro() == null ? null : scores.macro().f1();
    }

    @Override
    public Double likesF1() {
        return scores.likes() == null ? null : scores.likes().f1();
    }

    @Override
    public Double dislikesF1() {
        return scores.dislikes() == null ? null : scores.dislikes().f1();
    }

    @Override
    public int examplesShown() {
        return (int) scores.examples();
    }
}
