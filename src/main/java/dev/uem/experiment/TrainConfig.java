package dev.uem.experiment;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.uem.torch.Precision;

/**
 * How a run trains: two AdamW groups as in the paper (the UEM with the soft prompts, and the LM), the preference
 * head's loss beside the LM's, and the arithmetic of the forward passes.
 *
 * @param schedule         the steps and when validation and checkpoints come
 * @param batchSize        examples per micro-batch
 * @param accumulation     micro-batches per optimiser step
 * @param lrUser           learning rate of the UEM and the soft prompts
 * @param lrLm             learning rate of the LM
 * @param freezeLm         train the UEM and the soft prompts only
 * @param preferenceWeight weight of the preference head's loss (0: no head unless the UEM warm-up stage needs one)
 * @param precision        float32, or bfloat16 autocast with float32 weights
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TrainConfig(
        Schedule schedule,
        int batchSize,
        int accumulation,
        double lrUser,
        double lrLm,
        boolean freezeLm,
        double preferenceWeight,
        Precision precision) {
    public TrainConfig {
        if (precision == null) precision = Precision.FP32;
        if (!(preferenceWeight >= 0))
            throw new IllegalArgumentException("preference_weight must be >= 0, found " + preferenceWeight);
    }

    public TrainConfig withBatchSize(int b) {
        return new TrainConfig(schedule, b, accumulation, lrUser, lrLm, freezeLm, preferenceWeight, precision);
    }

    public TrainConfig withAccumulation(int a) {
        return new TrainConfig(schedule, batchSize, a, lrUser, lrLm, freezeLm, preferenceWeight, precision);
    }

    public TrainConfig withSchedule(Schedule s) {
        return new TrainConfig(s, batchSize, accumulation, lrUser, lrLm, freezeLm, preferenceWeight, precision);
    }
}
