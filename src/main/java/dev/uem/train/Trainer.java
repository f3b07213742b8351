package dev.uem.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.data.Examples;
import dev.uem.io.AtomicFiles;
import dev.uem.io.StopSignal;
import dev.uem.model.Batch;
import dev.uem.model.BatchSource;
import dev.uem.model.PreferenceModel;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.io.SafetensorsWriter;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.Modules;
import dev.uem.torch.Precision;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains one arm's model: AdamW with two parameter groups (UEM + prompts, LM), warm-up and decay, gradient clipping
 * and accumulation, one PointerScope per step; validation loss every {@code evalEvery} steps keeping the best
 * parameters ({@code best.safetensors}); {@code metrics.jsonl} per step; a progress bar; resumable checkpoints
 * every {@code checkpointEvery} steps ({@link Checkpoints}).
 *
 * <p>With {@link TrainSettings#uemWarmup} steps, the run starts with the UEM warm-up stage: those steps optimise the
 * model's {@link PreferenceModel#warmupLoss} (the UEM's preference head alone; the LM is not run, so AdamW leaves
 * it untouched) and skip validation; the joint steps follow. {@code metrics.jsonl} names each row's stage.
 *
 * <p>Resuming is exact because nothing random is carried from step to step: epoch {@code e} visits the training
 * windows in an order shuffled by {@code Random(seed, e)}, and step {@code t} reseeds torch (dropout) with
 * {@code (seed, t)}. A checkpoint therefore only needs the parameters, the AdamW moments, the step and the
 * position (epoch, cursor) in the data.
 *
 * <p>A non-finite loss or gradient norm stops the run with {@link DivergedException} before the optimiser moves,
 * leaving the last checkpoint and {@code best.safetensors} as they were.
 */
public final class Trainer {
    /** What a run ended with. */
    public record Outcome(int steps, double lastLoss, double bestValidationLoss, int bestStep, double examplesPerSecond) {}

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
    private long chunkPositions = CHUNK_POSITIONS;

    public Trainer(PreferenceModel model, BatchSource batches, TrainSettings settings, Path outDir) {
        this.model = model;
        this.batches = batches;
        this.s = settings;
        this.outDir = outDir;
        this.checkpoints = new Checkpoints(outDir);
    }

