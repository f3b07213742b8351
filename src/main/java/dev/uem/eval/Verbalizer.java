package dev.uem.eval;

import dev.uem.data.Dataset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Labels to the target sentence and generated text back to labels (docs/TASK.md §4):
 * {@code The user likes War, Crime, Drama and doesn't like Horror.} Parsing never throws; text without
 * "likes" or "doesn't like" gives an empty prediction and counts as unparseable.
 */
public final class Verbalizer {
    /** Parsed labels ({@code likes:G}, {@code dislikes:G}) and whether the text had the sentence's shape. */
    public record Parsed(List<String> labels, boolean parseable) {}

    private static final String LIKES = "likes", DISLIKE_SEP = " and doesn't like", DISLIKE = "doesn't like";

    private final Map<String, String> byKey = new LinkedHashMap<>();

    /** @param genres the dataset's genre names (non-genres are ignored) */
    public Verbalizer(List<String> genres) {
        for (String g : genres) {
            if (Dataset.NON_GENRES.contains(g)) continue;
            byKey.put(key(g), g);
        }
        // the spellings MovieLens releases use for the same genre
        alias("children's", "children");
        alias("sci fi", "sci-fi");
        alias("film noir", "film-noir");
    }

    private void alias(String a, String b) {
        String ga = byKey.get(key(a)), gb = byKey.get(key(b));
        if (ga != null && gb == null) byKey.put(key(b), ga);
        if (gb != null && ga == null) byKey.put(key(a), gb);
    }

    private static String key(String s) {
        return s.toLowerCase(Locale.ROOT).trim();
    }

    public Parsed parse(String text) {
        if (text == null) return new Parsed(List.of(), false);
        String lower = text.toLowerCase(Locale.ROOT);
        int likesAt = indexOfWord(lower, LIKES);
        int dislikeAt = lower.indexOf(DISLIKE);
        if (likesAt < 0 && dislikeAt < 0) return new Parsed(List.of(), false);
        Set<String> out = new LinkedHashSet<>();
        if (likesAt >= 0) {
            int from = likesAt + LIKES.length();
            int end = lower.indexOf(DISLIKE_SEP, from);
            if (end < 0) end = dislikeAt > from ? dislikeAt : text.length();
            for (String g : genres(text.substring(from, end))) out.add("likes:" + g);
        }
        if (dislikeAt >= 0)
            for (String g : genres(text.substring(dislikeAt + DISLIKE.length()))) out.add("dislikes:" + g);
        return new Parsed(new ArrayList<>(out), true);
    }

    /** First occurrence of {@code word} as a whole word. */
    private static int indexOfWord(String s, String word) {
        for (int i = s.indexOf(word); i >= 0; i = s.indexOf(word, i + 1)) {
            boolean before = i == 0 || !Character.isLetter(s.charAt(i - 1));
            int e = i + word.length();
            boolean after = e >= s.length() || !Character.isLetter(s.charAt(e));
            if (before && after) return i;
        }
        return -1;
    }

    private List<String> genres(String segment) {
        List<String> out = new ArrayList<>();
        for (String piece : segment.split(",| and ")) {
            String p = piece.trim();
            while (p.endsWith(".")) p = p.substring(0, p.length() - 1).trim();
            String g = byKey.get(key(p));
            if (g != null && !out.contains(g)) out.add(g);
        }
        return out;
    }
}
