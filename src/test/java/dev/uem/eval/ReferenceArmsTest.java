package dev.uem.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.Examples;
import dev.uem.data.LabelSpace;
import dev.uem.data.ReadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The untrained reference arms and the head's readout, each worked out by hand on a three-user dataset. */
class ReferenceArmsTest {
    @TempDir
    Path dir;

    /**
     * Movies: 1-3 Drama, 4-6 Horror, 7-9 War. User 1 rates Drama 5, Horror 1, War 4 (likes Drama, War; dislikes
     * Horror). User 2 rates Drama 1, Horror 5, War 2 (likes Horror; dislikes Drama, War). User 3 rates Drama 4, Horror
     * 2, War 5 (likes War, Drama; dislikes Horror). Each user rated in movie order (timestamps 1..9).
     */
    private Dataset dataset() throws IOException {
        StringBuilder movies = new StringBuilder("movieId,title,genres\n"),
                ratings = new StringBuilder("userId,movieId,rating,timestamp\n");
        String[] genre = {"Drama", "Horror", "War"};
        for (int m = 1; m <= 9; m++)
            movies.append(m)
                    .append(",M")
                    .append(m)
                    .append(',')
                    .append(genre[(m - 1) / 3])
                    .append('\n');
        double[][] stars = {{5, 1, 4}, {1, 5, 2}, {4, 2, 5}};
        for (int u = 1; u <= 3; u++)
            for (int m = 1; m <= 9; m++)
                ratings.append(u)
                        .append(',')
                        .append(m)
                        .append(',')
                        .append(stars[u - 1][(m - 1) / 3])
                        .append(',')
                        .append(m)
                        .append('\n');
        Files.writeString(dir.resolve("movies.csv"), movies);
        Files.writeString(dir.resolve("ratings.csv"), ratings);
        return DatasetReader.read(dir, ReadOptions.defaults());
    }

    @Test
    void priorIsTheMostFrequentTrainingLabelsForEveryone() throws IOException {
        Dataset d = dataset();
        // training users 1 and 3: likes Drama 2, War 2; dislikes Horror 2 -> constant {likes:Drama, likes:War,
        // dislikes:Horror}
        // scored on user 2 (truth {likes:Horror, dislikes:Drama, dislikes:War}): nothing right, F1 0
        List<Examples.Window> user2 = List.of(new Examples.Window(2, 0, 9));
        assertEquals(0.0, Evaluator.prior(d, new int[] {1, 3}, user2).weighted().f1(), 1e-12);
        // scored on user 1 (truth = the constant): every label right
        List<Examples.Window> user1 = List.of(new Examples.Window(1, 0, 9));
        assertEquals(1.0, Evaluator.prior(d, new int[] {1, 3}, user1).weighted().f1(), 1e-12);
    }

    @Test
    void windowOracleAppliesTheLabelRuleToTheShownItemsOnly() throws IOException {
        Dataset d = dataset();
        // user 1's window of movies 4..9 (Horror 1, War 4): predicts {likes:War, dislikes:Horror}; truth also has
        // likes:Drama. Per label: likes:War 1/1, dislikes:Horror 1/1, likes:Drama missed (F1 0), support 1 each -> 2/3
        List<Examples.Window> w = List.of(new Examples.Window(1, 3, 6));
        assertEquals(2.0 / 3.0, Evaluator.windowOracle(d, w).weighted().f1(), 1e-12);
        // the whole history as the window gives the truth itself
        assertEquals(
                1.0,
                Evaluator.windowOracle(d, List.of(new Examples.Window(1, 0, 9)))
                        .weighted()
                        .f1(),
                1e-12);
    }

    @Test
    void countingPredictsTheThreeMostFrequentGenresAsLikes() throws IOException {
        Dataset d = dataset();
        // whole history: Drama, Horror, War 3 each, ties by name -> likes {Drama, Horror, War}; truth of user 1
        // {likes:Drama, likes:War, dislikes:Horror}: two of three labels found (likes:Horror has no support: weight 0)
        List<Examples.Window> w = List.of(new Examples.Window(1, 3, 6));
        assertEquals(2.0 / 3.0, Evaluator.counting(d, w, false).weighted().f1(), 1e-12);
        // the shown window (movies 4..9: Horror, War) -> likes {Horror, War}: only likes:War of the three is right
        assertEquals(1.0 / 3.0, Evaluator.counting(d, w, true).weighted().f1(), 1e-12);
    }

    @Test
    void headReadoutTakesTheTopThreePerGroupAboveTheThreshold() throws IOException {
        Dataset d = dataset();
        LabelSpace labels = LabelSpace.of(d);
        assertEquals(
                List.of(
                        "likes:Drama",
                        "likes:Horror",
                        "likes:War",
                        "dislikes:Drama",
                        "dislikes:Horror",
                        "dislikes:War"),
                java.util.stream.IntStream.range(0, labels.size())
                        .mapToObj(labels::label)
                        .toList());
        float[] user1 = {0.9f, 0.2f, 0.6f, 0.1f, 0.7f, 0.3f}; // truth: likes Drama, War; dislikes Horror
        List<Examples.Window> w = List.of(new Examples.Window(1, 0, 9));
        assertEquals(List.of("likes:Drama", "likes:War", "dislikes:Horror"), labels.decode(user1, 0, 0.5));
        assertEquals(
                1.0,
                Evaluator.head(d, labels, w, new float[][] {user1}, 0.5)
                        .weighted()
                        .f1(),
                1e-12);
        // at 0.65 likes:War (0.6) drops: recall 2/3, precision 1 on the labels present
        assertEquals(List.of("likes:Drama", "dislikes:Horror"), labels.decode(user1, 0, 0.65));
        assertEquals(
                2.0 / 3.0,
                Evaluator.head(d, labels, w, new float[][] {user1}, 0.65)
                        .weighted()
                        .f1(),
                1e-12);
        // 0.05 … 0.55 all give F1 1 (the extra dislikes below 0.3 are labels nobody here has: weight 0 in the weighted
        // average), 0.6 and above lose likes:War; the search keeps the first best
        double t = Evaluator.bestThreshold(d, labels, w, new float[][] {user1});
        assertEquals(0.05, t, 1e-9);
        assertEquals(
                1.0,
                Evaluator.head(d, labels, w, new float[][] {user1}, 0.55)
                        .weighted()
                        .f1(),
                1e-12);
        float[] weak = {0.1f, 0.0f, 0.1f, 0.0f, 0.1f, 0.0f}; // every true label at 0.1: only 0.05 keeps them
        assertEquals(0.05, Evaluator.bestThreshold(d, labels, w, new float[][] {weak}), 1e-9);
        assertEquals(
                0.0,
                Evaluator.head(d, labels, w, new float[][] {weak}, 0.15)
                        .weighted()
                        .f1(),
                1e-12,
                "scores below the threshold say nothing");
    }

    @Test
    void multiHotRejectsAForeignLabel() throws IOException {
        LabelSpace labels = LabelSpace.of(dataset());
        float[] v = new float[labels.size()];
        labels.multiHot(List.of("likes:War", "dislikes:Drama"), v, 0);
        assertEquals(1f, v[2]);
        assertEquals(1f, v[3]);
        assertEquals(2f, v[0] + v[1] + v[2] + v[3] + v[4] + v[5]);
        assertThrows(IllegalArgumentException.class, () -> labels.multiHot(List.of("likes:Comedy"), v, 0));
    }
}
