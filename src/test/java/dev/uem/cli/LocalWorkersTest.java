package dev.uem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --nproc}: the workers get torchrun's environment, their output comes back line by line with their rank, and a
 * failing worker fails the run naming its rank. (Training itself on two ranks: {@code DataParallelTest}.)
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // LocalWorkers stops its workers itself when one fails
class LocalWorkersTest {
    @TempDir
    Path tmp;

    @Test
    void workersRunWithRankPrefixesAndAFailureNamesTheRank() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        // every worker fails at the same point: the dataset folder is missing (the launcher does not read data itself)
        int code = LocalWorkers.run(
                2,
                List.of(
                        "train",
                        "--data",
                        tmp.resolve("no-such-data").toString(),
                        "--out",
                        tmp.resolve("run").toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String o = out.toString(StandardCharsets.UTF_8), e = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, o + e);
        assertTrue(e.contains("started 2 workers (MASTER_ADDR=127.0.0.1 MASTER_PORT="), e);
        assertTrue(e.matches("(?s).*rank [01] exited with 1; the other ranks were stopped.*"), e);
        assertTrue(
                o.lines().anyMatch(l -> l.startsWith("[rank 0] ") && l.contains("no-such-data"))
                        || o.lines().anyMatch(l -> l.startsWith("[rank 1] ") && l.contains("no-such-data")),
                o);
        assertTrue(
                o.lines().allMatch(l -> l.isBlank() || l.startsWith("[rank 0] ") || l.startsWith("[rank 1] ")),
                "every line carries its rank: " + o);
        assertTrue(Files.notExists(tmp.resolve("run").resolve("checkpoints")));
    }

    @Test
    void nprocInsideAWorkerOrOutOfRangeIsRefused() {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = Main.commandLine();
        cl.setErr(new java.io.PrintWriter(err, true));
        assertEquals(
                1, cl.execute("train", "--nproc", "0", "--out", tmp.resolve("x").toString()));
        assertTrue(err.toString().contains("--nproc: expected 1 to 256, found 0"), err.toString());
    }
}
