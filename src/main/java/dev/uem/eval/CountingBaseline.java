package dev.uem.eval;

import dev.uem.data.Dataset;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The paper's counting baseline (docs/TASK.md §6): predict as liked the 3 most frequent genres of the history
 * (ties by name), and no dislikes. Computed over the whole history or over the shown window only.
 */
public final class CountingBaseline {
    private CountingBaseline() {}

    /** Predicted labels for {@code entries} (a whole history or a window of it). */
    public static List<String> predict(Dataset d, List<Dataset.Entry> entries) {
        Map<String, Integer> counts = new HashMap<>();
        for (Dataset.Entry e : entries)
            for (String g : d.movie(e.movieId()).genres())
                if (!Dataset.NON_GENRES.contains(g)) counts.merge(g, 1, Integer::sum);
        return counts.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, Integer> x) -> -x.getValue())
                        .thenComparing(Map.Entry::getKey))
                .limit(3)
                .map(x -> "likes:" + x.getKey())
                .toList();
    }
}
