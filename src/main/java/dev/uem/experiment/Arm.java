package dev.uem.experiment;

/**
 * One line of the paper's comparison: a model reading the user's history as soft tokens ({@code uem-p}) or as text
 * ({@code text-p}), or the counting baseline over the whole history or the shown window ({@code counting-*}).
 */
public record Arm(String name, Kind kind, int history) {
    public enum Kind { UEM, TEXT, COUNTING }

    public Arm {
        if (history <= 0 && !name.equals(COUNTING_HISTORY)) throw new IllegalArgumentException(name + ": history must be > 0, found " + history);
    }

    static final String COUNTING_HISTORY = "counting-history";

    public static Arm uem(int p) {
        return new Arm("uem-" + p, Kind.UEM, p);
    }

    public static Arm text(int p) {
        return new Arm("text-" + p, Kind.TEXT, p);
    }

    /** The paper's counting baseline: the whole history, whatever window is shown ({@code history} is then -1). */
    public static Arm countingHistory() {
        return new Arm(COUNTING_HISTORY, Kind.COUNTING, -1);
    }

    /** The counting rule applied to the shown window of p items only. */
    public static Arm countingWindow(int p) {
        return new Arm("counting-window-" + p, Kind.COUNTING, p);
    }

    public boolean trained() {
        return kind != Kind.COUNTING;
    }
}
