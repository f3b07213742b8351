package dev.uem.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects ratings as they stream from a file (columnar, primitive arrays) and turns them into per-user sorted
 * histories, checking docs/TASK.md §1's rules: known movie, rating on the dataset's scale, no duplicate (user, movie).
 */
final class RatingsBuilder {
    /** Re-reads the ratings file to find the line of a duplicate, which the sorted arrays no longer know. */
    interface LineFinder {
        long lineOf(int user, int movie, int occurrence);
    }

    private final Path file;
    private final Map<Integer, Movie> movies;
    private final double minRating, maxRating, step;
    private final boolean skipBad;
    private final Map<String, Long> skipped = new LinkedHashMap<>();
    private int[] users = new int[1 << 16];
    private long[] packed = new long[1 << 16];
    private int n;

    RatingsBuilder(
            Path file, Map<Integer, Movie> movies, double minRating, double maxRating, double step, boolean skipBad) {
        this.file = file;
        this.movies = movies;
        this.minRating = minRating;
        this.maxRating = maxRating;
        this.step = step;
        this.skipBad = skipBad;
    }

    /** A problem with one row: fail, or skip and count it. */
    void reject(long line, String reason, String detail) {
        if (!skipBad) throw new DataFormatException(file, line, detail);
        skipped.merge(reason, 1L, Long::sum);
    }

    void add(long line, String user, String movie, String rating, String timestamp) {
        int u, m;
        double r;
        long t;
        try {
            u = Integer.parseInt(user.trim());
            m = Integer.parseInt(movie.trim());
            r = Double.parseDouble(rating.trim());
            t = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            reject(
                    line,
                    "malformed row",
                    "expected integer user id, integer movie id, numeric rating and integer "
                            + "timestamp, found '" + user + "', '" + movie + "', '" + rating + "', '" + timestamp
                            + "'");
            return;
        }
        if (!movies.containsKey(m)) {
            reject(line, "unknown movie", "rating of movie " + m + ", which is not in the movie list");
            return;
        }
        double k = (r - minRating) / step;
        if (r < minRating || r > maxRating || Math.abs(k - Math.rint(k)) > 1e-9) {
            reject(
                    line,
                    "rating outside the scale",
                    "rating " + rating.trim() + " is not on the dataset's scale " + minRating + ".." + maxRating
                            + " in steps of " + step);
            return;
        }
        if (t < 0 || t >= 1L << 39 || m >= 1 << 20 || u < 0) {
            reject(
                    line,
                    "malformed row",
                    "ids or timestamp out of range (user " + u + ", movie " + m + ", timestamp " + t + ")");
            return;
        }
        if (n == users.length) {
            users = Arrays.copyOf(users, n * 2);
            packed = Arrays.copyOf(packed, n * 2);
        }
        users[n] = u;
        packed[n++] = Dataset.pack(t, m, r);
    }

    Dataset build(String layout, Path dir, List<String> genres, LineFinder lines) {
        // counting sort by user id, then each user's slice by (timestamp, movie)
        int[] ids = Arrays.stream(users, 0, n).distinct().sorted().toArray();
        int[] offsets = new int[ids.length + 1];
        for (int i = 0; i < n; i++) offsets[Arrays.binarySearch(ids, users[i]) + 1]++;
        for (int i = 0; i < ids.length; i++) offsets[i + 1] += offsets[i];
        long[] sorted = new long[n];
        int[] fill = Arrays.copyOf(offsets, ids.length);
        for (int i = 0; i < n; i++) sorted[fill[Arrays.binarySearch(ids, users[i])]++] = packed[i];
        users = null;
        packed = null;
        long[] kept = sorted;
        int[] keptOffsets = offsets;
        boolean dropped = false;
        int[] scratch = new int[0];
        for (int u = 0; u < ids.length; u++) {
            Arrays.sort(sorted, offsets[u], offsets[u + 1]);
            int len = offsets[u + 1] - offsets[u];
            if (scratch.length < len) scratch = new int[Math.max(len, scratch.length * 2)];
            for (int i = 0; i < len; i++) scratch[i] = Dataset.movieOf(sorted[offsets[u] + i]);
            Arrays.sort(scratch, 0, len);
            for (int i = 1; i < len; i++) {
                if (scratch[i] != scratch[i - 1]) continue;
                if (!skipBad) {
                    long line = lines.lineOf(ids[u], scratch[i], 2);
                    throw new DataFormatException(
                            file, line, "duplicate rating of movie " + scratch[i] + " by user " + ids[u]);
                }
                dropped = true;
            }
        }
        if (dropped) { // keep the earliest rating of each (user, movie)
            long[] out = new long[n];
            int[] outOffsets = new int[ids.length + 1];
            int w = 0;
            for (int u = 0; u < ids.length; u++) {
                java.util.Set<Integer> seen = new java.util.HashSet<>();
                for (int i = offsets[u]; i < offsets[u + 1]; i++) {
                    if (seen.add(Dataset.movieOf(sorted[i]))) out[w++] = sorted[i];
                    else skipped.merge("duplicate rating", 1L, Long::sum);
                }
                outOffsets[u + 1] = w;
            }
            kept = Arrays.copyOf(out, w);
            keptOffsets = outOffsets;
        }
        return new Dataset(layout, dir, movies, genres, ids, keptOffsets, kept, skipped);
    }
}
