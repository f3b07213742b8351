package dev.uem.train;

/**
 * Optimisation settings. Two AdamW groups as in the paper: the UEM and the soft prompts ({@code lrUser}) and the
 * language model ({@code lrLm}, 0 with {@code freezeLm}); linear warm-up then linear decay to zero; validation every
 * {@code evalEvery} steps and a resumable checkpoint every {@code checkpointEvery}.
 *
 * <p>With {@code uemWarmup > 0} the run starts with that many steps of the UEM warm-up stage (the UEM, prompts
 * and preference head on the head's loss alone, the LM untouched; learning rates warm up, then stay), followed by
 * {@code steps} joint steps on the schedule above. Step numbers count both stages: {@link #totalSteps}.
 *
 * @param stages       the steps of both stages and when validation and checkpoints come
 * @param optimisation the AdamW groups' rates, weight decay and clipping
 * @param batchSize    examples per micro-batch
 * @param accumulation micro-batches per step
 * @param seed         seed of the data order and of each step's dropout
 */
public record TrainSettings(Stages stages, Optimisation optimisation, int batchSize, int accumulation, long seed) {
    /** Bounds that catch typos (an extra zero) before hours of work or an out-of-memory kill. */
    public static final int MAX_STEPS = 10_000_000, MAX_BATCH = 4096;

    /**
     * @param steps           joint steps
     * @param uemWarmup       steps of the UEM warm-up stage before them
     * @param warmupSteps     learning-rate warm-up steps of the joint stage
     * @param evalEvery       validation every so many joint steps
     * @param checkpointEvery a resumable checkpoint every so many steps
     */
    public record Stages(int steps, int uemWarmup, int warmupSteps, int evalEvery, int checkpointEvery) {
        public Stages {
            if (uemWarmup < 0) throw new IllegalArgumentException("uem_warmup must be >= 0, found " + uemWarmup);
            if (uemWarmup > MAX_STEPS)
                throw new IllegalArgumentException("uem_warmup must be <= " + MAX_STEPS + ", found " + uemWarmup);
            if (steps <= 0 || steps > MAX_STEPS)
                throw new IllegalArgumentException("steps must be in [1, " + MAX_STEPS + "], found " + steps);
            if (warmupSteps < 0 || warmupSteps > steps)
                throw new IllegalArgumentException("warmup_steps must be in [0, steps], found " + warmupSteps);
            if (evalEvery <= 0) throw new IllegalArgumentException("eval_every must be > 0, found " + evalEvery);
            if (checkpointEvery <= 0)
                throw new IllegalArgumentException("checkpoint_every must be > 0, found " + checkpointEvery);
        }
    }

    /**
     * @param lrUser      learning rate of the UEM and the soft prompts
     * @param lrLm        learning rate of the LM
     * @param weightDecay AdamW's decoupled weight decay
     * @param clipNorm    the gradients' global norm is clipped to this
     * @param freezeLm    the LM is not trained
     */
    public record Optimisation(double lrUser, double lrLm, double weightDecay, double clipNorm, boolean freezeLm) {
        public Optimisation {
            if (!(lrUser > 0 && lrUser < 10))
                throw new IllegalArgumentException("lr_user must be in (0, 10), found " + lrUser);
            if (!(lrLm >= 0 && lrLm < 10))
                throw new IllegalArgumentException("lr_lm must be in [0, 10), found " + lrLm);
            if (weightDecay < 0) throw new IllegalArgumentException("weight_decay must be >= 0, found " + weightDecay);
            if (clipNorm <= 0) throw new IllegalArgumentException("clip_norm must be > 0, found " + clipNorm);
        }
    }

    public TrainSettings {
        if (batchSize <= 0 || batchSize > MAX_BATCH)
            throw new IllegalArgumentException("batch_size must be in [1, " + MAX_BATCH + "], found " + batchSize);
        if (accumulation <= 0 || accumulation > MAX_BATCH)
            throw new IllegalArgumentException("accumulation must be in [1, " + MAX_BATCH + "], found " + accumulation);
    }

    /** The same settings with another UEM warm-up length (0 for arms without a UEM). */
    public TrainSettings withUemWarmup(int uemWarmupSteps) {
        Stages s = stages;
        return new TrainSettings(
                new Stages(s.steps, uemWarmupSteps, s.warmupSteps, s.evalEvery, s.checkpointEvery),
                optimisation,
                batchSize,
                accumulation,
                seed);
    }

    public int steps() {
        return stages.steps;
    }

    public int uemWarmup() {
        return stages.uemWarmup;
    }

    public int warmupSteps() {
        return stages.warmupSteps;
    }

    public int evalEvery() {
        return stages.evalEvery;
    }

    public int checkpointEvery() {
        return stages.checkpointEvery;
    }

    public double lrUser() {
        return optimisation.lrUser;
    }

    public double lrLm() {
        return optimisation.lrLm;
    }

    public double weightDecay() {
        return optimisation.weightDecay;
    }

    public double clipNorm() {
        return optimisation.clipNorm;
    }

    public boolean freezeLm() {
        return optimisation.freezeLm;
    }

    /** Both stages: the UEM warm-up steps, then the joint ones. */
    public int totalSteps() {
        return stages.uemWarmup + stages.steps;
    }

    /** Whether optimiser step {@code step} (1-based, counting both stages) belongs to the UEM warm-up stage. */
    public boolean inUemWarmup(int step) {
        return step <= stages.uemWarmup;
    }

    /** Learning-rate factor at optimiser step {@code step} (1-based, counting both stages). */
    public double lrFactor(int step) {
        int uemWarmup = stages.uemWarmup, warmupSteps = stages.warmupSteps, steps = stages.steps;
        if (inUemWarmup(step)) return Math.min(1.0, (double) step / Math.max(1, Math.min(warmupSteps, uemWarmup)));
        step -= uemWarmup;
        if (warmupSteps > 0 && step <= warmupSteps) return (double) step / warmupSteps;
        return Math.max(0.0, (double) (steps - step + 1) / Math.max(1, steps - warmupSteps + 1));
    }
}
