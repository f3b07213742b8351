package dev.uem.data;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Examples are (user, window) pairs (docs/TASK.md §5): {@code p} consecutive history entries in chronological order,
 * always including the most recent {@code p}; training users get up to {@code trainWindows} more at seeded
 * random offsets, evaluation users up to {@code evalWindows} in total. Duplicate windows are dropped.
 */
public final class Examples {
    /** Entries {@code start .. start+length-1} of the user's chronological history. */
    public record Window(int user, int start, int length) {
        /** The ratings this window shows, from {@code d}'s history of its user. */
        public List<Dataset.Entry> shown(Dataset d) {
            return d.history(user).subList(start, start + length);
        }
    }

    public static final int TRAIN_WINDOWS = 20, EVAL_WINDOWS = 5;

    private Examples() {}

    public static List<Window> windows(
            Dataset d, int[] users, int p, boolean training, int trainWindows, int evalWindows, long seed) {
        if (p <= 0) throw new IllegalArgumentException("history length p must be > 0, found " + p);
        List<Window> out = new ArrayList<>();
        for (int user : users) {
            int n = d.history(user).size();
            int len = Math.min(p, n);
            Set<Integer> starts = new LinkedHashSet<>();
            starts.add(n - len);
            int total = training ? 1 + trainWindows : evalWindows;
            // seeded per user, so a user's windows do not depend on which other users are in the list
            Random r = new Random(seed * 1_000_003L + user);
            for (int k = 1; k < total; k++) starts.add(r.nextInt(n - len + 1));
            for (int s : starts) out.add(new Window(user, s, len));
        }
        return out;
    }

    public static List<Window> windows(Dataset d, int[] users, int p, boolean training, long seed) {
        return windows(d, users, p, training, TRAIN_WINDOWS, EVAL_WINDOWS, seed);
    }
}
