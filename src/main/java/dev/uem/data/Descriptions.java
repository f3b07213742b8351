package dev.uem.data;

import dev.uem.io.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Movie descriptions (plot overviews): a {@code movieId,description} CSV next to the ratings, or TMDB files
 * ({@code id,overview}) joined through {@code links.csv}'s {@code tmdbId}. With several sources, the first
 * that has a non-empty text for a movie wins.
 */
public final class Descriptions {
    public static final String FILE = "descriptions.csv";

    private Descriptions() {}

    /** Sets each movie's description from the options' sources (or {@code DIR/descriptions.csv}). */
    static Dataset attach(Dataset d, ReadOptions o) {
        List<Path> sources = o.descriptions();
        if (sources.isEmpty()) {
            Path dflt = d.dir().resolve(FILE);
            if (!Files.isRegularFile(dflt)) return d;
            sources = List.of(dflt);
        }
        Map<Integer, String> byMovie = load(d.dir(), sources);
        Map<Integer, Movie> movies = new LinkedHashMap<>();
        d.movies().forEach((id, m) -> movies.put(id, byMovie.containsKey(id) ? m.withDescription(byMovie.get(id)) : m));
        return d.withMovies(movies);
    }

    /** movieId to description from the sources in priority order. */
    public static Map<Integer, String> load(Path datasetDir, List<Path> sources) {
        Map<Integer, String> out = new TreeMap<>();
        Map<Long, List<Integer>> tmdbToMovies = null;
        for (Path src : sources) {
            if (!Files.isRegularFile(src)) throw new DataFormatException(src, 0, "description file not found");
            List<String>[] header = new List[1];
            Map<Integer, String> fromThis = new TreeMap<>();
            boolean[] tmdb = new boolean[1];
            int[][] cols = new int[1][];
            TextFiles.forEachCsvRecord(src, StandardCharsets.UTF_8, rec -> {
                if (header[0] == null) {
                    header[0] = rec.fields();
                    tmdb[0] = !header[0].contains("movieId")
                            && header[0].contains("id")
                            && header[0].contains("overview");
                    cols[0] = tmdb[0]
                            ? TextFiles.columns(src, rec, "id", "overview")
                            : TextFiles.columns(src, rec, "movieId", "description");
                    return;
                }
                List<String> f = rec.fields();
                if (f.size() <= Math.max(cols[0][0], cols[0][1]))
                    throw new DataFormatException(
                            src, rec.line(), "expected " + header[0].size() + " fields, found " + f.size());
                String text = f.get(cols[0][1]).replaceAll("\\s+", " ").trim();
                if (text.isEmpty()) return;
                try {
                    fromThis.putIfAbsent(Integer.parseInt(f.get(cols[0][0]).trim()), text);
                } catch (NumberFormatException e) {
                    throw new DataFormatException(
                            src,
                            rec.line(),
                            (tmdb[0] ? "id" : "movieId") + " must be an integer, found '" + f.get(cols[0][0]) + "'");
                }
            });
            if (tmdb[0]) {
                if (tmdbToMovies == null) tmdbToMovies = links(datasetDir.resolve("links.csv"));
                for (Map.Entry<Integer, String> e : fromThis.entrySet())
                    for (int movie : tmdbToMovies.getOrDefault((long) e.getKey(), List.of()))
                        out.putIfAbsent(movie, e.getValue());
            } else {
                fromThis.forEach(out::putIfAbsent);
            }
        }
        return out;
    }

    /** tmdbId to movieIds (a TMDB id can be linked from two MovieLens ids). */
    static Map<Long, List<Integer>> links(Path linksFile) {
        if (!Files.isRegularFile(linksFile))
            throw new DataFormatException(
                    linksFile, 0, "TMDB descriptions need links.csv (movieId,imdbId,tmdbId) to join on");
        Map<Long, List<Integer>> out = new TreeMap<>();
        int[][] cols = new int[1][];
        TextFiles.forEachCsvRecord(linksFile, StandardCharsets.UTF_8, rec -> {
            if (cols[0] == null) {
                cols[0] = TextFiles.columns(linksFile, rec, "movieId", "tmdbId");
                return;
            }
            List<String> f = rec.fields();
            String tmdb = f.size() > cols[0][1] ? f.get(cols[0][1]).trim() : "";
            if (tmdb.isEmpty()) return; // a few movies have no TMDB link
            try {
                out.computeIfAbsent(Long.parseLong(tmdb), k -> new java.util.ArrayList<>())
                        .add(Integer.parseInt(f.get(cols[0][0]).trim()));
            } catch (NumberFormatException e) {
                throw new DataFormatException(linksFile, rec.line(), "expected integer movieId and tmdbId, found " + f);
            }
        });
        return out;
    }

    /** Writes {@code movieId,description} (quoted), atomically. */
    public static void write(Path file, Map<Integer, String> descriptions) {
        StringBuilder csv = new StringBuilder("movieId,description\n");
        for (Map.Entry<Integer, String> e : new TreeMap<>(descriptions).entrySet())
            csv.append(e.getKey())
                    .append(",\"")
                    .append(e.getValue().replace("\"", "\"\""))
                    .append("\"\n");
        AtomicFiles.writeString(file, csv.toString());
    }
}
