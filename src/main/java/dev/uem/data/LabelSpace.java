package dev.uem.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dataset's label strings in a fixed order, {@code likes:G} for every label genre then {@code dislikes:G}
 * (docs/TASK.md §7), as multi-hot vectors: the targets of the UEM's preference head and the way its scores are read
 * back.
 */
public final class LabelSpace {
    private final List<String> labels = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();
    private final int genres;
    private final Map<String, Integer> genreIndex = new HashMap<>();

    public LabelSpace(List<String> labelGenres) {
        for (String kind : new String[] {"likes:", "dislikes:"})
            for (String g : labelGenres) {
                index.put(kind + g, labels.size());
                labels.add(kind + g);
            }
        genres = labelGenres.size();
        for (int g = 0; g < genres; g++) genreIndex.put(labelGenres.get(g), g);
    }

    public static LabelSpace of(Dataset d) {
        return new LabelSpace(d.labelGenres());
    }

    /** Number of labels: twice the label genres. */
    public int size() {
        return labels.size();
    }

    public String label(int i) {
        return labels.get(i);
    }

    /**
     * Writes the multi-hot vector of {@code labels} into {@code out} at {@code offset} (unknown labels are an error).
     */
    public void multiHot(List<String> present, float[] out, int offset) {
        Arrays.fill(out, offset, offset + size(), 0f);
        for (String l : present) {
            Integer i = index.get(l);
            if (i == null)
                throw new IllegalArgumentException(
                        "label '" + l + "' is not one of the dataset's " + size() + " labels");
            out[offset + i] = 1f;
        }
    }

    /** Width of {@link #windowStats}: three numbers per label genre. */
    public int statsWidth() {
        return 3 * genres;
    }

    /**
     * What the label rule is computed from, per label genre, over some ratings (a shown window): the share of the
     * items listing the genre times 5, the genre's mean rating minus 3.25 (the middle of the like/dislike thresholds;
     * 0 when no item lists it), and 1 where at least one item lists it. Targets of the preference head that make the
     * UEM count and average per genre explicitly; written into {@code out} at {@code offset}, {@link #statsWidth} wide.
     */
    public void windowStats(Dataset d, List<Dataset.Entry> entries, float[] out, int offset) {
        double[] count = new double[genres], sum = new double[genres];
        for (Dataset.Entry e : entries)
            for (String g : d.movie(e.movieId()).genres()) {
                Integer i = genreIndex.get(g);
                if (i == null) continue; // a non-genre
                count[i]++;
                sum[i] += e.rating();
            }
        for (int g = 0; g < genres; g++) {
            out[offset + g] = (float) (5.0 * count[g] / Math.max(1, entries.size()));
            out[offset + genres + g] = count[g] > 0 ? (float) (sum[g] / count[g] - STATS_CENTRE) : 0f;
            out[offset + 2 * genres + g] = count[g] > 0 ? 1f : 0f;
        }
    }

    static final double STATS_CENTRE = (PreferenceLabels.LIKE_ABOVE + PreferenceLabels.DISLIKE_BELOW) / 2;

    /**
     * Reads scores back into labels the way the target sentence is built: per group (likes, dislikes) the
     * {@value PreferenceLabels#MAX_LABELS} highest scores that exceed {@code threshold}, strongest first.
     */
    public List<String> decode(float[] scores, int offset, double threshold) {
        List<String> out = new ArrayList<>();
        for (int group = 0; group < 2; group++) {
            Integer[] order = new Integer[genres];
            for (int g = 0; g < genres; g++) order[g] = group * genres + g;
            Arrays.sort(order, (a, b) -> Float.compare(scores[offset + b], scores[offset + a]));
            for (int r = 0; r < Math.min(PreferenceLabels.MAX_LABELS, genres); r++)
                if (scores[offset + order[r]] > threshold) out.add(labels.get(order[r]));
        }
        return out;
    }
}
