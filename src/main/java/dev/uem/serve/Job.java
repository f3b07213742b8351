package dev.uem.serve;

import dev.uem.data.Dataset;
import java.util.List;

/**
 * One user's history queued for the model, and what is asked of it.
 *
 * @param history the ratings to read, oldest first, already cut to the run's history length
 */
public record Job(Kind kind, List<Dataset.Entry> history) {
    /** What the model computes for the job. */
    public enum Kind {
        /** The preference sentence, scores and "why". */
        PREDICT,
        /** The user's soft tokens. */
        EMBED
    }

    /**
     * A job's answer: a prediction or soft tokens {@code [p, e]}, whichever its kind asks for, and the milliseconds
     * the model took for the batch the job was in.
     */
    public record Answer(Prediction prediction, float[][] tokens, double modelMs) {}
}
