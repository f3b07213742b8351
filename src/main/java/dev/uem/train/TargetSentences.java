package dev.uem.train;

import dev.uem.data.Dataset;
import dev.uem.data.PreferenceLabels;
import dev.uem.text.T5Tokenizer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each user's labels and target sentence token ids (docs/TASK.md §3, §4), cached: the label depends only on the user.
 */
final class TargetSentences {
    private final Dataset dataset;
    private final T5Tokenizer tokenizer;
    private final Map<Integer, long[]> cache = new ConcurrentHashMap<>();
    private final Map<Integer, PreferenceLabels> labels = new ConcurrentHashMap<>();

    TargetSentences(Dataset dataset, T5Tokenizer tokenizer) {
        this.dataset = dataset;
        this.tokenizer = tokenizer;
    }

    long[] of(int user) {
        return cache.computeIfAbsent(user, u -> tokenizer.encode(labels(u).targetSentence()));
    }

    PreferenceLabels labels(int user) {
        return labels.computeIfAbsent(user, u -> PreferenceLabels.of(dataset, u));
    }
}
