package dev.uem.train;

import dev.uem.data.Examples;
import dev.uem.io.Log;
import dev.uem.io.StopSignal;
import dev.uem.model.BatchSource;
import dev.uem.model.PreferenceModel;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.Modules;
import dev.uem.torch.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Trains one arm's model. The loop ({@link #train}) runs one {@link TrainStep} per step (AdamW with two parameter
 * groups, UEM + prompts and LM, warm-up and decay, gradient accumulation and clipping, one PointerScope per step)
 * with its batches built ahead on background threads ({@link BatchesAhead}), validates it when due ({@link
 * BestParameters}: the validation loss every {@code evalEvery} steps, the best parameters in {@code
 * best.safetensors}) and then tells the {@link TrainingListener}s of it, in this order: {@link MetricsLog} ({@code
 * metrics.jsonl}), {@link PeriodicCheckpoint} (resumable checkpoints every {@code checkpointEvery} steps, {@link
 * Checkpoints}), {@link ProgressDisplay}, {@link #interruptAfter} and {@link StopOnSignal}. A stop requested during
 * a validation pass abandons the pass: the step's checkpoint is written and the run ends.
 *
 * <p>With {@link TrainSettings#uemWarmup} steps, the run starts with the UEM warm-up {@link Stage}: those steps
 * optimise the model's {@link PreferenceModel#warmupLoss} (the UEM's preference head alone; the LM is not run, so
 * AdamW leaves it untouched) and skip validation; the joint steps follow. {@code metrics.jsonl} names each row's
 * stage.
 *
 * <p>Resuming is exact because nothing random is carried from step to step: epoch {@code e} visits the training
 * windows in an order shuffled by {@code Random(seed, e)} ({@link DataOrder}), and step {@code t} reseeds torch
 * (dropout) with {@code (seed, t)}. A checkpoint therefore only needs the parameters, the AdamW moments, the step and
 * the position (epoch, cursor) in the data.
 *
 * <p>A non-finite loss or gradient norm stops the run with {@link DivergedException} before the optimiser moves,
 * leaving the last checkpoint and {@code best.safetensors} as they were.
 */
public final class Trainer {
    /** What a run ended with. */
    public record Outcome(
            int steps, double lastLoss, double bestValidationLoss, int bestStep, double examplesPerSecond) {}

    /** Thrown when the loss or the gradients stop being numbers. */
    public static final class DivergedException extends RuntimeException {
        DivergedException(String m) {
            super(m);
        }
    }

    /** Thrown by {@link #interruptAfter}: the run stops as if killed, leaving only what it had written. */
    static final class Interrupted extends RuntimeException {
        Interrupted(int step) {
            super("interrupted after step " + step);
        }
    }

    private final PreferenceModel model;
    private final BatchSource batches;
    private final TrainSettings s;
    private final Path outDir;
    private final Checkpoints checkpoints;
    private boolean resume;
    private Precision precision = Precision.FP32;
    private ComputeDevice device = ComputeDevice.CPU;
    private DataParallel group = DataParallel.single();
    private int interruptAfter = Integer.MAX_VALUE;
    private long chunkPositions = TrainStep.CHUNK_POSITIONS;
    private int loaderThreads = BatchesAhead.defaultThreads();

    /** Trains {@code model} on batches from {@code batches} with {@code settings}, writing into {@code outDir}. */
    public Trainer(PreferenceModel model, BatchSource batches, TrainSettings settings, Path outDir) {
        this.model = model;
        this.batches = batches;
        this.s = settings;
        this.outDir = outDir;
        this.checkpoints = new Checkpoints(outDir);
    }

    /**
     * The forward passes' arithmetic on the model's device: with {@link Precision#BF16} each step's forward pass runs
     * in its own autocast region (autocast caches bfloat16 copies of the weights, stale after the optimiser step), the
     * backward pass and AdamW outside it.
     */
    public Trainer precision(Precision p, ComputeDevice d) {
        this.precision = p;
        this.device = d;
        return this;
    }

    /**
     * Trains as one rank of a data-parallel group: each step's global batch is {@code batchSize x worldSize} windows,
     * this rank takes its slice, gradients are averaged over the ranks before clipping, and only rank 0 writes
     * metrics, checkpoints and {@code best.safetensors}; at the end rank 0 restores the best parameters and broadcasts
     * them, so every rank can evaluate. Resuming reads the run folder on every rank (it must be shared).
     */
    public Trainer parallel(DataParallel dp) {
        this.group = dp;
        return this;
    }

    /** Background threads that build the coming batches during each step (0: each built when it is needed). */
    public Trainer loaderThreads(int threads) {
        if (threads < 0) throw new IllegalArgumentException("loader threads must be >= 0, found " + threads);
        this.loaderThreads = threads;
        return this;
    }

    /** Continue from the newest checkpoint in the run folder, if there is one (else start afresh). */
    public Trainer resume(boolean resume) {
        this.resume = resume;
        return this;
    }

    /** Another chunking threshold (tests force chunks on small batches). */
    Trainer chunkPositions(long positions) {
        this.chunkPositions = positions;
        return this;
    }

    /** Stops like a crash right after this step (for resume tests). */
    Trainer interruptAfter(int step) {
        this.interruptAfter = step;
        return this;
    }

    /**
     * Trains on {@code train}, validating on {@code validation}, with a progress bar when {@code showProgress}; ends
     * with the best parameters in the model (on every rank).
     */
    public Outcome train(List<Examples.Window> train, List<Examples.Window> validation, boolean showProgress) {
        if (s.uemWarmup() > 0 && !model.hasPreferenceHead())
            throw new IllegalArgumentException("uem_warmup " + s.uemWarmup() + " needs a model with a preference head");
        if (train.size() < s.batchSize() * group.worldSize())
            throw new IllegalArgumentException("batch_size " + s.batchSize()
                    + (group.worldSize() > 1 ? " x " + group.worldSize() + " ranks" : "")
                    + " is larger than the " + train.size() + " training examples");
        if (s.freezeLm()) for (Tensor p : model.lm().parameters().get()) p.requires_grad_(false);
        // its moments are native memory: freed when training ends, however it ends
        try (Optimiser opt = Optimiser.of(model, s)) {
            return train(opt, train, validation, showProgress);
        }
    }

    /** The training loop proper, with the optimiser {@link #train(List, List, boolean)} made and will close. */
    private Outcome train(
            Optimiser opt, List<Examples.Window> train, List<Examples.Window> validation, boolean showProgress) {
        Map<String, Tensor> params = Modules.namedParameters(model.module());
        // every rank starts from rank 0's parameters (the same seed gives the same ones; this makes it certain)
        group.broadcastFromLeader(new ArrayList<>(params.values()));
        Checkpoints.State start = startingPoint(params, opt.adamw());
        DataOrder data = new DataOrder(train, s.seed(), start.epoch(), start.cursor());
        ProgressDisplay display = group.leader() && showProgress ? new ProgressDisplay(s, start.step()) : null;
        var best = new BestParameters(s, () -> validate(validation, display), params, outDir, group.leader(), start);
        List<Tensor> trainable = new ArrayList<>(); // own references (params), not views into a temporary vector
        for (Tensor p : params.values()) if (p.requires_grad()) trainable.add(p);
        double lastLoss = start.lastLoss(), perSecond;
        // the builders walk a copy of the order, so data itself advances only as batches are used
        try (BatchesAhead ahead = new BatchesAhead(
                        batches, data.copy().slices(s.batchSize(), group.worldSize(), group.rank()), loaderThreads);
                TrainingListeners listeners = listeners(start, data, best, params, opt, display)) {
            TrainStep trainStep = step(opt, trainable, data, ahead, best);
            for (int step = start.step() + 1; step <= s.totalSteps(); step++) {
                StepResult r = best.validate(trainStep.run(step)); // when due; a stop during it ends the run
                lastLoss = r.loss();
                listeners.onStep(r);
            }
            perSecond = trainStep.examplesPerSecond();
        }
        if (group.leader()) restore(best.file());
        group.broadcastFromLeader(new ArrayList<>(params.values())); // every rank ends with rank 0's best parameters
        return new Outcome(s.totalSteps(), lastLoss, best.loss(), best.step(), perSecond);
    }

    /** The loop's body, over the {@code trainable} parameters, with batches from {@code ahead}. */
    private TrainStep step(
            Optimiser opt, List<Tensor> trainable, DataOrder data, BatchesAhead ahead, BestParameters best) {
        return new TrainStep(
                model,
                batches,
                s,
                group,
                opt,
                trainable,
                data,
                ahead,
                () -> precision.autocast(device),
                chunkPositions,
                (what, step) -> diverged(what, step, best.step()));
    }

    /**
     * The listeners of each finished and validated step, in order; rank 0 alone writes the run's files and shows
     * progress ({@code display}, null for none).
     */
    private TrainingListeners listeners(
            Checkpoints.State start,
            DataOrder data,
            BestParameters best,
            Map<String, Tensor> params,
            Optimiser opt,
            ProgressDisplay display) {
        boolean leader = group.leader();
        TrainingListeners all = new TrainingListeners();
        boolean displayAdded = false;
        try {
            if (leader) all.add(new MetricsLog(outDir, start.step(), s, opt.hasUser(), group.worldSize(), best));
            if (leader) all.add(new PeriodicCheckpoint(checkpoints, s, data, best, params, opt.adamw()));
            if (display != null) all.add(display);
            displayAdded = true;
            all.add(r -> {
                if (r.step() >= interruptAfter) throw new Interrupted(r.step());
            });
            all.add(new StopOnSignal(s.totalSteps()));
            return all;
        } catch (RuntimeException e) {
            try {
                all.close(); // what was opened before the failure
                if (display != null && !displayAdded) display.close();
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    /**
     * Where training starts: step 0, or with {@link #resume} the newest checkpoint, loaded into {@code params} and
     * {@code adamw}. Rank 0 first removes unfinished checkpoint folders; the others wait for it.
     */
    private Checkpoints.State startingPoint(Map<String, Tensor> params, FusedAdamW adamw) {
        Checkpoints.State fresh = new Checkpoints.State(0, 0, 0, Double.POSITIVE_INFINITY, 0, Double.NaN);
        if (!resume) return fresh;
        boolean leader = group.leader();
        if (!leader) group.barrier();
        var saved = checkpoints.latest(w -> {
            if (leader) Log.logger().warn(w);
        });
        if (leader) group.barrier();
        if (saved.isEmpty()) {
            if (leader) Log.logger().info("{} has no checkpoint yet: training starts at step 0", outDir);
            return fresh;
        }
        checkpoints.load(saved.get(), params, adamw);
        if (leader)
            Log.logger()
                    .info(
                            "resuming {} from checkpoint step {} of {}",
                            outDir,
                            saved.get().step(),
                            s.totalSteps());
        return saved.get();
    }

    private DivergedException diverged(String what, int step, int bestStep) {
        return new DivergedException(what + " at step " + step + "; stopped before the optimiser step. The last"
                + " checkpoint (" + outDir.resolve("checkpoints") + ") and the best parameters so far (step " + bestStep
                + ", " + outDir.resolve("best.safetensors") + ") are untouched; lower the learning rates or resume"
                + " from there");
    }

    /** A deterministic 64-bit mix of the run seed and a counter (SplitMix64's finaliser). */
    static long mix(long seed, long counter) {
        long z = seed + 0x9E3779B97F4A7C15L * (counter + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Mean teacher-forced loss over the validation windows, in eval mode (NaN when a stop cut the pass short). */
    public double validationLoss(List<Examples.Window> validation) {
        return validate(validation, null).loss();
    }

    /**
     * The validation pass: the mean teacher-forced loss in eval mode, its progress on {@code display} (null: none);
     * abandoned between two batches as soon as a stop is requested, so Ctrl-C never waits for it.
     */
    private BestParameters.Validation validate(List<Examples.Window> validation, ProgressDisplay display) {
        model.module().eval();
        double sum = 0;
        int n = 0;
        boolean abandoned = false;
        // each rank scores its share of the windows; the sums are gathered below
        List<Examples.Window> mine = group.shard(validation);
        try (BatchesAhead ahead = new BatchesAhead(batches, BatchesAhead.slices(mine, s.batchSize()), loaderThreads)) {
            for (int i = 0; i < mine.size() && !(abandoned = StopSignal.requested()); i += s.batchSize()) {
                List<Examples.Window> w = mine.subList(i, Math.min(mine.size(), i + s.batchSize()));
                try (PointerScope scope = new PointerScope();
                        NoGradGuard g = new NoGradGuard();
                        Precision.Scope autocast = precision.autocast(device)) {
                    sum += model.loss(ahead.next(w)).item_double() * w.size();
                    n += w.size();
                }
                if (display != null) display.validating(n, mine.size());
            }
        }
        model.module().train(true);
        if (group.worldSize() > 1) {
            double[] all = group.sum(sum, n, abandoned ? 1 : 0);
            sum = all[0];
            n = (int) Math.round(all[1]);
            abandoned = all[2] > 0; // every rank abandons together
        }
        return new BestParameters.Validation(abandoned || n == 0 ? Double.NaN : sum / n, abandoned);
    }

    /** Loads parameters saved by this trainer back into the model. */
    public void restore(Path file) {
        if (!Files.isRegularFile(file)) return;
        try (PointerScope scope = new PointerScope()) {
            SafetensorsFile.copyInto(file, Modules.namedParameters(model.module()));
        }
    }
}
