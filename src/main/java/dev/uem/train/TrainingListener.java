package dev.uem.train;

/**
 * Told of every finished training step, in the order the trainer lists them; a listener may throw to end the run.
 * {@link #close} runs however the run ends (normally or by an exception), in the reverse order.
 */
@FunctionalInterface
interface TrainingListener extends AutoCloseable {
    /** Acts on the finished step {@code r}. */
    void onStep(StepResult r);

    /** Releases what the listener holds open (a file, the terminal's progress bar). */
    @Override
    default void close() {}
}
