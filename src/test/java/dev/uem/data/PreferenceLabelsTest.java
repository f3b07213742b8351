package dev.uem.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreferenceLabelsTest {
    @TempDir
    Path dir;

    /** Movies m1..m{n} per genre; ratings given per genre as a list of stars for user 1. */
    private Dataset dataset(String... genreRatings) throws IOException {
        StringBuilder movies = new StringBuilder("movieId,title,genres\n"),
                ratings = new StringBuilder("userId,movieId,rating,timestamp\n");
        int id = 0;
        for (String gr : genreRatings) {
            String[] p = gr.split(":");
            for (String r : p[1].split(" ")) {
                id++;
                movies.append(id)
                        .append(",M")
                        .append(id)
                        .append(',')
                        .append(p[0])
                        .append('\n');
                ratings.append("1,")
                        .append(id)
                        .append(',')
                        .append(r)
                        .append(',')
                        .append(id)
                        .append('\n');
            }
        }
        Files.writeString(dir.resolve("movies.csv"), movies);
        Files.writeString(dir.resolve("ratings.csv"), ratings);
        return DatasetReader.read(dir, ReadOptions.defaults());
    }

    @Test
    void boundariesAreStrictAndCountsOfThreeAreEligible() throws IOException {
        Dataset d = dataset(
                "Drama:3.5 3.5 3.5", "War:3.5 4 3.5", "Horror:3 3 3", "Crime:2.5 3 3", "Western:5 5", "Comedy:1 1");
        PreferenceLabels l = PreferenceLabels.of(d, 1);
        assertEquals(List.of("War"), l.likes(), "avg exactly 3.5 (Drama) is not liked; 3 movies are enough (War)");
        assertEquals(
                List.of("Crime"),
                l.dislikes(),
                "avg exactly 3.0 (Horror) is not disliked; 2 movies (Comedy) not eligible");
    }

    @Test
    void orderingAndTiesAndTopThree() throws IOException {
        Dataset d = dataset(
                "A:5 5 5 5",
                "B:5 5 5",
                "C:5 5 5",
                "D:4.5 4.5 4.5",
                "E:1 1 1",
                "F:1 1 1 1",
                "G:2 2 2",
                "H:2 2 2",
                "I:1.5 1.5 1.5");
        PreferenceLabels l = PreferenceLabels.of(d, 1);
        assertEquals(List.of("A", "B", "C"), l.likes(), "avg desc, then count desc (A has 4), then name; D cut at 3");
        assertEquals(List.of("F", "E", "I"), l.dislikes(), "avg asc, then count desc, then name; G, H cut");
    }

    @Test
    void multiGenreMoviesCountForEachAndNonGenresNever() throws IOException {
        Files.writeString(
                dir.resolve("movies.csv"),
                "movieId,title,genres\n1,a,Drama|War\n2,b,Drama|War\n3,c,Drama|War\n4,d,(no genres listed)\n5,e,(no genres listed)\n6,f,(no genres listed)\n");
        Files.writeString(
                dir.resolve("ratings.csv"),
                "userId,movieId,rating,timestamp\n1,1,4,1\n1,2,4,2\n1,3,4,3\n1,4,5,4\n1,5,5,5\n1,6,5,6\n");
        PreferenceLabels l = PreferenceLabels.of(DatasetReader.read(dir, ReadOptions.defaults()), 1);
        assertEquals(List.of("Drama", "War"), l.likes());
        assertEquals(List.of(), l.dislikes());
    }

    @Test
    void emptyWhenNothingIsEligible() throws IOException {
        PreferenceLabels l = PreferenceLabels.of(dataset("Drama:5 5"), 1);
        assertEquals(List.of(), l.likes());
        assertEquals(List.of(), l.dislikes());
        assertEquals("The user likes none and doesn't like none.", l.targetSentence());
    }
}
