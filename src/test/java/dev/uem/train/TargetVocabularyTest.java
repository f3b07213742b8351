package dev.uem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.ReadOptions;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.testing.TinyT5;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task's output grammar: every target's tokens are in it, each genre has one start token, and decoding obeys it. */
class TargetVocabularyTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @Test
    void everyTargetSentenceIsSpelledWithItsTokensAndGenresStartDistinctly() throws Exception {
        Files.writeString(
                tmp.resolve("movies.csv"),
                "movieId,title,genres\n1,A (1995),Sci-Fi|Film-Noir\n2,B (1995),Children|Action\n"
                        + "3,C (1995),Drama|War\n");
        Files.writeString(
                tmp.resolve("ratings.csv"), "userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,2.0,2\n1,3,5.0,3\n");
        Dataset d = DatasetReader.read(tmp, ReadOptions.defaults());
        try (T5Tokenizer tok = T5Tokenizer.bundled()) {
            TargetVocabulary v = TargetVocabulary.of(d, tok);
            Set<Long> all = new HashSet<>();
            for (long t : v.tokens()) all.add(t);
            String[] targets = {
                "The user likes War, Sci-Fi, Film-Noir and doesn't like Children, Action.",
                "The user likes none and doesn't like Drama.",
                "The user likes Action and doesn't like none."
            };
            for (String s : targets)
                for (long t : tok.encode(s)) assertTrue(all.contains(t), "token " + t + " of '" + s + "' is missing");
            assertTrue(all.contains(1L), "EOS");
            assertEquals(d.labelGenres().size(), v.genreStarts().length, Arrays.toString(v.genreStarts()));
            for (String g : d.labelGenres()) {
                long first = tok.encode(g)[0];
                assertTrue(Arrays.binarySearch(v.genreStarts(), first) >= 0, g + " starts with " + first);
            }
            for (long t : tok.encode("The user likes and doesn't like none."))
                assertTrue(Arrays.binarySearch(v.genreStarts(), t) < 0, "template token " + t);
        }
    }

    @Test
    void greedyDecodingEmitsALimitedTokenOnceAndScoresOnlyTheOutputVocabulary() {
        T5Config c = TinyT5.config(300);
        long[] vocab = {1, 5, 6, 7, 8};
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(3);
            Tensor embeds = torch.randn(6, 4, 32);
            T5Model m = T5Model.create(c, 3).restrictOutput(vocab);
            long[][] free =
                    new GreedyDecoder(m).generate(embeds, null, 8, false).sequences();
            boolean repeats = false;
            for (long[] row : free) {
                for (int i = 1; i < row.length; i++)
                    assertTrue(row[i] == 0 || Arrays.binarySearch(vocab, row[i]) >= 0, Arrays.toString(row));
                repeats |= Arrays.stream(row).filter(t -> t >= 5).count()
                        != Arrays.stream(row).filter(t -> t >= 5).distinct().count();
            }
            assertTrue(repeats, "a random LM repeats tokens when free (else this test could not fail)");
            m.limitRepeats(new long[] {5, 6, 7, 8});
            for (long[] row :
                    new GreedyDecoder(m).generate(embeds, null, 8, false).sequences()) {
                long[] limited = Arrays.stream(row).filter(t -> t >= 5).toArray();
                assertEquals(limited.length, Arrays.stream(limited).distinct().count(), Arrays.toString(row));
            }
            assertThrows(IllegalArgumentException.class, () -> m.limitRepeats(new long[] {9}));
            // labels become column indices; ignored positions stay ignored
            long[] cols = dev.uem.torch.Tensors.toLongs(
                    m.labelColumns(dev.uem.torch.Tensors.longs(new long[] {8, 1, -100}, 1, 3)));
            assertTrue(Arrays.equals(new long[] {4, 0, -100}, cols), Arrays.toString(cols));
        }
    }
}