    /**
     * The forward passes' arithmetic on the model's device: with {@link Precision#BF16} each step's forward pass runs in
     * its own autocast region (autocast caches bfloat16 copies of the weights, stale after the optimiser step), the
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

    public Outcome train(List<Examples.Window> train, List<Examples.Window> validation, boolean showProgress) {
        if (s.uemWarmup() > 0 && !model.hasPreferenceHead())
            throw new IllegalArgumentException("uem_warmup " + s.uemWarmup() + " needs a model with a preference head");
        if (train.size() < s.batchSize() * group.worldSize())
            throw new IllegalArgumentException("batch_size " + s.batchSize() + (group.worldSize() > 1 ? " x " + group.worldSize() + " ranks" : "")
                    + " is larger than the " + train.size() + " training examples");
        if (s.freezeLm()) for (Tensor p : model.lm().parameters().get()) p.requires_grad_(false);
        try (Optimiser opt = optimizer()) {  // its moments are native memory: freed when training ends, however it ends
            return train(opt, train, validation, showProgress);
        }
    }

    /** The training loop proper, with the optimiser {@link #train(List, List, boolean)} made and will close. */
    private Outcome train(Optimiser opt, List<Examples.Window> train, List<Examples.Window> validation, boolean showProgress) {
        Map<String, Tensor> params = Modules.namedParameters(model.module());
        Checkpoints.State st = new Checkpoints.State(0, 0, 0, Double.POSITIVE_INFINITY, 0, Double.NaN);
        boolean leader = group.leader();
        // every rank starts from rank 0's parameters (the same seed gives the same ones; this makes it certain)
        group.broadcastFromLeader(new ArrayList<>(params.values()));
        if (resume) {
            if (!leader) group.barrier();  // rank 0 first removes unfinished checkpoint folders
            var saved = checkpoints.latest(w -> { if (leader) System.err.println("uem: warning: " + w); });
            if (leader) group.barrier();
            if (saved.isPresent()) {
                st = saved.get();
                checkpoints.load(st, params, opt.adamw());
                if (leader) System.err.printf("uem: resuming %s from checkpoint step %d of %d%n", outDir, st.step(), s.totalSteps());
            } else if (leader) {
                System.err.printf("uem: %s has no checkpoint yet: training starts at step 0%n", outDir);
            }
        }
        DataOrder data = new DataOrder(train, st.epoch(), st.cursor());
        double best = st.bestValidationLoss(), lastLoss = st.lastLoss();
        int bestStep = st.bestStep();
        long examples = 0, t0 = System.nanoTime();
        Path metrics = outDir.resolve("metrics.jsonl");
        if (leader) keepMetricsUpTo(metrics, st.step());
        ObjectMapper json = new ObjectMapper();
        int world = group.worldSize(), rank = group.rank(), b = s.batchSize();
        List<Tensor> trainable = new ArrayList<>();  // own references (params), not views into a temporary vector
        for (Tensor p : params.values()) if (p.requires_grad()) trainable.add(p);
        try (BufferedWriter log = leader ? Files.newBufferedWriter(metrics, StandardOpenOption.CREATE, StandardOpenOption.APPEND) : null;
             ProgressBar pb = showProgress && leader ? new ProgressBarBuilder().setTaskName("train").setInitialMax(s.totalSteps())
                     .startsFrom(st.step(), Duration.ZERO).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).build() : null) {
            for (int step = st.step() + 1; step <= s.totalSteps(); step++) {
                boolean warmupStage = s.inUemWarmup(step);
                double f = s.lrFactor(step);
                opt.scaleLearningRates(f);
                model.module().train(true);
                torch.manual_seed(mix(s.seed(), step));
                double stepLoss = 0;
                try (PointerScope scope = new PointerScope()) {
                    for (int micro = 0; micro < s.accumulation(); micro++) {
                        // the global batch is drawn in the same order on every rank; each takes its own slice
                        List<Examples.Window> w = data.next(b * world).subList(rank * b, (rank + 1) * b);
                        double v = microBatch(w, batches.build(w), warmupStage, step, bestStep);
                        stepLoss += v / s.accumulation();
                        examples += w.size();
                    }
                    group.averageGradients(trainable);
                    double norm = opt.adamw().gradientNorm();
                    if (!Double.isFinite(norm)) throw diverged("gradient norm is " + norm, step, bestStep);
                    opt.adamw().step(FusedAdamW.clipScale(norm, s.clipNorm()));  // clipping folded into the update
                    opt.adamw().zeroGrad();
                }
                // the step's loss over the whole global batch, and whether any rank was asked to stop (all stop together)
                boolean stopping = StopSignal.requested();
                if (world > 1) {
                    double[] sums = group.sum(stepLoss, stopping ? 1 : 0);
                    stepLoss = sums[0] / world;
                    stopping = sums[1] > 0;
                }
                lastLoss = stepLoss;
                double secs = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("step", step);
                row.put("stage", warmupStage ? "uem-warmup" : "joint");
                row.put(warmupStage ? "head_loss" : "loss", stepLoss);
                row.put("lr_user", opt.hasUser() ? s.lrUser() * f : 0);
                row.put("lr_lm", s.freezeLm() || warmupStage ? 0 : s.lrLm() * f);
                row.put("examples_per_s", examples * world / secs);
                if (world > 1) row.put("allreduce_s", group.allReduceSeconds());
                if (!warmupStage && ((step - s.uemWarmup()) % s.evalEvery() == 0 || step == s.totalSteps())) {
                    double val = validationLoss(validation);
                    row.put("validation_loss", val);
                    if (val < best) {
                        best = val;
                        bestStep = step;
                        if (leader) SafetensorsWriter.write(outDir.resolve("best.safetensors"), params);
                    }
                }
                if (log != null) {
                    log.write(json.writeValueAsString(row));
                    log.write('\n');
                    log.flush();
                }
                // Ctrl-C or SIGTERM: this step is complete; keep it (one checkpoint), so the resume loses nothing
                if (leader && (step % s.checkpointEvery() == 0 || step == s.totalSteps() || stopping))
                    checkpoints.save(new Checkpoints.State(step, data.epoch, data.cursor, best, bestStep, lastLoss), params, opt.adamw());
                if (pb != null) {
                    pb.stepTo(step);
                    pb.setExtraMessage(String.format(" %s %.3f lr %.1e %.1f ex/s", warmupStage ? "head loss" : "loss", stepLoss, (s.freezeLm() || warmupStage ? s.lrUser() : s.lrLm()) * f, examples * world / secs));
                }
                if (step >= interruptAfter) throw new Interrupted(step);
                if (stopping) {
                    String what = "training stopped after step " + step + " of " + s.totalSteps() + " (checkpoint saved)";
                    StopSignal.check(what);
                    throw new StopSignal.StopRequested(what + ": another rank was stopped", 130);  // this rank got no signal itself
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(metrics + ": " + e.getMessage(), e);
        }
        if (leader) restore(outDir.resolve("best.safetensors"));
        group.broadcastFromLeader(new ArrayList<>(params.values()));  // every rank ends with rank 0's best parameters
        return new Outcome(s.totalSteps(), lastLoss, best, bestStep, examples * world / ((System.nanoTime() - t0) / 1e9));
    }

    private DivergedException diverged(String what, int step, int bestStep) {
        return new DivergedException(what + " at step " + step + "; stopped before the optimiser step. The last checkpoint ("
                + outDir.resolve("checkpoints") + ") and the best parameters so far (step " + bestStep + ", "
                + outDir.resolve("best.safetensors") + ") are untouched; lower the learning rates or resume from there");
    }

    /**
     * Activation memory grows with examples x encoder positions: a micro-batch over this many positions is computed in
     * chunks whose gradients add up to the same step ({@link #microBatch}). The text arm's default (16 histories of ~420
     * tokens) needs 4 chunks; a UEM batch of the default history (16 x 68 positions) needs none, so its numbers stay as they
     * were (from history ~110 on UEM batches are split too).
     */
    static final long CHUNK_POSITIONS = 2048;

    /** How many chunks {@code batch} of {@code n} examples is computed in (1: as one) under {@code limit} positions a chunk. */
    static int chunks(Batch batch, int n, long limit) {
        long positions = batch.textIds().size(1) + (batch.rows() == null ? 0 : batch.rows().size(1));
        long perChunk = Math.max(1, limit / Math.max(1, positions));
        return (int) Math.min(n, (n + perChunk - 1) / perChunk);
    }

    /**
     * One micro-batch, forward and backward, computed in {@link #chunks} pieces when it is large (each back-propagated
     * before the next is built, so only one piece's activations live at a time). The LM's loss is a mean over target
     * tokens, so each piece's LM loss weighs with its share of the target tokens of the whole micro-batch over all ranks
     * (times the world size, since gradients are averaged over the ranks); its auxiliary losses, means over examples,
     * weigh with its share of the examples. The gradients are then those of one process computing the global batch in
     * one piece (in one process and one piece every weight is exactly 1). Returns this rank's share of the loss.
     */
    private double microBatch(List<Examples.Window> w, Batch batch, boolean warmupStage, int step, int bestStep) {
        int n = w.size(), world = group.worldSize(), chunks = chunks(batch, n, chunkPositions);
        Tensor targets = batch.labels().ne(new Scalar(-100L));      // [n, T]: the LM's target tokens
        double all = targets.sum().item_double();
        if (!warmupStage && world > 1) all = group.sum(all)[0];    // one collective per micro-batch on every rank
        double v = 0;
        for (int c = 0; c < chunks; c++) {
            int from = n * c / chunks, to = n * (c + 1) / chunks;
            try (PointerScope scope = new PointerScope()) {
                Batch part = chunks == 1 ? batch : batches.build(w.subList(from, to));
                double share = (double) (to - from) / n;
                Tensor loss;
                try (Precision.Scope autocast = precision.autocast(device)) {
                    if (warmupStage) {
                        loss = model.warmupLoss(part).mul(new Scalar(share));
                    } else {
                        double tokens = targets.narrow(0, from, to - from).sum().item_double();
                        PreferenceModel.Loss l = model.losses(part);
                        loss = l.lm().mul(new Scalar(tokens * world / all));
                        if (l.auxiliary() != null) loss = loss.add(l.auxiliary().mul(new Scalar(share)));
                    }
                }
                double lv = loss.item_double();
                if (!Double.isFinite(lv)) throw diverged("loss is " + lv, step, bestStep);
                model.backward(loss.div(new Scalar((double) s.accumulation())));
                v += lv;
            }
        }
        return v;
    }

    /** A deterministic 64-bit mix of the run seed and a counter (SplitMix64's finaliser). */
    static long mix(long seed, long counter) {
        long z = seed + 0x9E3779B97F4A7C15L * (counter + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Walks the training windows epoch by epoch, each epoch in its own seeded order; remainders are dropped. */
    private final class DataOrder {
        private final List<Examples.Window> windows;
        private List<Examples.Window> order;
        int epoch, cursor;

        DataOrder(List<Examples.Window> windows, int epoch, int cursor) {
            this.windows = windows;
            this.epoch = epoch;
            this.cursor = cursor;
            this.order = shuffled(epoch);
        }

        List<Examples.Window> next(int n) {
            if (cursor + n > order.size()) {
                epoch++;
                cursor = 0;
                order = shuffled(epoch);
            }
            List<Examples.Window> w = order.subList(cursor, cursor + n);
            cursor += n;
            return w;
        }

        private List<Examples.Window> shuffled(int e) {
            List<Examples.Window> o = new ArrayList<>(windows);
            Collections.shuffle(o, new Random(mix(s.seed() ^ 0x5DEECE66DL, e)));
            return o;
        }
    }

    /** On a fresh start the log is emptied; on resume, rows after the checkpoint (work that was lost) are dropped. */
    private static void keepMetricsUpTo(Path metrics, int step) {
        if (step == 0 || !Files.isRegularFile(metrics)) {
            AtomicFiles.writeString(metrics, "");
            return;
        }
        try {
            StringBuilder kept = new StringBuilder();
            ObjectMapper json = new ObjectMapper();
            for (String line : Files.readAllLines(metrics)) {
                if (line.isBlank()) continue;
                try {
                    if (json.readTree(line).path("step").asInt(Integer.MAX_VALUE) <= step) kept.append(line).append('\n');
                } catch (IOException torn) {
                    // a line cut by the kill: it belongs to lost work
                }
            }
            AtomicFiles.writeString(metrics, kept.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(metrics + ": " + e.getMessage(), e);
        }
    }

    /** The optimiser with each group's base learning rate in group order: the schedule scales these every step. */
    private record Optimiser(FusedAdamW adamw, double[] baseLr, boolean hasUser) implements AutoCloseable {
        void scaleLearningRates(double f) {
            for (int g = 0; g < baseLr.length; g++) adamw.setLearningRate(g, baseLr[g] * f);
        }

        @Override
        public void close() {
            adamw.close();
        }
    }

    /** Group 0: the UEM and prompts (when the model has them); then the LM (unless frozen). */
    private Optimiser optimizer() {
        List<List<Tensor>> groups = new ArrayList<>();
        List<Double> lrs = new ArrayList<>();
        List<Tensor> user = Modules.handles(model.userParameters());
        boolean hasUser = !user.isEmpty();
        if (hasUser) {
            groups.add(user);
            lrs.add(s.lrUser());
        }
        if (!s.freezeLm()) {
            groups.add(Modules.handles(model.lm().parameters()));
            lrs.add(s.lrLm());
        }
        if (groups.isEmpty()) throw new IllegalArgumentException("nothing to train: the LM is frozen and the model has no UEM or prompts");
        double[] base = lrs.stream().mapToDouble(Double::doubleValue).toArray();
        return new Optimiser(new FusedAdamW(groups, base, s.weightDecay()), base, hasUser);
    }

    /** Mean teacher-forced loss over the validation windows, in eval mode. */
    public double validationLoss(List<Examples.Window> validation) {
        model.module().eval();
        double sum = 0;
        int n = 0;
        // each rank scores its share of the windows; the sums are gathered below
        List<Examples.Window> mine = group.shard(validation);
        for (int i = 0; i < mine.size(); i += s.batchSize()) {
            List<Examples.Window> w = mine.subList(i, Math.min(mine.size(), i + s.batchSize()));
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard();
                 Precision.Scope autocast = precision.autocast(device)) {
                sum += model.loss(batches.build(w)).item_double() * w.size();
                n += w.size();
            }
        }
        model.module().train(true);
        if (group.worldSize() > 1) {
            double[] all = group.sum(sum, n);
            sum = all[0];
            n = (int) Math.round(all[1]);
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Loads parameters saved by this trainer back into the model. */
    public void restore(Path file) {
        if (!Files.isRegularFile(file)) return;
        try (PointerScope scope = new PointerScope()) {
            SafetensorsFile.copyInto(file, Modules.namedParameters(model.module()));
        }
    }
}
