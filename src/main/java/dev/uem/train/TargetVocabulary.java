package dev.uem.train;

import dev.uem.data.Dataset;
import dev.uem.data.PreferenceLabels;
import dev.uem.text.T5Tokenizer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The output grammar of the task's target sentences (docs/TASK.md §4, {@link PreferenceLabels#targetSentence}), as
 * token ids: every token a target can contain, for
 * any of the dataset's genres in any list position, plus EOS ({@link #tokens}); and the first token of each genre's
 * name ({@link #genreStarts}), since a valid target names each genre at most once (likes and dislikes are disjoint,
 * a list has no duplicates). A T5 trained from scratch scores only {@link #tokens}
 * ({@link dev.uem.model.t5.T5Model#restrictOutput}) and names each genre once when decoding
 * ({@link dev.uem.model.t5.T5Model#limitRepeats}). Built from the template and the genre names, never from users, so
 * it is the same for every split and every MovieLens folder with the same genres. {@link #genreNames} and
 * {@link #dislikesStart} place the preference head's bias when it is fused into decoding ({@code
 * dev.uem.eval.HeadFusion}),
 * {@link #separator}, {@link #likesEnd} and {@link #dislikesEnd} its say on how long each list is.
 *
 * @param dislikesStart  the token that begins {@code doesn't like}: a sentence is in its dislikes list once it was
 * emitted
 * @param genreNames     for each label genre, the tokens of its name inside a list (a name may begin with a piece it
 *                       shares with others, e.g. a bare "▁" before "Thriller" and "IMAX")
 * @param separator      the token between two genres of a list (",")
 * @param likesEnd       the token that ends the likes list (the "and" before "doesn't like")
 * @param dislikesEnd    the token that ends the dislikes list (the final ".")
 */
public record TargetVocabulary(
        long[] tokens,
        long[] genreStarts,
        long dislikesStart,
        long[][] genreNames,
        long separator,
        long likesEnd,
        long dislikesEnd,
        long none) {
    public static TargetVocabulary of(Dataset dataset, T5Tokenizer tokenizer) {
        TreeSet<Long> ids = new TreeSet<>();
        long[] none = tokenizer.encode(new PreferenceLabels(List.of(), List.of()).targetSentence());
        for (long id : none) ids.add(id);
        Map<Long, Integer> starts = new HashMap<>(); // first token of a genre name -> how many genres begin with it
        List<String> genres = dataset.labelGenres();
        long[][] names = new long[genres.size()][];
        for (int gi = 0; gi < genres.size(); gi++) names[gi] = genreName(genres.get(gi), none, tokenizer, ids, starts);
        TreeSet<Long> template = new TreeSet<>();
        for (long id : none) template.add(id);
        long[] genreStarts = starts.entrySet().stream()
                .filter(e -> e.getValue() == 1 && !template.contains(e.getKey()))
                .mapToLong(Map.Entry::getKey)
                .sorted()
                .toArray();
        long start = dislikesStart(tokenizer, none);
        int at = 0;
        while (none[at] != start) at++;
        // "likes none and doesn't like none.": the token before "doesn't" ends the likes list, the one before EOS the
        // dislikes list
        long likesEnd = none[at - 1], dislikesEnd = none[none.length - 2];
        // "likes A, A and ...": the token after the first A's name separates two genres
        String g0 = genres.get(0);
        long[] two = tokenizer.encode(new PreferenceLabels(List.of(g0, g0), List.of()).targetSentence());
        long[] one = tokenizer.encode(new PreferenceLabels(List.of(g0), List.of()).targetSentence());
        int d = 0;
        while (two[d] == one[d]) d++;
        // where the likes list begins: the first token at which a one-genre sentence and the empty one differ
        int listStart = 0;
        while (one[listStart] == none[listStart]) listStart++;
        long empty = none[listStart]; // "none" (its first piece), the same in both lists
        int k = at;
        while (k < none.length && none[k] != empty) k++;
        if (k == none.length)
            throw new IllegalStateException(
                    "the empty dislikes list is not written as the likes one: " + tokenizer.decode(none));
        return new TargetVocabulary(
                ids.stream().mapToLong(Long::longValue).toArray(),
                genreStarts,
                start,
                names,
                two[d],
                likesEnd,
                dislikesEnd,
                empty);
    }

    /**
     * A genre's name tokens as a sentence spells it; every token of the sentences that name it goes into {@code ids},
     * and its first token is counted in {@code starts}.
     */
    private static long[] genreName(
            String g, long[] none, T5Tokenizer tokenizer, TreeSet<Long> ids, Map<Long, Integer> starts) {
        // a genre first, inside and last in a list, before " and" and before "." (SentencePiece pieces depend on
        // context)
        add(ids, tokenizer, new PreferenceLabels(List.of(g, g, g), List.of(g, g, g)));
        add(ids, tokenizer, new PreferenceLabels(List.of(), List.of(g)));
        long[] alone = add(ids, tokenizer, new PreferenceLabels(List.of(g), List.of()));
        int i = 0;
        while (i < Math.min(alone.length, none.length) && alone[i] == none[i]) i++; // "The user likes" is shared
        starts.merge(alone[i], 1, Integer::sum);
        int suffix = 0; // " and doesn't like none." is shared too
        while (suffix < alone.length - i
                && suffix < none.length - i
                && alone[alone.length - 1 - suffix] == none[none.length - 1 - suffix]) suffix++;
        return java.util.Arrays.copyOfRange(alone, i, Math.max(i + 1, alone.length - suffix));
    }

    /**
     * The first token of {@code none} whose prefix decodes past "... and doesn"; the template's own wording decides.
     */
    private static long dislikesStart(T5Tokenizer tokenizer, long[] none) {
        for (int i = 1; i <= none.length; i++)
            if (tokenizer.decode(java.util.Arrays.copyOf(none, i)).contains("doesn")) return none[i - 1];
        throw new IllegalStateException("the target template has no \"doesn't like\" part: " + tokenizer.decode(none));
    }

    private static long[] add(TreeSet<Long> ids, T5Tokenizer tokenizer, PreferenceLabels labels) {
        long[] t = tokenizer.encode(labels.targetSentence());
        for (long id : t) ids.add(id);
        return t;
    }
}
