package dev.uem.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads any MovieLens layout of docs/TASK.md §1, detected from the folder's files:
 * <ul>
 *   <li>{@code ratings.csv + movies.csv} (ml-latest-small, ml-latest, ml-20m, ml-25m, ml-32m): UTF-8 CSV;</li>
 *   <li>{@code u.data + u.item + u.genre} (ml-100k): tab- and '|'-separated, Latin-1, genre flags;</li>
 *   <li>{@code ratings.dat + movies.dat} (ml-1m, ml-10m): '::'-separated, Latin-1 tolerated.</li>
 * </ul>
 * Ratings stream from disk into primitive arrays ({@link RatingsBuilder}), so ml-25m fits in a small heap.
 */
public final class DatasetReader {
    private static final Pattern DAT_SPLIT = Pattern.compile("::");

    private DatasetReader() {}

    public static Dataset read(Path dir, ReadOptions options) {
        if (!Files.isDirectory(dir)) throw new DataFormatException(dir, 0, "not a folder");
        Dataset d;
        if (Files.isRegularFile(dir.resolve("ratings.csv")) && Files.isRegularFile(dir.resolve("movies.csv")))
            d = readCsv(dir, options);
        else if (Files.isRegularFile(dir.resolve("u.data")) && Files.isRegularFile(dir.resolve("u.item")))
            d = read100k(dir, options);
        else if (Files.isRegularFile(dir.resolve("ratings.dat")) && Files.isRegularFile(dir.resolve("movies.dat")))
            d = readDat(dir, options);
        else
            throw new DataFormatException(
                    dir,
                    0,
                    "no MovieLens layout found: expected ratings.csv + movies.csv, u.data + u.item, or "
                            + "ratings.dat + movies.dat");
        return Descriptions.attach(d, options);
    }

    // ---- ratings.csv + movies.csv -------------------------------------------------------------------------

    private static Dataset readCsv(Path dir, ReadOptions o) {
        Path moviesFile = dir.resolve("movies.csv"), ratingsFile = dir.resolve("ratings.csv");
        Map<Integer, Movie> movies = new LinkedHashMap<>();
        Set<String> genres = new LinkedHashSet<>();
        Map<String, Long> movieSkips = new LinkedHashMap<>();
        int[][] cols = new int[1][];
        TextFiles.forEachCsvRecord(moviesFile, StandardCharsets.UTF_8, rec -> {
            if (cols[0] == null) {
                cols[0] = TextFiles.columns(moviesFile, rec, "movieId", "title", "genres");
                return;
            }
            String bad = null;
            List<String> f = rec.fields();
            int id = -1;
            if (f.size() <= max(cols[0])) bad = "expected movieId,title,genres, found " + f.size() + " fields";
            else {
                try {
                    id = Integer.parseInt(f.get(cols[0][0]).trim());
                } catch (NumberFormatException e) {
                    bad = "movieId must be an integer, found '" + f.get(cols[0][0]) + "'";
                }
            }
            if (bad == null && movies.containsKey(id)) bad = "movie " + id + " is listed twice";
            if (bad != null) {
                if (!o.skipBadRows()) throw new DataFormatException(moviesFile, rec.line(), bad);
                movieSkips.merge("malformed movie row", 1L, Long::sum);
                return;
            }
            List<String> g = splitGenres(f.get(cols[0][2]));
            genres.addAll(g);
            movies.put(id, new Movie(id, f.get(cols[0][1]).trim(), g, null));
        });
        RatingsBuilder rb = new RatingsBuilder(ratingsFile, movies, 0.5, 5.0, 0.5, o.skipBadRows());
        forEachCsvRating(ratingsFile, rb::reject, rb::add);
        Dataset d = rb.build(
                "movielens-csv",
                dir,
                new ArrayList<>(genres),
                (user, movie, k) -> findLine(
                        ratingsFile, user, movie, k, sink -> forEachCsvRating(ratingsFile, (l, a, b) -> {}, sink)));
        return withExtraSkips(d, movieSkips);
    }

    private interface RatingSink {
        void row(long line, String user, String movie, String rating, String timestamp);
    }

    private interface Rejecter {
        void reject(long line, String reason, String detail);
    }

