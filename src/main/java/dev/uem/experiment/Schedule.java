package dev.uem.experiment;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * When things happen in training: a UEM warm-up stage of {@code uemWarmup} steps, then {@code steps} joint steps whose
 * learning rates rise over {@code lrWarmup} steps and decay linearly to 0.
 *
 * @param steps           joint steps
 * @param uemWarmup       steps that train the UEM and its preference head alone first (0: none)
 * @param lrWarmup        learning-rate warm-up steps of the joint schedule
 * @param evalEvery       validation loss every so many joint steps; the best parameters are kept
 * @param checkpointEvery resumable checkpoint every so many steps
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Schedule(int steps, int uemWarmup, int lrWarmup, int evalEvery, int checkpointEvery) {
    public Schedule {
        if (uemWarmup < 0) throw new IllegalArgumentException("uem_warmup must be >= 0, found " + uemWarmup);
    }
}
