package dev.uem.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A synthetic MovieLens folder of any size, for tests and benchmarks at the paper's scale (real ml-25m cannot be had
 * everywhere): popular movies rated far more often (Zipf), a few heavy users and many light ones (every user at least
 * 20 ratings, as MovieLens keeps), one to four genres per movie with some genres more common, titles with years,
 * half-star ratings that follow a per-movie quality and a per-user bias, increasing timestamps per user. The same
 * seed writes the same bytes. Users are written one at a time, so memory does not grow with the ratings.
 *
 * <pre>
 * java -cp target/uem.jar dev.uem.bench.SyntheticMovieLens --out DIR [--users 162541] [--movies 62423]
 *      [--ratings 25000095] [--layout csv|dat] [--seed 0]
 * </pre>
 *
 * {@code csv} is the ml-25m / ml-32m / ml-latest-small layout ({@code ratings.csv}, {@code movies.csv}); {@code dat}
 * is ml-1m's ({@code ratings.dat}, {@code movies.dat}, whole-star ratings).
 */
public final class SyntheticMovieLens {
    /** MovieLens' genres, most common first (as in ml-25m). */
    static final List<String> GENRES = List.of(
            "Drama",
            "Comedy",
            "Thriller",
            "Romance",
            "Action",
            "Horror",
            "Documentary",
            "Crime",
            "Adventure",
            "Sci-Fi",
            "Children",
            "Animation",
            "Mystery",
            "Fantasy",
            "War",
            "Western",
            "Musical",
            "Film-Noir",
            "IMAX");

    /** The folder's shape. */
    public record Spec(int users, int movies, long ratings, String layout, long seed) {
        public Spec {
            if (users < 1 || movies < 20 || ratings < 20L * users || ratings > (long) users * movies)
                throw new IllegalArgumentException("synthetic MovieLens: need users >= 1, movies >= 20 and "
                        + "20 x users <= ratings <= users x movies, found " + users + ", " + movies + ", " + ratings);
            if (!layout.equals("csv") && !layout.equals("dat"))
                throw new IllegalArgumentException("--layout: expected csv or dat, found '" + layout + "'");
        }
    }

    private SyntheticMovieLens() {}

