package dev.uem.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.ReadOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator's folders read back through the product's reader, with the sizes and the skew asked for. */
class SyntheticMovieLensTest {
    @TempDir
    Path tmp;

    @Test
    void theCsvLayoutReadsBackWithItsSizes() throws Exception {
        Path dir = tmp.resolve("ml-25m-like");
        SyntheticMovieLens.write(dir, new SyntheticMovieLens.Spec(400, 300, 30_000, "csv", 5));
        Dataset d = DatasetReader.read(dir, ReadOptions.defaults());
        assertEquals(400, d.userCount());
        assertEquals(30_000, d.ratingCount());
        assertEquals(300, d.movies().size());
        int[] perUser = Arrays.stream(d.userIds())
                .map(u -> d.history(u).size())
                .sorted()
                .toArray();
        assertTrue(perUser[0] >= 20, "every user has 20 ratings or more: " + perUser[0]);
        assertTrue(perUser[perUser.length - 1] > 4 * perUser[perUser.length / 2], "heavy users");
        Map<Integer, Integer> byMovie = new HashMap<>();
        boolean halfStars = false;
        for (int u : d.userIds())
            for (Dataset.Entry e : d.history(u)) {
                byMovie.merge(e.movieId(), 1, Integer::sum);
                assertEquals(e.rating() * 2, Math.rint(e.rating() * 2), 0.0);
                halfStars |= e.rating() != Math.rint(e.rating());
            }
        assertTrue(halfStars, "half stars occur");
        int top = byMovie.values().stream().max(Integer::compare).orElseThrow();
        assertTrue(top > 3 * 30_000 / 300, "a popular movie is rated far more than the mean: " + top);
        assertTrue(d.labelGenres().size() >= 15, "many genres: " + d.labelGenres());
        assertTrue(d.movies().values().stream().anyMatch(m -> m.genres().size() > 1), "several genres per movie");
        assertTrue(d.movies().values().stream().anyMatch(m -> m.title().contains(", The (")), "titles with commas");
    }

    @Test
    void theDatLayoutReadsBackToo() throws Exception {
        Path dir = tmp.resolve("ml-1m-like");
        SyntheticMovieLens.write(dir, new SyntheticMovieLens.Spec(50, 100, 2_000, "dat", 1));
        Dataset d = DatasetReader.read(dir, ReadOptions.defaults());
        assertEquals(50, d.userCount());
        assertEquals(2_000, d.ratingCount());
    }

    @Test
    void theSameSeedWritesTheSameBytes() throws Exception {
        SyntheticMovieLens.Spec s = new SyntheticMovieLens.Spec(60, 80, 3_000, "csv", 9);
        SyntheticMovieLens.write(tmp.resolve("a"), s);
        SyntheticMovieLens.write(tmp.resolve("b"), s);
        for (String f : new String[] {"ratings.csv", "movies.csv"}) assertArrayEquals(bytes("a", f), bytes("b", f), f);
        SyntheticMovieLens.write(tmp.resolve("c"), new SyntheticMovieLens.Spec(60, 80, 3_000, "csv", 10));
        assertTrue(!Arrays.equals(bytes("a", "ratings.csv"), bytes("c", "ratings.csv")), "another seed, other data");
    }

    private byte[] bytes(String folder, String file) throws Exception {
        return Files.readAllBytes(tmp.resolve(folder).resolve(file));
    }
}
