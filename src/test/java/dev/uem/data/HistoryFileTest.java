package dev.uem.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryFileTest {
    @TempDir
    Path tmp;

    static Dataset data;

    @BeforeAll
    static void read() {
        data = DatasetReader.read(Path.of("data", "movielens", "ml-latest-small"), ReadOptions.defaults());
    }

    @Test
    void readsAndOrdersByTimestamp() throws Exception {
        Path f = tmp.resolve("h.csv");
        Files.writeString(f, "movieId,rating,timestamp\n296,5.0,300\n1,4.5,100\n\n2,1,200\n");
        List<Dataset.Entry> h = HistoryFile.read(f, data);
        assertEquals(List.of(1, 2, 296), h.stream().map(Dataset.Entry::movieId).toList());
        assertEquals(
                List.of(2, 296),
                HistoryFile.latest(h, 2).stream().map(Dataset.Entry::movieId).toList());
        assertEquals(3, HistoryFile.latest(h, 50).size());
    }

    @Test
    void badLinesNameFileAndLine() throws Exception {
        Path f = tmp.resolve("bad.csv");
        String[][] cases = {
            {"1,5\n2,x\n", ":2:", "numbers"},
            {"1,5\n999999,3\n", ":2:", "not in the dataset"},
            {"1,5.5\n", ":1:", "0.5 to 5.0"},
            {"1,4.2\n", ":1:", "steps of 0.5"},
            {"1\n", ":1:", "expected movieId,rating"},
            {"\n", "", "no ratings"}
        };
        for (String[] c : cases) {
            Files.writeString(f, c[0]);
            DataFormatException e = assertThrows(DataFormatException.class, () -> HistoryFile.read(f, data));
            assertTrue(e.getMessage().startsWith(f + c[1]) && e.getMessage().contains(c[2]), e.getMessage());
        }
    }
}
