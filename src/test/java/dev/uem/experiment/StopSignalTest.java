package dev.uem.experiment;

import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Model;
import dev.uem.testing.TinyT5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C and SIGTERM at random moments of a real run in a child JVM (start-up, embedding, warm-up, joint steps,
 * checkpoints, evaluation): the process always ends by itself with 130 / 143 (or 0 when the run had finished),
 * never with a JVM crash; no temporary file stays behind; and the stopped run completes with {@code --resume}.
 */
class StopSignalTest {
    @TempDir
    Path tmp;

    @Test
    void signalsAtRandomMomentsStopCleanlyAndTheRunResumes() throws Exception {
        Path lm = tmp.resolve("lm");
        T5Checkpoint.save(T5Model.create(TinyT5.config(32128), 1), lm);
        Random random = new Random(12);
        int stopped = 0, tries = 8;
        for (int t = 0; t < tries; t++) {
            String signal = t % 2 == 0 ? "INT" : "TERM";
            Path run = tmp.resolve("run-" + t);
            Process p = probe(run, lm, "fresh");
            // wait for the child to be running (libtorch loaded, data read), then a random moment of its work
            String first = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
            assertEquals("started", first, "try " + t + ": the probe did not start");
            long delayMs = random.nextInt(4000);
            Thread.sleep(delayMs);
            new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "try " + t + ": the process did not stop within 120 s of SIG" + signal);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.exitValue();
            String what = "try " + t + " (SIG" + signal + " " + delayMs + " ms after start): exit " + code + ", stderr: " + err;
            assertFalse(err.contains("A fatal error has been detected") || err.contains("SIGSEGV"), what);
            assertTrue(code == 0 || code == (signal.equals("INT") ? 130 : 143), what);
            assertEquals(List.of(), leftovers(tmp), what);
            if (code != 0 && err.contains("stopped by SIG") && stopped++ < 2) {
                // the first two stopped runs continue to the end (each resume is a whole short run: two keep the test short)
                Process r = probe(run, lm, "resume");
                assertTrue(r.waitFor(180, TimeUnit.SECONDS), "try " + t + ": the resumed run did not finish");
                String rerr = new String(r.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, r.exitValue(), "try " + t + ": resume failed: " + rerr);
                assertTrue(Files.isRegularFile(run.resolve("arm.json")), "try " + t + ": resumed run wrote no arm.json");
            }
        }
        assertTrue(stopped >= tries / 2, "only " + stopped + " of " + tries + " signals arrived while the run was working");
    }

    private Process probe(Path run, Path lm, String mode) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"), StopProbe.class.getName(),
                run.toString(), lm.toString(), tmp.resolve("cache").toString(), mode);
        pb.directory(Path.of("").toAbsolutePath().toFile());
        return pb.start();
    }

    /** Temporary files and JVM crash logs anywhere under the test folder or in the working directory. */
    private static List<Path> leftovers(Path root) throws IOException {
        List<Path> bad = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(f -> f.getFileName().toString().endsWith(".tmp")).forEach(bad::add);
        }
        try (Stream<Path> s = Files.list(Path.of(""))) {
            s.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).forEach(bad::add);
        }
        return bad;
    }
}
