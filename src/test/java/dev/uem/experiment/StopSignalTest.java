package dev.uem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Model;
import dev.uem.testing.ChildJvm;
import dev.uem.testing.TinyT5;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C and SIGTERM in the middle of joint training of a real run in a child JVM ({@link StopProbe}: default head,
 * native kernels): each signal is sent once the run has finished its k-th joint step (k differs per try, so the stop
 * lands in a step, a checkpoint write or a validation pass); the process ends by itself with 130 / 143, never a JVM
 * crash; no temporary file stays behind; and the stopped run completes with {@code --resume}.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class StopSignalTest {
    private static final int[] JOINT_STEPS = {1, 6, 7, 13, 19, 20};

    @TempDir
    Path tmp;

    @Test
    void signalsDuringJointTrainingStopCleanlyAndTheRunResumes() throws Exception {
        Path lm = tmp.resolve("lm");
        T5Checkpoint.save(T5Model.create(TinyT5.config(32128), 1), lm);
        for (int t = 0; t < JOINT_STEPS.length; t++) {
            String signal = t % 2 == 0 ? "INT" : "TERM";
            Path run = tmp.resolve("run-" + t);
            try (ChildJvm p = probe(run, lm, "fresh", t)) {
                awaitJointSteps(run, JOINT_STEPS[t], p);
                new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
                        .inheritIO()
                        .start()
                        .waitFor();
                int code = p.waitFor(120);
                String what = "try " + t + " (SIG" + signal + " after joint step " + JOINT_STEPS[t] + "): exit " + code
                        + ", output: " + p.output();
                assertEquals(signal.equals("INT") ? 130 : 143, code, what);
                assertTrue(p.output().contains("stopped by SIG" + signal), what);
                assertEquals(List.of(), p.crashReports(), what);
                assertEquals(List.of(), leftovers(tmp), what);
            }
            if (t < 2) {
                // the first two stopped runs continue to the end (each resume is a whole short run: two keep the test
                // short)
                try (ChildJvm r = probe(run, lm, "resume", t)) {
                    assertEquals(0, r.waitFor(240), "try " + t + ": resume failed: " + r.output());
                }
                assertTrue(
                        Files.isRegularFile(run.resolve("arm.json")), "try " + t + ": resumed run wrote no arm.json");
            }
        }
    }

    /** Waits until the run's metrics hold {@code k} joint steps: the child is then inside joint step k + 1. */
    private static void awaitJointSteps(Path run, int k, ChildJvm p) throws Exception {
        Path metrics = run.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!Files.isRegularFile(metrics)
                || Files.readAllLines(metrics).stream()
                                .filter(l -> l.contains("\"stage\":\"joint\""))
                                .count()
                        < k) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "no joint step " + k + ": " + p.output());
            Thread.sleep(10);
        }
    }

    private ChildJvm probe(Path run, Path lm, String mode, int t) throws IOException {
        return ChildJvm.startClass(
                Path.of("").toAbsolutePath(),
                tmp.resolve("logs").resolve(mode + "-" + t + ".log"),
                StopProbe.class,
                List.of(run.toString(), lm.toString(), tmp.resolve("cache").toString(), mode),
                Map.of());
    }

    /** Temporary files under the test folder, or JVM crash logs in the working directory. */
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
