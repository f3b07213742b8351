package dev.uem.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A new user's ratings for {@code uem predict --history FILE}: CSV lines {@code movieId,rating[,timestamp]}
 * (an optional header line starting with {@code movieId}). Movies must be in the dataset (their item
 * embeddings come from it), ratings on the dataset's 0.5-5 scale. With timestamps the history is ordered by
 * them, otherwise file order is taken as time order. Errors name the file and line.
 */
public final class HistoryFile {
    private HistoryFile() {}

    public static List<Dataset.Entry> read(Path file, Dataset d) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
        List<Dataset.Entry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            long lineNo = i + 1;
            if (line.isEmpty() || (i == 0 && line.toLowerCase().startsWith("movieid"))) continue;
            String[] f = line.split(",", -1);
            if (f.length < 2 || f.length > 3)
                throw new DataFormatException(
                        file, lineNo, "expected movieId,rating[,timestamp], found '" + line + "'");
            int movie;
            double rating;
            long ts = out.size();
            try {
                movie = Integer.parseInt(f[0].strip());
                rating = Double.parseDouble(f[1].strip());
                if (f.length == 3) ts = Long.parseLong(f[2].strip());
            } catch (NumberFormatException e) {
                throw new DataFormatException(
                        file, lineNo, "expected movieId,rating[,timestamp] as numbers, found '" + line + "'");
            }
            if (d.movie(movie) == null)
                throw new DataFormatException(file, lineNo, "movieId " + movie + " is not in the dataset " + d.dir());
            if (!onScale(rating))
                throw new DataFormatException(
                        file, lineNo, "rating must be 0.5 to 5.0 in steps of 0.5, found " + f[1].strip());
            out.add(new Dataset.Entry(movie, rating, ts));
        }
        if (out.isEmpty()) throw new DataFormatException(file, 0, "no ratings");
        out.sort(Comparator.comparingLong(Dataset.Entry::timestamp));
        return out;
    }

    /** Whether {@code rating} is on the 0.5-5 scale in half stars. */
    public static boolean onScale(double rating) {
        return rating >= 0.5 && rating <= 5.0 && Math.rint(rating * 2) == rating * 2;
    }

    /** The last {@code p} entries of a history (the most recent ones). */
    public static List<Dataset.Entry> latest(List<Dataset.Entry> history, int p) {
        return history.subList(Math.max(0, history.size() - p), history.size());
    }
}
