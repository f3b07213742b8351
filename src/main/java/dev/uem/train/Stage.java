package dev.uem.train;

/**
 * The stage a training step belongs to. A run with {@link TrainSettings#uemWarmup} steps starts with
 * {@link #UEM_WARMUP}, then {@link #JOINT} follows; the step and the listeners read the stage's properties instead
 * of testing which stage it is.
 */
enum Stage {
    /** The UEM, prompts and preference head on the head's loss alone; the LM is not run, so it stays untouched. */
    UEM_WARMUP("uem-warmup", "head_loss", "head loss", false),
    /** The LM's sentence loss plus the weighted head losses, over every trainable parameter. */
    JOINT("joint", "loss", "loss", true);

    private final String label;
    private final String lossKey;
    private final String lossName;
    private final boolean trainsLm;

    Stage(String label, String lossKey, String lossName, boolean trainsLm) {
        this.label = label;
        this.lossKey = lossKey;
        this.lossName = lossName;
        this.trainsLm = trainsLm;
    }

    /** The stage of optimiser step {@code step} (1-based, counting both stages). */
    static Stage at(TrainSettings s, int step) {
        return s.inUemWarmup(step) ? UEM_WARMUP : JOINT;
    }

    /** The stage's name in {@code metrics.jsonl}. */
    String label() {
        return label;
    }

    /** The key of the step's loss in {@code metrics.jsonl}. */
    String lossKey() {
        return lossKey;
    }

    /** The step's loss as the progress bar names it. */
    String lossName() {
        return lossName;
    }

    /** Whether the LM is run and trained: its learning rate applies, and its validation loss means something. */
    boolean trainsLm() {
        return trainsLm;
    }
}
