package dev.uem.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.ReadOptions;
import dev.uem.experiment.Experiment;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.testing.TinyT5;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.TargetVocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The head's fusion into decoding: which logit gets what, in which part of the sentence; and the decoder's bias hook. */
class HeadFusionTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    private Dataset dataset() throws Exception {
        Files.writeString(
                tmp.resolve("movies.csv"),
                "movieId,title,genres\n1,A (1995),Sci-Fi|Film-Noir\n2,B (1995),Children|Action\n"
                        + "3,C (1995),Drama|War\n4,D (1995),Thriller|IMAX\n");
        Files.writeString(
                tmp.resolve("ratings.csv"), "userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,2.0,2\n1,3,5.0,3\n");
        return DatasetReader.read(tmp, ReadOptions.defaults());
    }

    @Test
    void eachGenreStartGetsTheHeadsLogOddsOfItsListsLabelAndTheGenresKeepTheirMass() throws Exception {
        Dataset d = dataset();
        List<String> genres = d.labelGenres();
        int g = genres.size();
        try (T5Tokenizer tok = T5Tokenizer.bundled();
                PointerScope s = new PointerScope()) {
            TargetVocabulary v = TargetVocabulary.of(d, tok);
            // the grammar knows each genre's name tokens and where the dislikes list begins
            for (int g0 = 0; g0 < g; g0++)
                assertEquals(
                        " " + genres.get(g0),
                        " " + tok.decode(v.genreNames()[g0]).strip(),
                        "name tokens of " + genres.get(g0));
            assertTrue(
                    tok.decode(new long[] {v.dislikesStart()}).startsWith("doesn"),
                    tok.decode(new long[] {v.dislikesStart()}));
            assertEquals(",", tok.decode(new long[] {v.separator()}).strip());
            assertEquals("and", tok.decode(new long[] {v.likesEnd()}).strip());
            assertEquals(".", tok.decode(new long[] {v.dislikesEnd()}).strip());
            int thriller = genres.indexOf("Thriller"), imax = genres.indexOf("IMAX");
            long shared = v.genreNames()[thriller][0];
            assertEquals(
                    shared,
                    v.genreNames()[imax][0],
                    "Thriller and IMAX begin with the same piece (else this test checks nothing)");

            T5Config c = TinyT5.config(32128);
            T5Model lm = T5Model.create(c, 1).restrictOutput(v.tokens());
            int columns = v.tokens().length;
            float[][] p = new float[2][2 * g];
            for (int l = 0; l < 2 * g; l++) {
                p[0][l] = 0.05f + 0.9f * l / (2 * g);
                p[1][l] = 0.95f - 0.9f * l / (2 * g);
            }
            double w = 6; // large: a plain added bias of up to 6 x 2.9 would beat the template token below
            java.util.function.DoubleUnaryOperator b = q -> w * Math.log(q / (1 - q));
            GreedyDecoder.StepBias bias = Experiment.headFusion(v, w, 0.5).bias(p, lm);
            // row 0 is still in its likes list, row 1 has written "doesn't", neither has named a genre yet; the LM's
            // logits are random but for one non-genre token far ahead (a template word), and Drama is blocked
            int template = (int) lm.columnOfToken(1); // EOS stands in for any non-genre token
            float[] logits = new float[2 * columns];
            java.util.Random r = new java.util.Random(5);
            for (int k = 0; k < logits.length; k++) logits[k] = (float) r.nextGaussian();
            logits[template] = logits[columns + template] = 8f;
            int drama = genres.indexOf("Drama");
            int dramaColumn = (int) lm.columnOfToken(v.genreNames()[drama][0]);
            logits[dramaColumn] = Float.NEGATIVE_INFINITY;
            long[][] seq = {{0, 100, 200}, {0, 100, v.dislikesStart()}};
            float[] out = bias.next(seq, 2, logits, columns);
            assertEquals(2 * columns, out.length);
            for (int row = 0; row < 2; row++) {
                int o = row == 1 ? g : 0, at = row * columns;
                // the head's log-odds, up to one shift per row: the shared piece gets the larger of its two genres'
                java.util.Map<Integer, Double> raw = new java.util.LinkedHashMap<>();
                for (int g0 = 0; g0 < g; g0++)
                    if (g0 != thriller && g0 != imax)
                        raw.put((int) lm.columnOfToken(v.genreNames()[g0][0]), b.applyAsDouble(p[row][o + g0]));
                raw.put(
                        (int) lm.columnOfToken(shared),
                        Math.max(b.applyAsDouble(p[row][o + thriller]), b.applyAsDouble(p[row][o + imax])));
                double shift = raw.get(dramaColumn) - out[at + dramaColumn];
                for (var e : raw.entrySet())
                    assertEquals(
                            e.getValue() - shift, out[at + e.getKey()], 1e-4, "column " + e.getKey() + ", row " + row);
                // before a list's first genre, the genre tokens and "none" together keep the LM's total probability (a
                // blocked one takes no part)
                int none = (int) lm.columnOfToken(v.none());
                double before = Math.exp(logits[at + none]), after = Math.exp(logits[at + none] + out[at + none]);
                for (int col : raw.keySet())
                    if (logits[at + col] != Float.NEGATIVE_INFINITY) {
                        before += Math.exp(logits[at + col]);
                        after += Math.exp(logits[at + col] + out[at + col]);
                    }
                assertEquals(before, after, 1e-4 * before, "row " + row);
                assertEquals(0f, out[at + template], "EOS is left alone");
                int best = 0;
                for (int col = 0; col < columns; col++)
                    if (logits[at + col] + out[at + col] > logits[at + best] + out[at + best]) best = col;
                assertEquals(template, best, "the LM's template token stays first: the head chooses among genres only");
            }
            // once a row has emitted the shared piece, of the genre tokens only the two genres' second pieces are
            // biased,
            // their mass kept (the piece counts as a named genre, so the list tokens get the how-many bias, tested
            // below)
            float[] after = bias.next(new long[][] {{0, 100, shared}, {0, 100, v.dislikesStart()}}, 2, logits, columns);
            int th = (int) lm.columnOfToken(v.genreNames()[thriller][1]),
                    im = (int) lm.columnOfToken(v.genreNames()[imax][1]);
            assertEquals(b.applyAsDouble(p[0][thriller]) - b.applyAsDouble(p[0][imax]), after[th] - after[im], 1e-4);
            assertEquals(
                    Math.exp(logits[th]) + Math.exp(logits[im]),
                    Math.exp(logits[th] + after[th]) + Math.exp(logits[im] + after[im]),
                    1e-4);
            java.util.Set<Integer> listTokens =
                    java.util.Set.of((int) lm.columnOfToken(v.separator()), (int) lm.columnOfToken(v.likesEnd()));
            for (int col = 0; col < columns; col++)
                if (col != th && col != im && !listTokens.contains(col)) assertEquals(0f, after[col], "column " + col);
            assertThrows(IllegalArgumentException.class, () -> Experiment.headFusion(v, -1, 0.5));
            assertThrows(IllegalArgumentException.class, () -> Experiment.headFusion(v, 1, 1.0));
        }
    }

    /**
     * After a list's first genre the separator and the list's end get +W / -W when the head names more genres than the
     * list has, -W / +W when not, their joint probability kept; before the first genre ("none" or a genre) nothing.
     */
    @Test
    void theHeadDecidesHowManyGenresAListGets() throws Exception {
        Dataset d = dataset();
        List<String> genres = d.labelGenres();
        int g = genres.size();
        try (T5Tokenizer tok = T5Tokenizer.bundled();
                PointerScope s = new PointerScope()) {
            TargetVocabulary v = TargetVocabulary.of(d, tok);
            T5Model lm = T5Model.create(TinyT5.config(32128), 1).restrictOutput(v.tokens());
            int columns = v.tokens().length, sep = (int) lm.columnOfToken(v.separator());
            int likesEnd = (int) lm.columnOfToken(v.likesEnd()), dislikesEnd = (int) lm.columnOfToken(v.dislikesEnd());
            float[][] p = new float[3][2 * g]; // threshold 0.5: row 0 names 2 likes, row 1 one; row 2 two dislikes
            p[0][0] = p[0][1] = 0.9f;
            p[1][0] = 0.9f;
            p[2][g] = p[2][g + 1] = 0.8f;
            for (float[] row : p) for (int l = 0; l < 2 * g; l++) if (row[l] == 0) row[l] = 0.1f;
            double w = 2;
            GreedyDecoder.StepBias bias = Experiment.headFusion(v, w, 0.5).bias(p, lm);
            long a = v.genreNames()[0][0], b = v.genreNames()[1][0];
            long[][] seq = {{0, 100, a, 100}, {0, 100, a, 100}, {0, 100, v.dislikesStart(), b}
            }; // the decoder's rows are long enough
            float[] logits = new float[3 * columns];
            java.util.Random r = new java.util.Random(9);
            for (int k = 0; k < logits.length; k++) logits[k] = (float) r.nextGaussian();
            float[] out = bias.next(seq, 2, logits, columns);
            float[] out3 = bias.next(seq, 3, logits, columns);
            assertEquals(2 * w, out[sep] - out[likesEnd], 1e-4, "row 0: one genre named, the head names two: go on");
            assertEquals(
                    -2 * w,
                    out[columns + sep] - out[columns + likesEnd],
                    1e-4,
                    "row 1: the head names one: end the list");
            assertEquals(
                    2 * w,
                    out3[2 * columns + sep] - out3[2 * columns + dislikesEnd],
                    1e-4,
                    "row 2, in its dislikes list: go on");
            for (int[] rowEnd : new int[][] {{0, likesEnd}, {1, likesEnd}}) {
                int at = rowEnd[0] * columns;
                assertEquals(
                        Math.exp(logits[at + sep]) + Math.exp(logits[at + rowEnd[1]]),
                        Math.exp(logits[at + sep] + out[at + sep])
                                + Math.exp(logits[at + rowEnd[1]] + out[at + rowEnd[1]]),
                        1e-4,
                        "mass kept");
            }
            float[] before = bias.next(
                    new long[][] {{0, 100, 200}, {0, 100, 200}, {0, 100, v.dislikesStart()}}, 2, logits, columns);
            for (int row = 0; row < 3; row++) {
                assertEquals(0f, before[row * columns + sep], "no genre named yet: the LM's choice");
                assertEquals(0f, before[row * columns + likesEnd]);
                assertEquals(0f, before[row * columns + dislikesEnd]);
            }
        }
    }

    /**
     * Before a list's first genre, the genres together against "none": their probability ratio moves by e^(2W) toward
     * the genres when the head names one for that list, toward "none" when it names none; the pair keeps its joint
     * probability, and after the first genre "none" is left alone.
     */
    @Test
    void theHeadDecidesWhetherAListIsEmpty() throws Exception {
        Dataset d = dataset();
        int g = d.labelGenres().size();
        try (T5Tokenizer tok = T5Tokenizer.bundled();
                PointerScope s = new PointerScope()) {
            TargetVocabulary v = TargetVocabulary.of(d, tok);
            assertEquals("none", tok.decode(new long[] {v.none()}).strip());
            T5Model lm = T5Model.create(TinyT5.config(32128), 1).restrictOutput(v.tokens());
            int columns = v.tokens().length, none = (int) lm.columnOfToken(v.none());
            java.util.Set<Integer> genreColumns = new java.util.TreeSet<>();
            for (long[] name : v.genreNames()) genreColumns.add((int) lm.columnOfToken(name[0]));
            float[][] p =
                    new float[2][2 * g]; // threshold 0.5: row 0 names one like and no dislike, row 1 nothing at all
            for (float[] row : p) java.util.Arrays.fill(row, 0.2f);
            p[0][1] = 0.9f;
            double w = 1.5;
            GreedyDecoder.StepBias bias = Experiment.headFusion(v, w, 0.5).bias(p, lm);
            float[] logits = new float[2 * columns];
            java.util.Random r = new java.util.Random(11);
            for (int k = 0; k < logits.length; k++) logits[k] = (float) r.nextGaussian();
            long[][] likes = {{0, 100, 200}, {0, 100, 200}},
                    dislikes = {{0, 100, v.dislikesStart()}, {0, 100, v.dislikesStart()}};
            double[][] expected = {{2 * w, -2 * w}, {-2 * w, -2 * w}
            }; // [row][list]: log of the genres-to-none ratio's change
            for (int list = 0; list < 2; list++) {
                float[] out = bias.next(list == 0 ? likes : dislikes, 2, logits, columns);
                for (int row = 0; row < 2; row++) {
                    int at = row * columns;
                    double genres = 0, genresAfter = 0;
                    for (int c : genreColumns) {
                        genres += Math.exp(logits[at + c]);
                        genresAfter += Math.exp(logits[at + c] + out[at + c]);
                    }
                    double empty = Math.exp(logits[at + none]),
                            emptyAfter = Math.exp(logits[at + none] + out[at + none]);
                    assertEquals(
                            expected[row][list],
                            Math.log(genresAfter / emptyAfter) - Math.log(genres / empty),
                            1e-4,
                            "row " + row + ", list " + list);
                    assertEquals(
                            genres + empty, genresAfter + emptyAfter, 1e-4 * (genres + empty), "mass kept, row " + row);
                }
            }
            float[] named = bias.next(
                    new long[][] {{0, 100, v.genreNames()[1][0]}, {0, 100, v.genreNames()[1][0]}}, 2, logits, columns);
            assertEquals(0f, named[none], "after the first genre \"none\" is the LM's");
        }
    }

    @Test
    void theDecoderAddsTheBiasAtEveryStep() {
        T5Config c = TinyT5.config(300);
        long[] vocab = {1, 5, 6, 7, 8};
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(3);
            Tensor embeds = torch.randn(3, 4, 32);
            T5Model m = T5Model.create(c, 3).restrictOutput(vocab);
            long[][] free =
                    new GreedyDecoder(m).generate(embeds, null, 5, false).sequences();
            assertTrue(
                    Arrays.stream(free)
                            .anyMatch(r -> Arrays.stream(r, 1, r.length).anyMatch(x -> x != 7)),
                    "the free model writes more than token 7");
            // a large bias on token 7's column (3), from step 2 on: the first token is the model's own, the rest are 7
            GreedyDecoder.StepBias bias = (seq, n, logits, v) -> {
                float[] b = new float[seq.length * v];
                if (n >= 1) for (int r = 0; r < seq.length; r++) b[r * v + 3] = 1e4f;
                return b;
            };
            long[][] forced =
                    new GreedyDecoder(m).generate(embeds, null, 5, false, bias).sequences();
            for (int r = 0; r < forced.length; r++) {
                assertEquals(free[r][1], forced[r][1], "step 1 has no bias");
                if (forced[r][1] == 1) continue; // finished at once: pads follow
                for (int i = 2; i < forced[r].length; i++) assertEquals(7, forced[r][i], Arrays.toString(forced[r]));
            }
        }
    }

    @Test
    void theReadoutIsTheMeanOfTheWholeHistoryAndTheWindowOutputs() {
        try (PointerScope s = new PointerScope()) {
            Tensor p = Tensors.floats(new float[] {0.2f, 0.8f, 0.6f, 0.0f, /* row 2 */ 1f, 1f, 0f, 0.5f}, 2, 2, 2);
            float[][] r = Evaluator.readout(p);
            assertArrayEquals(new float[] {0.4f, 0.4f}, r[0], 1e-6f);
            assertArrayEquals(new float[] {0.5f, 0.75f}, r[1], 1e-6f);
        }
    }
}
