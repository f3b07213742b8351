package dev.uem.train;

import dev.uem.io.Log;
import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;

/** The terminal's progress bar (rank 0): steps done of all, and the step's loss, learning rate and throughput. */
final class ProgressDisplay implements TrainingListener {
    private final TrainSettings s;
    private final ProgressBar bar;

    /** A bar over all of {@code s}'s steps, starting at {@code fromStep} (the resumed checkpoint's). */
    ProgressDisplay(TrainSettings s, int fromStep) {
        this.s = s;
        this.bar = Log.progress("train", s.totalSteps())
                .startsFrom(fromStep, Duration.ZERO)
                .build();
    }

    @Override
    public void onStep(StepResult r) {
        // the learning rate shown is the LM's, or the UEM's while the LM is frozen or left alone
        double lr = (s.freezeLm() || !r.stage().trainsLm() ? s.lrUser() : s.lrLm()) * r.lrFactor();
        bar.stepTo(r.step());
        bar.setExtraMessage(
                String.format(" %s %.3f lr %.1e %.1f ex/s", r.stage().lossName(), r.loss(), lr, r.examplesPerSecond()));
    }

    /** Shows a validation pass's progress after the step's figures: {@code done} of {@code total} windows. */
    void validating(int done, int total) {
        bar.setExtraMessage(String.format(" validating %d/%d windows", done, total));
    }

    /** Draws the bar's last state and ends its line. */
    @Override
    public void close() {
        bar.close();
    }
}
