package dev.uem.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SplitsAndExamplesTest {
    static final Path BUNDLED = Path.of("data", "movielens", "ml-latest-small");

    @Test
    void splitsNeverLeakOverManySeeds() {
        int[] users = IntStream.rangeClosed(1, 610).toArray();
        for (long seed = 0; seed < 200; seed++) {
            UserSplit s = UserSplit.of(users, seed);
            Set<Integer> seen = new HashSet<>();
            for (int[] part : List.of(s.train(), s.validation(), s.test()))
                for (int u : part) assertTrue(seen.add(u), "user " + u + " twice, seed " + seed);
            assertEquals(610, seen.size());
            assertEquals(488, s.train().length);
            assertEquals(61, s.validation().length);
        }
        assertTrue(
                Arrays.equals(
                        UserSplit.of(users, 3).test(), UserSplit.of(users, 3).test()),
                "seeded");
        assertFalse(Arrays.equals(
                UserSplit.of(users, 3).test(), UserSplit.of(users, 4).test()));
    }

    @Test
    void windowsFollowTheRules() {
        Dataset d = DatasetReader.read(BUNDLED, ReadOptions.defaults());
        int[] users = d.userIds();
        List<Examples.Window> train = Examples.windows(d, users, 50, true, 7);
        List<Examples.Window> eval = Examples.windows(d, users, 50, false, 7);
        for (int u : users) {
            int n = d.history(u).size();
            List<Examples.Window> tw = train.stream().filter(w -> w.user() == u).toList();
            List<Examples.Window> ew = eval.stream().filter(w -> w.user() == u).toList();
            assertEquals(
                    new Examples.Window(u, Math.max(0, n - 50), Math.min(50, n)),
                    tw.get(0),
                    "most recent window first");
            assertEquals(tw.get(0), ew.get(0));
            assertTrue(tw.size() <= 21 && ew.size() <= 5);
            assertEquals(tw.size(), new HashSet<>(tw).size(), "no duplicate windows");
            for (Examples.Window w : tw)
                assertTrue(w.start() >= 0 && w.start() + w.length() <= n && w.length() == Math.min(50, n));
            if (n <= 50) assertEquals(1, tw.size(), "short histories show everything once");
        }
        assertNotEquals(Examples.windows(d, users, 50, true, 7), Examples.windows(d, users, 50, true, 8));
        assertEquals(train, Examples.windows(d, users, 50, true, 7));
    }

    @Test
    void itemTexts() {
        Movie m = new Movie(1, "Heat (1995)", List.of("Action", "Crime"), null);
        assertEquals("The movie Heat (1995) is listed with genres Action, Crime", ItemTexts.titleAndGenres(m));
        assertEquals(
                "The movie X is listed with genres no genres",
                ItemTexts.titleAndGenres(new Movie(2, "X", List.of("(no genres listed)"), null)));
        assertEquals("The movie is rated with 4 stars", ItemTexts.rating(4.0));
        assertEquals("The movie is rated with 4.5 stars", ItemTexts.rating(4.5));
        assertEquals("The movie is rated with 0.5 stars", ItemTexts.rating(0.5));
        assertEquals("No description available.", ItemTexts.description(m));
    }
}
