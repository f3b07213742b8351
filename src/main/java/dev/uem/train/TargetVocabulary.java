package dev.uem.train;

import dev.uem.data.Dataset;
import dev.uem.data.PreferenceLabels;
import dev.uem.eval.Verbalizer;
import dev.uem.text.T5Tokenizer;

import java.util.List;
import java.util.TreeSet;

/**
 * The output vocabulary of the task: every token id that a target sentence (TASK.md §4) can contain, for any of the
 * dataset's genres in any list position, plus EOS. A T5 trained from scratch scores only these
 * ({@link dev.uem.model.t5.T5Model#restrictOutput}); it is built from the template and the genre names, never from
 * users, so it is the same for every split and every MovieLens folder with the same genres.
 */
public final class TargetVocabulary {
    private TargetVocabulary() {}

    public static long[] of(Dataset dataset, T5Tokenizer tokenizer) {
        TreeSet<Long> ids = new TreeSet<>();
        add(ids, tokenizer, new PreferenceLabels(List.of(), List.of()));
        for (String g : dataset.labelGenres()) {
            // a genre first, inside and last in a list, before " and" and before "." (SentencePiece pieces depend on context)
            add(ids, tokenizer, new PreferenceLabels(List.of(g, g, g), List.of(g, g, g)));
            add(ids, tokenizer, new PreferenceLabels(List.of(g), List.of(g)));
            add(ids, tokenizer, new PreferenceLabels(List.of(), List.of(g)));
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static void add(TreeSet<Long> ids, T5Tokenizer tokenizer, PreferenceLabels labels) {
        for (long id : tokenizer.encode(Verbalizer.target(labels))) ids.add(id);
    }
}
