package dev.uem.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A small real MovieLens folder cut from the bundled ml-latest-small: the {@code movies} most-rated movies and the first
 * {@code users} users (by id) with at least 20 ratings of them, so a whole {@code uem train} embeds a few hundred texts.
 */
public final class TinyMovieLens {
    public static final Path BUNDLED =
            Path.of("data", "movielens", "ml-latest-small").toAbsolutePath();

    private TinyMovieLens() {}

    /** Writes {@code ratings.csv} and {@code movies.csv} into {@code dir}; returns the user ids kept. */
    public static List<String> write(Path dir, int users, int movies) throws IOException {
        List<String> ratings = Files.readAllLines(BUNDLED.resolve("ratings.csv"));
        Map<String, Integer> count = new HashMap<>();
        for (String r : ratings.subList(1, ratings.size())) count.merge(field(r, 1), 1, Integer::sum);
        Set<String> top = count.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue()
                        .reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(movies)
                .map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        Map<String, List<String>> byUser = new LinkedHashMap<>();
        for (String r : ratings.subList(1, ratings.size()))
            if (top.contains(field(r, 1)))
                byUser.computeIfAbsent(field(r, 0), u -> new ArrayList<>()).add(r);
        List<String> kept = byUser.keySet().stream()
                .filter(u -> byUser.get(u).size() >= 20)
                .sorted(Comparator.comparingInt(Integer::parseInt))
                .limit(users)
                .toList();
        List<String> out = new ArrayList<>(List.of(ratings.get(0)));
        for (String u : kept) out.addAll(byUser.get(u));
        Files.createDirectories(dir);
        Files.write(dir.resolve("ratings.csv"), out);
        List<String> movieLines = Files.readAllLines(BUNDLED.resolve("movies.csv"));
        List<String> moviesOut = new ArrayList<>(List.of(movieLines.get(0)));
        for (String m : movieLines.subList(1, movieLines.size())) if (top.contains(field(m, 0))) moviesOut.add(m);
        Files.write(dir.resolve("movies.csv"), moviesOut);
        return kept;
    }

    private static String field(String csvLine, int index) {
        String[] f = csvLine.split(",", index + 2);
        return f[index];
    }
}
