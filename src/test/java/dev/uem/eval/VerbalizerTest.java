package dev.uem.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.PreferenceLabels;
import dev.uem.data.ReadOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VerbalizerTest {
    static final List<String> GENRES = List.of(
            "Action", "Children", "Crime", "Drama", "Film-Noir", "Horror", "Sci-Fi", "War", "(no genres listed)");
    final Verbalizer v = new Verbalizer(GENRES);

    @Test
    void targetSentenceAndItsParse() {
        PreferenceLabels l = new PreferenceLabels(List.of("War", "Crime", "Drama"), List.of("Horror"));
        String t = l.targetSentence();
        assertEquals("The user likes War, Crime, Drama and doesn't like Horror.", t);
        assertEquals(
                List.of("likes:War", "likes:Crime", "likes:Drama", "dislikes:Horror"),
                v.parse(t).labels());
    }

    @Test
    void roundTripForEveryBundledUser() {
        Dataset d = DatasetReader.read(Path.of("data", "movielens", "ml-latest-small"), ReadOptions.defaults());
        Verbalizer vb = new Verbalizer(d.genres());
        for (int u : d.userIds()) {
            PreferenceLabels l = PreferenceLabels.of(d, u);
            Verbalizer.Parsed p = vb.parse(l.targetSentence());
            assertTrue(p.parseable());
            assertEquals(l.asLabels(), p.labels(), "user " + u);
        }
    }

    @Test
    void lenientMatchingAliasesNoneDuplicatesAndAnd() {
        assertEquals(
                List.of("likes:Sci-Fi", "likes:Film-Noir", "likes:Children", "dislikes:Action"),
                v.parse("the user LIKES sci fi, Film Noir and Children's and doesn't like action.")
                        .labels());
        assertEquals(
                List.of("dislikes:Horror"),
                v.parse("The user likes none and doesn't like Horror, Horror, Western.")
                        .labels());
        Verbalizer.Parsed none = v.parse("The user likes none and doesn't like none.");
        assertTrue(none.parseable());
        assertEquals(List.of(), none.labels());
        assertEquals(List.of("likes:War"), v.parse("The user likes War").labels(), "truncated generation still parses");
    }

    @Test
    void unparseableTextGivesEmptyPredictionNeverThrows() {
        assertFalse(v.parse("Horror Drama War").parseable());
        assertEquals(List.of(), v.parse("Horror Drama War").labels());
        assertFalse(v.parse(null).parseable());
        assertFalse(v.parse("").parseable());
        Random r = new Random(42);
        String alphabet = "likes doesn't like and , . none War Drama \u00e9\u0000\n\"'";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder s = new StringBuilder();
            int n = r.nextInt(60);
            for (int k = 0; k < n; k++)
                s.append(r.nextInt(4) == 0 ? (char) r.nextInt(0x3000) : alphabet.charAt(r.nextInt(alphabet.length())));
            Verbalizer.Parsed p = v.parse(s.toString());
            for (String l : p.labels()) assertTrue(l.startsWith("likes:") || l.startsWith("dislikes:"), l);
        }
    }
}