    public static void main(String[] args) throws IOException {
        Path out = null;
        int users = 162_541, movies = 62_423;
        long ratings = 25_000_095L, seed = 0;
        String layout = "csv";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[i + 1]);
                case "--users" -> users = Integer.parseInt(args[i + 1]);
                case "--movies" -> movies = Integer.parseInt(args[i + 1]);
                case "--ratings" -> ratings = Long.parseLong(args[i + 1]);
                case "--layout" -> layout = args[i + 1];
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (out == null) throw new IllegalArgumentException("--out DIR is required");
        long t = System.nanoTime();
        write(out, new Spec(users, movies, ratings, layout, seed));
        System.out.printf(
                "wrote %s: %d users, %d movies, %d ratings in %.1f s%n",
                out, users, movies, ratings, (System.nanoTime() - t) / 1e9);
    }

    /** Writes the folder (created if missing). */
    public static void write(Path dir, Spec s) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(s.seed());
        double[] quality = writeMovies(dir, s, r);
        writeRatings(dir, s, r, quality);
    }

    /** movies.csv / movies.dat; returns each movie's mean rating (its "quality"). */
    private static double[] writeMovies(Path dir, Spec s, Random r) throws IOException {
        boolean csv = s.layout().equals("csv");
        double[] quality = new double[s.movies()];
        try (BufferedWriter w = Files.newBufferedWriter(
                dir.resolve(csv ? "movies.csv" : "movies.dat"),
                csv ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1)) {
            if (csv) w.write("movieId,title,genres\n");
            for (int m = 0; m < s.movies(); m++) {
                quality[m] = Math.max(1.0, Math.min(4.8, 3.5 + 0.6 * r.nextGaussian()));
                String title = title(m, r), genres = String.join("|", genres(r));
                if (csv) w.write((m + 1) + "," + (title.contains(",") ? "\"" + title + "\"" : title) + "," + genres);
                else w.write((m + 1) + "::" + title + "::" + genres);
                w.write('\n');
            }
        }
        return quality;
    }

    /** "Synthetic Movie 42 (1994)", every seventh with a comma, as real titles have ("Matrix, The (1999)"). */
    private static String title(int m, Random r) {
        int year = 1920 + (int) Math.min(99, Math.abs(r.nextGaussian() * 25 + 70));
        String name = "Synthetic Movie " + (m + 1);
        return (m % 7 == 3 ? name + ", The" : name) + " (" + year + ")";
    }

    /** One to four distinct genres, the common ones more often. */
    private static List<String> genres(Random r) {
        int n = 1 + Math.min(3, (int) Math.floor(-Math.log(1 - r.nextDouble()) * 1.2));
        List<String> out = new ArrayList<>();
        while (out.size() < n) {
            String g = GENRES.get(Math.min(GENRES.size() - 1, (int) Math.floor(-Math.log(1 - r.nextDouble()) * 4)));
            if (!out.contains(g)) out.add(g);
        }
        return out;
    }

    /** The users' ratings, user after user; each user's count from a heavy-tailed share of the total. */
    private static void writeRatings(Path dir, Spec s, Random r, double[] quality) throws IOException {
        boolean csv = s.layout().equals("csv");
        int[] counts = userCounts(s, r);
        double[] popularity = zipfCumulative(s.movies(), 1.0);
        boolean[] seen = new boolean[s.movies()];
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve(csv ? "ratings.csv" : "ratings.dat"))) {
            if (csv) w.write("userId,movieId,rating,timestamp\n");
            StringBuilder line = new StringBuilder(48);
            for (int u = 0; u < s.users(); u++) {
                double bias = 0.4 * r.nextGaussian();
                long time = 946_684_800L + (long) (r.nextDouble() * 600_000_000L);
                int[] picked = pick(counts[u], popularity, seen, r);
                for (int m : picked) {
                    time += 1 + (long) (-Math.log(1 - r.nextDouble()) * 3600);
                    double stars = quality[m] + bias + 0.8 * r.nextGaussian();
                    line.setLength(0);
                    if (csv)
                        line.append(u + 1)
                                .append(',')
                                .append(m + 1)
                                .append(',')
                                .append(halfStars(stars))
                                .append(',')
                                .append(time);
                    else
                        line.append(u + 1)
                                .append("::")
                                .append(m + 1)
                                .append("::")
                                .append((int) Math.round(Math.max(1, Math.min(5, stars))))
                                .append("::")
                                .append(time);
                    w.append(line).append('\n');
                }
            }
        }
    }

    private static String halfStars(double stars) {
        double h = Math.max(0.5, Math.min(5.0, Math.round(stars * 2) / 2.0));
        return h == Math.rint(h) ? (int) h + ".0" : Double.toString(h);
    }

    /** Ratings per user: 20 each, the rest shared in proportion to log-normal activity (a few heavy users). */
    static int[] userCounts(Spec s, Random r) {
        double[] activity = new double[s.users()];
        double sum = 0;
        for (int u = 0; u < activity.length; u++) sum += activity[u] = Math.exp(1.3 * r.nextGaussian());
        long extra = s.ratings() - 20L * s.users(), given = 0;
        int[] counts = new int[s.users()];
        for (int u = 0; u < counts.length; u++) {
            long share = (long) Math.floor(extra * activity[u] / sum);
            counts[u] = (int) Math.min(s.movies(), 20 + share);
            given += counts[u];
        }
        // rounding and the per-user cap leave a remainder: hand it out one rating at a time
        for (int u = 0; given < s.ratings(); u = (u + 1) % counts.length)
            if (counts[u] < s.movies()) {
                counts[u]++;
                given++;
            }
        return counts;
    }

    /** Cumulative Zipf weights over {@code n} ranks with exponent {@code a}, normalised to end at 1. */
    private static double[] zipfCumulative(int n, double a) {
        double[] c = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) c[k] = sum += 1 / Math.pow(k + 1, a);
        for (int k = 0; k < n; k++) c[k] /= sum;
        return c;
    }

    /** {@code k} distinct movies drawn by popularity (uniformly once popular ones keep repeating). */
    private static int[] pick(int k, double[] popularity, boolean[] seen, Random r) {
        int[] out = new int[k];
        int n = 0, misses = 0;
        while (n < k) {
            int m;
            if (misses < 50) {
                int at = Arrays.binarySearch(popularity, r.nextDouble());
                m = Math.min(popularity.length - 1, at >= 0 ? at : -at - 1);
            } else m = r.nextInt(popularity.length);
            if (seen[m]) {
                misses++;
                continue;
            }
            seen[m] = true;
            out[n++] = m;
        }
        for (int m : out) seen[m] = false;
        return out;
    }
}
