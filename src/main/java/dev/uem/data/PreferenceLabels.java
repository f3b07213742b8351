package dev.uem.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A user's liked and disliked genres from the whole history (docs/TASK.md §3): a genre is eligible with at least 3
 * rated movies; liked if its mean rating is above 3.5, disliked below 3.0; at most 3 of each, strongest first.
 */
public record PreferenceLabels(List<String> likes, List<String> dislikes) {
    public static final int MIN_COUNT = 3, MAX_LABELS = 3;
    public static final double LIKE_ABOVE = 3.5, DISLIKE_BELOW = 3.0;

    /**
     * The target sentence (docs/TASK.md §4): {@code The user likes {L} and doesn't like {D}.}, each list in label order
     * joined by {@code ", "}, or {@code none} when empty. {@link dev.uem.eval.Verbalizer} reads such sentences back.
     */
    public String targetSentence() {
        return "The user likes " + list(likes) + " and doesn't like " + list(dislikes) + ".";
    }

    private static String list(List<String> genres) {
        return genres.isEmpty() ? "none" : String.join(", ", genres);
    }

    /** Labels as metric strings {@code likes:G} and {@code dislikes:G}. */
    public List<String> asLabels() {
        List<String> out = new ArrayList<>();
        likes.forEach(g -> out.add("likes:" + g));
        dislikes.forEach(g -> out.add("dislikes:" + g));
        return out;
    }

    /**
     * The labels of a user's whole history (docs/TASK.md §3): what every example of that user is trained and scored on.
     */
    public static PreferenceLabels of(Dataset d, int user) {
        return of(d, d.history(user));
    }

    /**
     * The same rule applied to any list of ratings: on a shown window it gives the {@code window-oracle} reference
     * (the best a model that reads only the window and knows the rule can do) and the UEM's auxiliary window targets.
     */
    public static PreferenceLabels of(Dataset d, List<Dataset.Entry> entries) {
        record Stat(String genre, int count, double mean) {}
        Map<String, int[]> counts = new HashMap<>();
        Map<String, double[]> sums = new HashMap<>();
        for (Dataset.Entry e : entries) {
            for (String g : d.movie(e.movieId()).genres()) {
                if (Dataset.NON_GENRES.contains(g)) continue;
                counts.computeIfAbsent(g, k -> new int[1])[0]++;
                sums.computeIfAbsent(g, k -> new double[1])[0] += e.rating();
            }
        }
        List<Stat> eligible = new ArrayList<>();
        counts.forEach((g, c) -> {
            if (c[0] >= MIN_COUNT) eligible.add(new Stat(g, c[0], sums.get(g)[0] / c[0]));
        });
        Comparator<Stat> byCountThenName =
                Comparator.comparingInt((Stat s) -> -s.count).thenComparing(Stat::genre);
        List<String> likes = eligible.stream()
                .filter(s -> s.mean > LIKE_ABOVE)
                .sorted(Comparator.comparingDouble((Stat s) -> -s.mean).thenComparing(byCountThenName))
                .limit(MAX_LABELS)
                .map(Stat::genre)
                .toList();
        List<String> dislikes = eligible.stream()
                .filter(s -> s.mean < DISLIKE_BELOW)
                .sorted(Comparator.comparingDouble((Stat s) -> s.mean).thenComparing(byCountThenName))
                .limit(MAX_LABELS)
                .map(Stat::genre)
                .toList();
        return new PreferenceLabels(likes, dislikes);
    }
}
