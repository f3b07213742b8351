package dev.uem.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetReaderTest {
    @TempDir
    Path dir;

    static final String MOVIES = "movieId,title,genres\r\n"
            + "1,Toy Story (1995),Adventure|Animation|Children\r\n"
            + "2,\"American President, The (1995)\",Comedy|Drama|Romance\r\n"
            + "3,\"Quote \"\"Movie\"\" (2001)\",(no genres listed)\r\n";

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    @Test
    void csvLayoutWithQuotesCrlfAndChronologicalHistories() throws IOException {
        write("movies.csv", MOVIES);
        write(
                "ratings.csv",
                "userId,movieId,rating,timestamp\r\n2,1,4.5,100\r\n1,2,3.0,50\r\n1,1,5,50\r\n1,3,0.5,10\r\n");
        Dataset d = DatasetReader.read(dir, ReadOptions.defaults());
        assertEquals("movielens-csv", d.layout());
        assertEquals(3, d.movies().size());
        assertEquals("American President, The (1995)", d.movie(2).title());
        assertEquals("Quote \"Movie\" (2001)", d.movie(3).title());
        assertEquals(List.of("(no genres listed)"), d.movie(3).genres());
        assertEquals(
                List.of("Adventure", "Animation", "Children", "Comedy", "Drama", "Romance", "(no genres listed)"),
                d.genres());
        // timestamp ascending, ties by movie id
        assertEquals(
                List.of(new Dataset.Entry(3, 0.5, 10), new Dataset.Entry(1, 5.0, 50), new Dataset.Entry(2, 3.0, 50)),
                d.history(1));
        assertEquals(2, d.userCount());
        assertEquals(4, d.ratingCount());
        assertNull(d.movie(1).description());
    }

    @Test
    void malformedRowsNameFileAndLine() throws IOException {
        write("movies.csv", MOVIES);
        write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n1,2,four,2\n");
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> DatasetReader.read(dir, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("ratings.csv:3") && e.getMessage().contains("'four'"), e.getMessage());

        write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n1,2\n");
        e = assertThrows(DataFormatException.class, () -> DatasetReader.read(dir, ReadOptions.defaults()));
        assertTrue(
                e.getMessage().contains("ratings.csv:3")
                        && e.getMessage().contains("expected userId,movieId,rating,timestamp"),
                e.getMessage());

        write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n1,99,4,2\n");
        e = assertThrows(DataFormatException.class, () -> DatasetReader.read(dir, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("ratings.csv:3") && e.getMessage().contains("movie 99"), e.getMessage());

        write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n1,2,5.5,2\n");
        e = assertThrows(DataFormatException.class, () -> DatasetReader.read(dir, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("ratings.csv:3") && e.getMessage().contains("scale"), e.getMessage());

        write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n2,1,3,5\n1,1,2,9\n");
        e = assertThrows(DataFormatException.class, () -> DatasetReader.read(dir, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("ratings.csv:4") && e.getMessage().contains("duplicate"), e.getMessage());

        write("ratings.csv", "user,movieId,rating,timestamp\n");
        e = assertThrows(DataFormatException.class, () -> DatasetReader.read(dir, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("ratings.csv:1") && e.getMessage().contains("'userId'"), e.getMessage());
    }

    @Test
    void skipFlagSkipsAndCounts() throws IOException {
        write("movies.csv", MOVIES);
        write(
                "ratings.csv",
                "userId,movieId,rating,timestamp\n1,1,4,1\n1,2,four,2\n1,99,4,3\n1,3,7,4\n1,1,2,9\n2,2,3,1\n");
        Dataset d = DatasetReader.read(dir, new ReadOptions(true, List.of()));
        assertEquals(2, d.ratingCount());
        assertEquals(1L, d.skipped().get("malformed row"));
        assertEquals(1L, d.skipped().get("unknown movie"));
        assertEquals(1L, d.skipped().get("rating outside the scale"));
        assertEquals(1L, d.skipped().get("duplicate rating"));
        assertEquals(List.of(new Dataset.Entry(1, 4.0, 1)), d.history(1), "the earliest of a duplicate pair is kept");
    }

    @Test
    void ml100kLatin1WithGenreFlags() throws IOException {
        Files.writeString(dir.resolve("u.genre"), "unknown|0\nAction|1\nChildren's|2\nSci-Fi|3\n\n");
        byte[] item =
                ("1|Cin\u00e9ma Paradiso (1988)|01-Jan-1988||http://x|0|0|1|1\n2|Heat (1995)|01-Jan-1995||http://y|0|1|0|0\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1);
        Files.write(dir.resolve("u.item"), item);
        Files.writeString(dir.resolve("u.data"), "7\t1\t5\t881250949\n7\t2\t3\t881250950\n");
        Dataset d = DatasetReader.read(dir, ReadOptions.defaults());
        assertEquals("movielens-100k", d.layout());
        assertEquals("Cin\u00e9ma Paradiso (1988)", d.movie(1).title(), "Latin-1 decoded");
        assertEquals(List.of("Children's", "Sci-Fi"), d.movie(1).genres());
        assertEquals(List.of("unknown", "Action", "Children's", "Sci-Fi"), d.genres());
        assertEquals(List.of("Action", "Children's", "Sci-Fi"), d.labelGenres());
        assertEquals(2, d.history(7).size());

        Files.writeString(dir.resolve("u.data"), "7\t1\t5\t881250949\n7\t2\t3.5\t881250950\n");
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> DatasetReader.read(dir, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("u.data:2") && e.getMessage().contains("3.5"), e.getMessage());
        Files.write(dir.resolve("u.item"), "1|A|d||u|0|0|1\n".getBytes(StandardCharsets.ISO_8859_1));
        e = assertThrows(DataFormatException.class, () -> DatasetReader.read(dir, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("u.item:1") && e.getMessage().contains("expected 9"), e.getMessage());
    }

    @Test
    void datLayoutTolerantOfLatin1() throws IOException {
        Files.write(
                dir.resolve("movies.dat"),
                "1::Am\u00e9lie (2001)::Comedy|Romance\n2::Alien (1979)::Horror|Sci-Fi\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
        Files.writeString(dir.resolve("ratings.dat"), "1::1::5::978300760\r\n1::2::3::978302109\r\n");
        Dataset d = DatasetReader.read(dir, ReadOptions.defaults());
        assertEquals("movielens-dat", d.layout());
        assertEquals("Am\u00e9lie (2001)", d.movie(1).title());
        assertEquals(
                List.of(new Dataset.Entry(1, 5.0, 978300760L), new Dataset.Entry(2, 3.0, 978302109L)), d.history(1));
        Files.writeString(dir.resolve("ratings.dat"), "1::1::5::978300760\n1::2::3\n");
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> DatasetReader.read(dir, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("ratings.dat:2"), e.getMessage());
    }

    @Test
    void descriptionsFromCsvAndFromTmdbThroughLinks() throws IOException {
        write("movies.csv", MOVIES);
        write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n");
        write("links.csv", "movieId,imdbId,tmdbId\n1,0114709,862\n2,0112346,9087\n3,1,\n");
        Path tmdb = dir.resolve("tmdb.csv");
        Files.writeString(tmdb, "id,title,overview\n862,Toy Story,\"Led by Woody,\nAndy's toys\"\n9087,X,\n");
        Path csv = dir.resolve("own.csv");
        Files.writeString(csv, "movieId,description\n2,A president falls in love.\n1,Should lose to TMDB\n");
        Dataset d = DatasetReader.read(dir, new ReadOptions(false, List.of(tmdb, csv)));
        assertEquals(
                "Led by Woody, Andy's toys",
                d.movie(1).description(),
                "multi-line quoted overview, whitespace collapsed");
        assertEquals(
                "A president falls in love.",
                d.movie(2).description(),
                "empty TMDB overview falls through to the next source");
        assertNull(d.movie(3).description());
        write("descriptions.csv", "movieId,description\n3,Default file.\n");
        assertEquals(
                "Default file.",
                DatasetReader.read(dir, ReadOptions.defaults()).movie(3).description());
    }

    @Test
    void unknownLayoutIsNamed() {
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> DatasetReader.read(dir, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("no MovieLens layout"), e.getMessage());
    }
}
