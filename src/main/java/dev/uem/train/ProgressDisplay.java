package dev.uem.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.Duration;

/** The terminal's progress bar (rank 0): steps done of all, and the step's loss, learning rate and throughput. */
final class ProgressDisplay implements TrainingListener {
    private final TrainSettings s;
    private final ProgressBar bar;

    /** A bar over all of {@code s}'s steps, starting at {@code fromStep} (the resumed checkpoint's). */
    ProgressDisplay(TrainSettings s, int fromStep) {
        this.s = s;
        this.bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(s.totalSteps())
                .startsFrom(fromStep, Duration.ZERO).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                .build();
    }

    @Override
    public void onStep(StepResult r) {
        // the learning rate shown is the LM's, or the UEM's while the LM is frozen or left alone
        double lr = (s.freezeLm() || !r.stage().trainsLm() ? s.lrUser() : s.lrLm()) * r.lrFactor();
        bar.stepTo(r.step());
        bar.setExtraMessage(String.format(" %s %.3f lr %.1e %.1f ex/s", r.stage().lossName(), r.loss(), lr,
                r.examplesPerSecond()));
    }

    /** Draws the bar's last state and ends its line. */
    @Override
    public void close() {
        bar.close();
    }
}
