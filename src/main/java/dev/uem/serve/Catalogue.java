package dev.uem.serve;

import dev.uem.data.Dataset;
import dev.uem.data.Movie;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The dataset's movies for search: every word of the query in the title, the most-rated first. */
public final class Catalogue {
    /** One search hit; {@code year} is null when the title carries none. */
    public record Hit(int id, String title, Integer year, List<String> genres) {}

    /** The most hits one search returns. */
    public static final int MAX_LIMIT = 100;

    private static final Pattern YEAR = Pattern.compile("\\((\\d{4})\\)\\s*$");

    private final List<Movie> byPopularity;
    private final Map<Integer, String> lowerTitles = new HashMap<>();

    public Catalogue(Dataset d) {
        Map<Integer, Integer> ratings = new HashMap<>();
        for (int u : d.userIds()) for (Dataset.Entry e : d.history(u)) ratings.merge(e.movieId(), 1, Integer::sum);
        byPopularity = d.movies().values().stream()
                .sorted(Comparator.<Movie>comparingInt(m -> -ratings.getOrDefault(m.id(), 0))
                        .thenComparingInt(Movie::id))
                .toList();
        for (Movie m : byPopularity) lowerTitles.put(m.id(), m.title().toLowerCase(Locale.ROOT));
    }

    /** Up to {@code limit} movies whose title holds every word of {@code query} (all movies for a blank query). */
    public List<Hit> search(String query, int limit) {
        String[] words = query == null || query.isBlank()
                ? new String[0]
                : query.toLowerCase(Locale.ROOT).strip().split("\\s+");
        return byPopularity.stream()
                .filter(m -> Arrays.stream(words).allMatch(lowerTitles.get(m.id())::contains))
                .limit(limit)
                .map(Catalogue::hit)
                .toList();
    }

    static Hit hit(Movie m) {
        Matcher y = YEAR.matcher(m.title());
        Integer year = y.find() ? Integer.valueOf(y.group(1)) : null;
        return new Hit(m.id(), m.title(), year, m.genres());
    }
}