    private static void forEachCsvRating(Path file, Rejecter bad, RatingSink sink) {
        int[][] cols = new int[1][];
        TextFiles.forEachCsvRecord(file, StandardCharsets.UTF_8, rec -> {
            if (cols[0] == null) {
                cols[0] = TextFiles.columns(file, rec, "userId", "movieId", "rating", "timestamp");
                return;
            }
            List<String> f = rec.fields();
            if (f.size() <= max(cols[0])) {
                bad.reject(
                        rec.line(),
                        "malformed row",
                        "expected userId,movieId,rating,timestamp, found " + f.size() + " field(s): "
                                + String.join(",", f));
                return;
            }
            sink.row(rec.line(), f.get(cols[0][0]), f.get(cols[0][1]), f.get(cols[0][2]), f.get(cols[0][3]));
        });
    }

    // ---- ml-100k ----------------------------------------------------------------------------------------

    /** ml-100k's {@code u.genre}: {@code name|index} lines, indices in order. */
    private static List<String> genres100k(Path genreFile) {
        List<String> genreNames = new ArrayList<>();
        if (!Files.isRegularFile(genreFile))
            throw new DataFormatException(genreFile, 0, "missing: ml-100k needs u.genre for the genre names");
        forEachLine(genreFile, TextFiles.detectCharset(genreFile), (line, text) -> {
            if (text.isBlank()) return;
            String[] p = text.split("\\|");
            if (p.length != 2)
                throw new DataFormatException(genreFile, line, "expected 'name|index', found '" + text + "'");
            int idx = parseInt(genreFile, line, p[1], "genre index");
            if (idx != genreNames.size())
                throw new DataFormatException(
                        genreFile, line, "expected genre index " + genreNames.size() + ", found " + idx);
            genreNames.add(p[0]);
        });
        return genreNames;
    }

    /**
     * ml-100k's {@code u.item}: id, title, dates, url and one 0/1 flag per genre; bad rows counted in {@code skips}.
     */
    private static Map<Integer, Movie> items100k(
            Path itemFile, List<String> genreNames, ReadOptions o, Map<String, Long> skips) {
        Map<Integer, Movie> movies = new LinkedHashMap<>();
        int nGenres = genreNames.size();
        forEachLine(itemFile, TextFiles.detectCharset(itemFile), (line, text) -> {
            if (text.isBlank()) return;
            String[] p = text.split("\\|", -1);
            String bad = null;
            if (p.length != 5 + nGenres)
                bad = "expected " + (5 + nGenres) + " '|'-separated fields (id|title|date|video date|url|" + nGenres
                        + " genre flags), found " + p.length;
            List<String> g = new ArrayList<>();
            int id = -1;
            if (bad == null) {
                try {
                    id = Integer.parseInt(p[0].trim());
                    for (int k = 0; k < nGenres; k++) {
                        String flag = p[5 + k].trim();
                        if (!flag.equals("0") && !flag.equals("1"))
                            throw new NumberFormatException("genre flag '" + flag + "'");
                        if (flag.equals("1")) g.add(genreNames.get(k));
                    }
                } catch (NumberFormatException e) {
                    bad = "expected an integer id and 0/1 genre flags: " + e.getMessage();
                }
            }
            if (bad != null) {
                if (!o.skipBadRows()) throw new DataFormatException(itemFile, line, bad);
                skips.merge("malformed movie row", 1L, Long::sum);
                return;
            }
            movies.put(id, new Movie(id, p[1].trim(), g, null));
        });
        return movies;
    }

    private static Dataset read100k(Path dir, ReadOptions o) {
        Path itemFile = dir.resolve("u.item"), genreFile = dir.resolve("u.genre"), dataFile = dir.resolve("u.data");
        List<String> genreNames = genres100k(genreFile);
        Map<String, Long> skips = new LinkedHashMap<>();
        Map<Integer, Movie> movies = items100k(itemFile, genreNames, o, skips);
        RatingsBuilder rb = new RatingsBuilder(dataFile, movies, 1, 5, 1, o.skipBadRows());
        RatingsReader reader = (bad, sink) -> forEachLine(dataFile, StandardCharsets.ISO_8859_1, (line, text) -> {
            if (text.isBlank()) return;
            String[] p = text.split("\t");
            if (p.length != 4)
                bad.reject(
                        line,
                        "malformed row",
                        "expected 4 tab-separated fields (user, item, rating, timestamp), found " + p.length);
            else sink.row(line, p[0], p[1], p[2], p[3]);
        });
        reader.read(rb::reject, rb::add);
        Dataset d = rb.build(
                "movielens-100k",
                dir,
                genreNames,
                (u, m, k) -> findLine(dataFile, u, m, k, sink -> reader.read((l, a, b) -> {}, sink)));
        return withExtraSkips(d, skips);
    }

