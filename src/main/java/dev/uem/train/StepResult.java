package dev.uem.train;

/**
 * A finished optimiser step, as the listeners are told of it.
 *
 * @param step               the step's number (1-based, counting both stages)
 * @param stage              the stage the step belongs to
 * @param loss               the step's loss over the whole global batch (the mean over the ranks)
 * @param lrFactor           the learning-rate schedule's factor at this step
 * @param examplesPerSecond  training throughput since the run (or the resume) started, over all ranks
 * @param allReduceSeconds   seconds spent in gradient all-reduces so far (0 in one process)
 * @param stopping           whether any rank was asked to stop (all ranks agree on it)
 */
record StepResult(
        int step,
        Stage stage,
        double loss,
        double lrFactor,
        double examplesPerSecond,
        double allReduceSeconds,
        boolean stopping) {
    /** The same step, marked as the last: a stop was requested while it was validated. */
    StepResult stopped() {
        return new StepResult(step, stage, loss, lrFactor, examplesPerSecond, allReduceSeconds, true);
    }
}
