package dev.uem.train;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Resume points, written by rank 0 ({@link Checkpoints}): every {@code checkpointEvery} steps, at the last step,
 * and after a step at which a stop was requested (Ctrl-C or SIGTERM: that step is complete, and keeping it means
 * the resume loses nothing).
 */
final class PeriodicCheckpoint implements TrainingListener {
    private final Checkpoints checkpoints;
    private final TrainSettings s;
    private final DataOrder data;
    private final BestParameters best;
    private final Map<String, Tensor> params;
    private final FusedAdamW adamw;

    /** Saves {@code params}, {@code adamw}'s moments, the position in {@code data} and the {@code best} so far. */
    PeriodicCheckpoint(
            Checkpoints checkpoints,
            TrainSettings s,
            DataOrder data,
            BestParameters best,
            Map<String, Tensor> params,
            FusedAdamW adamw) {
        this.checkpoints = checkpoints;
        this.s = s;
        this.data = data;
        this.best = best;
        this.params = params;
        this.adamw = adamw;
    }

    @Override
    public void onStep(StepResult r) {
        int step = r.step();
        if (step % s.checkpointEvery() != 0 && step != s.totalSteps() && !r.stopping()) return;
        var state = new Checkpoints.State(step, data.epoch(), data.cursor(), best.loss(), best.step(), r.loss());
        checkpoints.save(state, params, adamw);
    }
}
