package dev.uem.train;

import dev.uem.data.Examples;
import dev.uem.io.StopSignal;
import dev.uem.model.Batch;
import dev.uem.model.BatchSource;
import dev.uem.model.PreferenceModel;
import dev.uem.torch.Precision;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One optimiser step, the body of the training loop: torch reseeded with {@code (seed, step)}, {@code accumulation}
 * micro-batches forward and backward (each rank its slice of the global batch), the gradients averaged over the
 * ranks, the gradient norm checked, and the AdamW step with the clipping folded in; all inside one
 * {@link PointerScope}. The step's {@link Stage} picks the loss. A non-finite loss or gradient norm throws before
 * the optimiser moves.
 */
final class TrainStep {
    /**
     * Activation memory grows with examples x encoder positions: a micro-batch over this many positions is computed in
     * chunks whose gradients add up to the same step ({@link #forwardBackward}). The text arm's default (16 histories
     * of ~420 tokens) needs 4 chunks; a UEM batch of the default history (16 x 68 positions) needs none (from
     * history ~110 on UEM batches are split too).
     */
    static final long CHUNK_POSITIONS = 2048;

    /** Makes the exception that ends the run when a loss or the gradient norm stops being a number. */
    @FunctionalInterface
    interface Divergence {
        /** The exception for {@code what} (such as "loss is NaN") at step {@code step}. */
        Trainer.DivergedException at(String what, int step);
    }

    private final PreferenceModel model;
    private final BatchSource batches;
    private final TrainSettings s;
    private final DataParallel group;
    private final Optimiser opt;
    private final List<Tensor> trainable;
    private final DataOrder data;
    private final BatchesAhead ahead;
    private final Supplier<Precision.Scope> autocast;
    private final long chunkPositions;
    private final Divergence diverged;
    private final long t0 = System.nanoTime();
    private long examples;

    /**
     * A step over {@code model}'s {@code trainable} parameters, drawing windows from {@code data} and taking their
     * batches from {@code ahead} (chunks of a large micro-batch are built with {@code batches}); each forward pass runs inside an {@code autocast} region, and a micro-batch over
     * more than {@code chunkPositions} positions is computed in chunks.
     */
    TrainStep(
            PreferenceModel model,
            BatchSource batches,
            TrainSettings s,
            DataParallel group,
            Optimiser opt,
            List<Tensor> trainable,
            DataOrder data,
            BatchesAhead ahead,
            Supplier<Precision.Scope> autocast,
            long chunkPositions,
            Divergence diverged) {
        this.model = model;
        this.batches = batches;
        this.s = s;
        this.group = group;
        this.opt = opt;
        this.trainable = trainable;
        this.data = data;
        this.ahead = ahead;
        this.autocast = autocast;
        this.chunkPositions = chunkPositions;
        this.diverged = diverged;
    }

    /** Runs optimiser step {@code step} (1-based, counting both stages) and returns what the listeners are told. */
    StepResult run(int step) {
        Stage stage = Stage.at(s, step);
        double f = s.lrFactor(step);
        opt.scaleLearningRates(f);
        model.module().train(true);
        torch.manual_seed(Trainer.mix(s.seed(), step)); // dropout depends on (seed, step) alone: resuming is exact
        double loss = 0;
        try (PointerScope scope = new PointerScope()) { // the step's native memory is freed here, not by the GC
            for (int micro = 0; micro < s.accumulation(); micro++) loss += microBatch(stage, step) / s.accumulation();
            group.averageGradients(trainable);
            double norm = opt.adamw().gradientNorm();
            if (!Double.isFinite(norm)) throw diverged.at("gradient norm is " + norm, step);
            opt.adamw().step(FusedAdamW.clipScale(norm, s.clipNorm())); // clipping folded into the update
            opt.adamw().zeroGrad();
        }
        return finish(step, stage, loss, f);
    }

    /** Training examples a second over all ranks, since training started (or resumed). */
    double examplesPerSecond() {
        return examples * group.worldSize() / ((System.nanoTime() - t0) / 1e9);
    }