    // ---- ml-1m / ml-10m ---------------------------------------------------------------------------------

    private static Dataset readDat(Path dir, ReadOptions o) {
        Path moviesFile = dir.resolve("movies.dat"), ratingsFile = dir.resolve("ratings.dat");
        Map<Integer, Movie> movies = new LinkedHashMap<>();
        Set<String> genres = new LinkedHashSet<>();
        Map<String, Long> skips = new LinkedHashMap<>();
        forEachLine(moviesFile, TextFiles.detectCharset(moviesFile), (line, text) -> {
            if (text.isBlank()) return;
            String[] p = DAT_SPLIT.split(text, -1);
            String bad = p.length != 3 ? "expected 'MovieID::Title::Genres', found " + p.length + " field(s)" : null;
            int id = -1;
            if (bad == null) {
                try {
                    id = Integer.parseInt(p[0].trim());
                } catch (NumberFormatException e) {
                    bad = "MovieID must be an integer, found '" + p[0] + "'";
                }
            }
            if (bad != null) {
                if (!o.skipBadRows()) throw new DataFormatException(moviesFile, line, bad);
                skips.merge("malformed movie row", 1L, Long::sum);
                return;
            }
            List<String> g = splitGenres(p[2]);
            genres.addAll(g);
            movies.put(id, new Movie(id, p[1].trim(), g, null));
        });
        RatingsBuilder rb = new RatingsBuilder(ratingsFile, movies, 0.5, 5.0, 0.5, o.skipBadRows());
        RatingsReader reader = (bad, sink) -> forEachLine(ratingsFile, StandardCharsets.ISO_8859_1, (line, text) -> {
            if (text.isBlank()) return;
            String[] p = DAT_SPLIT.split(text, -1);
            if (p.length != 4)
                bad.reject(
                        line,
                        "malformed row",
                        "expected 'UserID::MovieID::Rating::Timestamp', found " + p.length + " field(s)");
            else sink.row(line, p[0], p[1], p[2], p[3]);
        });
        reader.read(rb::reject, rb::add);
        Dataset d = rb.build(
                "movielens-dat",
                dir,
                new ArrayList<>(genres),
                (u, m, k) -> findLine(ratingsFile, u, m, k, sink -> reader.read((l, a, b) -> {}, sink)));
        return withExtraSkips(d, skips);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private interface RatingsReader {
        void read(Rejecter bad, RatingSink sink);
    }

    private interface LineSink {
        void line(long number, String text);
    }

    private static void forEachLine(Path file, Charset cs, LineSink sink) {
        try (BufferedReader r = TextFiles.open(file, cs)) {
            String text;
            long n = 0;
            while ((text = r.readLine()) != null) sink.line(++n, text);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": read error: " + e.getMessage(), e);
        }
    }

    /** The line of the k-th rating of (user, movie): only called to report a duplicate. */
    private static long findLine(
            Path file, int user, int movie, int occurrence, java.util.function.Consumer<RatingSink> scan) {
        long[] found = {0};
        int[] seen = {0};
        scan.accept((line, u, m, r, t) -> {
            if (found[0] != 0) return;
            try {
                if (Integer.parseInt(u.trim()) == user
                        && Integer.parseInt(m.trim()) == movie
                        && ++seen[0] == occurrence) found[0] = line;
            } catch (NumberFormatException ignored) {
                // malformed rows were already reported or skipped
            }
        });
        return found[0];
    }

    static List<String> splitGenres(String field) {
        String s = field.trim();
        if (s.isEmpty()) return List.of();
        return Arrays.stream(s.split("\\|"))
                .map(String::trim)
                .filter(g -> !g.isEmpty())
                .distinct()
                .toList();
    }

    private static int parseInt(Path file, long line, String s, String what) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new DataFormatException(file, line, what + " must be an integer, found '" + s + "'");
        }
    }

    private static int max(int[] a) {
        return Arrays.stream(a).max().orElse(0);
    }

    private static Dataset withExtraSkips(Dataset d, Map<String, Long> extra) {
        if (extra.isEmpty()) return d;
        return d.withSkipped(extra);
    }
}
