package dev.uem.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dataset's label strings in a fixed order, {@code likes:G} for every label genre then {@code dislikes:G}
 * (TASK.md §7), as multi-hot vectors: the targets of the UEM's preference head and the way its scores are read back.
 */
public final class LabelSpace {
    private final List<String> labels = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();
    private final int genres;

    public LabelSpace(List<String> labelGenres) {
        for (String kind : new String[] {"likes:", "dislikes:"})
            for (String g : labelGenres) {
                index.put(kind + g, labels.size());
                labels.add(kind + g);
            }
        genres = labelGenres.size();
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

    /** Writes the multi-hot vector of {@code labels} into {@code out} at {@code offset} (unknown labels are an error). */
    public void multiHot(List<String> present, float[] out, int offset) {
        Arrays.fill(out, offset, offset + size(), 0f);
        for (String l : present) {
            Integer i = index.get(l);
            if (i == null) throw new IllegalArgumentException("label '" + l + "' is not one of the dataset's " + size() + " labels");
            out[offset + i] = 1f;
        }
    }

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