    /** The next micro-batch of this rank, forward and backward; returns this rank's share of its loss. */
    private double microBatch(Stage stage, int step) {
        int b = s.batchSize(), rank = group.rank();
        // the global batch is drawn in the same order on every rank; each takes its own slice
        List<Examples.Window> w = data.next(b * group.worldSize()).subList(rank * b, (rank + 1) * b);
        double v = forwardBackward(w, ahead.next(w), stage, step);
        examples += w.size();
        return v;
    }

    /** The step's loss over the global batch and whether any rank was asked to stop: one collective for both. */
    private StepResult finish(int step, Stage stage, double loss, double f) {
        boolean stopping = StopSignal.requested();
        int world = group.worldSize();
        if (world > 1) {
            double[] sums = group.sum(loss, stopping ? 1 : 0);
            loss = sums[0] / world;
            stopping = sums[1] > 0; // all ranks stop together
        }
        return new StepResult(step, stage, loss, f, examplesPerSecond(), group.allReduceSeconds(), stopping);
    }

    /**
     * One micro-batch, forward and backward, computed in {@link #chunks} pieces when it is large (each back-propagated
     * before the next is built, so only one piece's activations live at a time). The LM's loss is a mean over target
     * tokens, so each piece's LM loss weighs with its share of the target tokens of the whole micro-batch over all
     * ranks (times the world size, since gradients are averaged over the ranks); its auxiliary losses, means over
     * examples, weigh with its share of the examples. The gradients are then those of one process computing the
     * global batch in one piece (in one process and one piece every weight is exactly 1). Returns this rank's share
     * of the loss.
     */
    private double forwardBackward(List<Examples.Window> w, Batch batch, Stage stage, int step) {
        int n = w.size(), chunks = chunks(batch, n, chunkPositions);
        Tensor targets = batch.labels().ne(new Scalar(-100L)); // [n, T]: the LM's target tokens
        double all = targets.sum().item_double();
        if (stage.trainsLm() && group.worldSize() > 1) all = group.sum(all)[0]; // one collective per micro-batch
        double v = 0;
        for (int c = 0; c < chunks; c++) {
            int from = n * c / chunks, to = n * (c + 1) / chunks;
            try (PointerScope scope = new PointerScope()) {
                Batch part = chunks == 1 ? batch : batches.build(w.subList(from, to));
                Tensor loss = chunkLoss(part, stage, targets, from, to, n, all);
                double lv = loss.item_double();
                if (!Double.isFinite(lv)) throw diverged.at("loss is " + lv, step);
                model.backward(loss.div(new Scalar((double) s.accumulation())));
                v += lv;
            }
        }
        return v;
    }

    /**
     * The weighted loss of rows {@code from..to} of a micro-batch of {@code n} ({@link #forwardBackward}), whose
     * target tokens over all ranks number {@code all}: the head's loss alone in a stage that leaves the LM alone.
     */
    private Tensor chunkLoss(Batch part, Stage stage, Tensor targets, int from, int to, int n, double all) {
        double share = (double) (to - from) / n;
        try (Precision.Scope region = autocast.get()) {
            if (!stage.trainsLm()) return model.warmupLoss(part).mul(new Scalar(share));
            double tokens = targets.narrow(0, from, to - from).sum().item_double();
            PreferenceModel.Loss l = model.losses(part);
            Tensor loss = l.lm().mul(new Scalar(tokens * group.worldSize() / all));
            if (l.auxiliary() != null) loss = loss.add(l.auxiliary().mul(new Scalar(share)));
            return loss;
        }
    }

    /** How many chunks {@code batch} of {@code n} examples is computed in (1: as one) under {@code limit} positions. */
    static int chunks(Batch batch, int n, long limit) {
        long positions = batch.textIds().size(1)
                + (batch.rows() == null ? 0 : batch.rows().size(1));
        long perChunk = Math.max(1, limit / Math.max(1, positions));
        return (int) Math.min(n, (n + perChunk - 1) / perChunk);
    }
}
