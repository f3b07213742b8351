package dev.uem.experiment;

/**
 * One line of the comparison: a model reading the user's history as soft tokens ({@code uem-p}) or as text
 * ({@code text-p}); the readout of a UEM arm's preference head ({@code uem-head-p}, no LM in the path); the same UEM
 * arm's LM decoding alone, without the head fused in ({@code uem-lm-p}); the counting
 * baseline over the whole history or the shown window ({@code counting-*}); and two references that need no
 * training: {@code prior} (one constant guess for everyone) and {@code window-oracle-p} (the label rule applied to
 * the shown window: the ceiling of any model that reads only the window).
 */
public record Arm(String name, Kind kind, int history) {
    public enum Kind {
        UEM,
        TEXT,
        HEAD,
        LM,
        COUNTING,
        REFERENCE
    }

    public Arm {
        if ((history <= 0 || history > MAX_HISTORY) && !name.equals(COUNTING_HISTORY) && !name.equals(PRIOR))
            throw new IllegalArgumentException(
                    name + ": history must be in [1, " + MAX_HISTORY + "], found " + history);
    }

    static final String COUNTING_HISTORY = "counting-history", PRIOR = "prior";
    /**
     * The longest history an arm may show (the paper's longest is 100; memory grows with it: batch x p x 3s floats).
     */
    public static final int MAX_HISTORY = 2048;

    public static Arm uem(int p) {
        return new Arm("uem-" + p, Kind.UEM, p);
    }

    public static Arm text(int p) {
        return new Arm("text-" + p, Kind.TEXT, p);
    }

    /** The preference head of the UEM arm with history p, read directly (its threshold chosen on validation users). */
    public static Arm uemHead(int p) {
        return new Arm("uem-head-" + p, Kind.HEAD, p);
    }

    /**
     * The UEM arm with history p decoded by its LM alone, without the preference head fused in ({@code --head-fusion
     * 0}).
     */
    public static Arm uemLm(int p) {
        return new Arm("uem-lm-" + p, Kind.LM, p);
    }

    /** The paper's counting baseline: the whole history, whatever window is shown ({@code history} is then -1). */
    public static Arm countingHistory() {
        return new Arm(COUNTING_HISTORY, Kind.COUNTING, -1);
    }

    /** The counting rule applied to the shown window of p items only. */
    public static Arm countingWindow(int p) {
        return new Arm("counting-window-" + p, Kind.COUNTING, p);
    }

    /**
     * The same constant for every user: the most frequent likes and dislikes of the training users ({@code history}
     * -1).
     */
    public static Arm prior() {
        return new Arm(PRIOR, Kind.REFERENCE, -1);
    }

    /** The label rule (docs/TASK.md §3) applied to the shown window of p items. */
    public static Arm windowOracle(int p) {
        return new Arm("window-oracle-" + p, Kind.REFERENCE, p);
    }

    /** Whether the arm is a model trained by {@link Experiment#run}. */
    public boolean trained() {
        return kind == Kind.UEM || kind == Kind.TEXT;
    }
}
