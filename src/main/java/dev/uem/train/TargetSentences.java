package dev.uem.train;

import dev.uem.data.Dataset;
import dev.uem.data.PreferenceLabels;
import dev.uem.eval.Verbalizer;
import dev.uem.text.T5Tokenizer;

import java.util.HashMap;
import java.util.Map;

/** Token ids of each user's target sentence (TASK.md §4), cached: the label depends only on the user. */
final class TargetSentences {
    private final Dataset dataset;
    private final T5Tokenizer tokenizer;
    private final Map<Integer, long[]> cache = new HashMap<>();

    TargetSentences(Dataset dataset, T5Tokenizer tokenizer) {
        this.dataset = dataset;
        this.tokenizer = tokenizer;
    }

    long[] of(int user) {
        return cache.computeIfAbsent(user, u -> tokenizer.encode(Verbalizer.target(PreferenceLabels.of(dataset, u))));
    }
}
