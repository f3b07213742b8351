package dev.uem.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A MovieLens dataset in memory: its movies, its genre names and every user's history (docs/TASK.md §1-2).
 *
 * <p>Ratings are stored per user as packed longs {@code timestamp << 24 | movieId << 4 | 2*rating}, sorted, so a
 * history is already in docs/TASK.md's order (timestamp ascending, ties by movie id) and ml-25m's 25M ratings take
 * 200 MB instead of 25M objects.
 */
public final class Dataset {
    /** Genre names that are never labels. */
    public static final List<String> NON_GENRES = List.of("(no genres listed)", "unknown");

    private final String layout;
    private final Path dir;
    private final Map<Integer, Movie> movies;
    private final List<String> genres;
    private final int[] users; // ascending ids
    private final int[] offsets; // users.length + 1
    private final long[] packed;
    private final Map<String, Long> skipped;

    Dataset(
            String layout,
            Path dir,
            Map<Integer, Movie> movies,
            List<String> genres,
            int[] users,
            int[] offsets,
            long[] packed,
            Map<String, Long> skipped) {
        this.layout = layout;
        this.dir = dir;
        this.movies = Collections.unmodifiableMap(movies);
        this.genres = List.copyOf(genres);
        this.users = users;
        this.offsets = offsets;
        this.packed = packed;
        this.skipped = Collections.unmodifiableMap(skipped);
    }

    static long pack(long timestamp, int movieId, double rating) {
        return timestamp << 24 | (long) movieId << 4 | Math.round(rating * 2);
    }

    static int movieOf(long p) {
        return (int) (p >>> 4) & 0xFFFFF;
    }

    static double ratingOf(long p) {
        return (p & 0xF) / 2.0;
    }

    static long timestampOf(long p) {
        return p >>> 24;
    }

    Dataset withSkipped(Map<String, Long> extra) {
        Map<String, Long> all = new java.util.LinkedHashMap<>(extra);
        skipped.forEach((k, v) -> all.merge(k, v, Long::sum));
        return new Dataset(layout, dir, movies, genres, users, offsets, packed, all);
    }

    Dataset withMovies(Map<Integer, Movie> replaced) {
        return new Dataset(layout, dir, replaced, genres, users, offsets, packed, skipped);
    }

    /** One rating of a user's history. */
    public record Entry(int movieId, double rating, long timestamp) {}

    public String layout() {
        return layout;
    }

    public Path dir() {
        return dir;
    }

    public Map<Integer, Movie> movies() {
        return movies;
    }

    public Movie movie(int id) {
        return movies.get(id);
    }

    /** The dataset's own genre names in first-seen order, non-genres included. */
    public List<String> genres() {
        return genres;
    }

    /** Genre names that can be labels (the non-genres removed). */
    public List<String> labelGenres() {
        return genres.stream().filter(g -> !NON_GENRES.contains(g)).toList();
    }

    /** User ids, ascending. */
    public int[] userIds() {
        return users.clone();
    }

    /** Whether the dataset has ratings of this user. */
    public boolean hasUser(int user) {
        return Arrays.binarySearch(users, user) >= 0;
    }

    public int userCount() {
        return users.length;
    }

    public long ratingCount() {
        return packed.length;
    }

    /** Rows skipped by reason (only with {@link ReadOptions#skipBadRows()}). */
    public Map<String, Long> skipped() {
        return skipped;
    }

    /** The user's ratings in chronological order (ties by movie id). */
    public List<Entry> history(int user) {
        int u = Arrays.binarySearch(users, user);
        if (u < 0) throw new IllegalArgumentException("unknown user " + user);
        Entry[] out = new Entry[offsets[u + 1] - offsets[u]];
        for (int i = 0; i < out.length; i++) {
            long p = packed[offsets[u] + i];
            out[i] = new Entry(movieOf(p), ratingOf(p), timestampOf(p));
        }
        return List.of(out);
    }

    /** Movie ids that at least one user rated. */
    public int[] ratedMovieIds() {
        return Arrays.stream(packed)
                .mapToInt(Dataset::movieOf)
                .distinct()
                .sorted()
                .toArray();
    }
}
