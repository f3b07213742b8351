package dev.uem.experiment;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A UEM arm's LM decoding without the head fused in ({@code arm.json}'s {@code lm_only}): what the fusion adds.
 *
 * @param f1                        weighted F1 on the test windows
 * @param distinctOutputs           distinct sentences generated on the test windows
 * @param validationF1              weighted F1 on the validation windows
 * @param validationDistinctOutputs distinct sentences generated on the validation windows
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record LmOnly(double f1, long distinctOutputs, double validationF1, long validationDistinctOutputs) {
    /** The summary of the LM-alone line ({@code uem-lm-p}). */
    public static LmOnly of(ArmResult lm) {
        return new LmOnly(lm.scores().f1(), lm.distinctOutputs(), lm.validationF1(), lm.validationDistinctOutputs());
    }
}
