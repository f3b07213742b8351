package dev.uem.train;

import dev.uem.io.StopSignal;

/**
 * Ends the run after a step at which any rank was asked to stop (Ctrl-C or SIGTERM); every rank stops after the
 * same step, and that step's checkpoint was written before ({@link PeriodicCheckpoint}, listed earlier).
 */
final class StopOnSignal implements TrainingListener {
    private final int totalSteps;

    /** For a run of {@code totalSteps} steps. */
    StopOnSignal(int totalSteps) {
        this.totalSteps = totalSteps;
    }

    @Override
    public void onStep(StepResult r) {
        if (!r.stopping()) return;
        String what = "training stopped after step " + r.step() + " of " + totalSteps + " (checkpoint saved)";
        StopSignal.check(what); // this rank's own signal: exits with its number
        throw new StopSignal.StopRequested(what + ": another rank was stopped", 130); // this rank got no signal
    }
}
