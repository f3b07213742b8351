package dev.uem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.testing.ChildJvm;
import dev.uem.testing.TinyMovieLens;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product as a new user meets it: the packaged {@code target/uem.jar}, started through {@code java -jar} and
 * {@code bin/uem} from a folder outside the project, every JVM with an empty JavaCPP cache (so libtorch, OpenBLAS and
 * uem's kernels are unpacked on the spot) and every run with an empty item-embedding cache (ONNX Runtime embeds the
 * texts). Runs in {@code mvn verify} after the jar is built.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class FirstRunIT {
    private static final Path JAR = Path.of("target", "uem.jar").toAbsolutePath();
    private static final Path LAUNCHER = Path.of("bin", "uem").toAbsolutePath();
    private static final Path T5_FIXTURE =
            Path.of("src", "test", "resources", "t5", "t5_original_relu").toAbsolutePath();

    @TempDir
    static Path tmp;

    static Path data;
    static List<String> users;
    static int fresh;

    @BeforeAll
    static void tinyData() throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " is built by the package phase");
        data = tmp.resolve("tiny-movielens");
        users = TinyMovieLens.write(data, 40, 120);
    }

    /** A short default run (default head and fusion weight) on the tiny data. */
    private static List<String> tinyTrain(Path out, Path cache, int steps) {
        return List.of(
                "train",
                "--data",
                data.toString(),
                "--cache",
                cache.toString(),
                "--out",
                out.toString(),
                "--history",
                "10",
                "--uem-warmup",
                String.valueOf(steps),
                "--steps",
                String.valueOf(steps),
                "--eval-every",
                String.valueOf(steps),
                "--checkpoint-every",
                "5",
                "--batch-size",
                "4");
    }

    private static Path emptyDir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name + "-" + fresh++));
    }

    /** {@code java -jar target/uem.jar args} with an empty JavaCPP cache, run in {@code work}. */
    private static ChildJvm jar(Path work, String name, List<String> args) throws IOException {
        Path javacpp = emptyDir("javacpp-cache");
        return ChildJvm.start(
                work,
                tmp.resolve("logs").resolve(name + ".log"),
                List.of("-Dorg.bytedeco.javacpp.cachedir=" + javacpp, "-jar", JAR.toString()),
                args,
                Map.of());
    }

    /** {@code bin/uem args} with an empty JavaCPP cache (through JAVA_OPTS), run in {@code work}. */
    private static ChildJvm launcher(Path work, String name, List<String> args) throws IOException {
        Path javacpp = emptyDir("javacpp-cache");
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(args);
        return ChildJvm.command(
                work,
                tmp.resolve("logs").resolve(name + ".log"),
                cmd,
                Map.of("JAVA_OPTS", "-Dorg.bytedeco.javacpp.cachedir=" + javacpp));
    }

    /** Runs to the end within {@code seconds}: exit 0, no crash report, no crash log in the working folder. */
    private static String succeeds(ChildJvm child, int seconds, Path work) throws Exception {
        try (child) {
            int code = child.waitFor(seconds);
            assertEquals(0, code, child.output());
            assertEquals(List.of(), child.crashReports(), child.output());
            assertEquals(List.of(), crashLogs(work));
            return child.output();
        }
    }

    private static List<Path> crashLogs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("hs_err"))
                    .toList();
        }
    }

    /**
     * Three first runs started together on one empty JavaCPP cache: each unpacks or waits for libtorch, loads it, the
     * kernels and ONNX Runtime, trains and evaluates. (Without the cache lock one in two such JVMs died in System.load.)
     */
    @RepeatedTest(2)
    void concurrentFirstRunsOnOneEmptyCacheAllTrain() throws Exception {
        Path javacpp = emptyDir("shared-javacpp-cache"), work = emptyDir("work");
        List<ChildJvm> runs = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++)
                runs.add(ChildJvm.start(
                        work,
                        tmp.resolve("logs").resolve(work.getFileName() + "-train-" + i + ".log"),
                        List.of("-Dorg.bytedeco.javacpp.cachedir=" + javacpp, "-jar", JAR.toString()),
                        tinyTrain(work.resolve("run-" + i), emptyDir("embeddings"), 2),
                        Map.of()));
            for (int i = 0; i < 3; i++) {
                succeeds(runs.get(i), 300, work);
                JsonNode results = new ObjectMapper()
                        .readTree(
                                work.resolve("run-" + i).resolve("results.json").toFile());
                assertTrue(results.size() > 0, "results.json of run " + i);
            }
        } finally {
            runs.forEach(ChildJvm::close);
        }
    }

    /**
     * The CLI on a run folder the product wrote, each command the first uem run on its machine: train (stopped by
     * Ctrl-C) → train --resume → predict → evaluate → export-user-embeddings, then prepare, t5-forward, kernels --check,
     * bench t5-step and sweep; from a working folder outside the project, through both java -jar and bin/uem.
     */
    @Test
    void everyCommandWorksOnItsFirstRun() throws Exception {
        Path work = emptyDir("elsewhere"), run = work.resolve("run");
        try (ChildJvm train = launcher(work, "train", tinyTrain(run, emptyDir("embeddings"), 20))) {
            Path checkpoint = run.resolve("checkpoints").resolve("step-0000025");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (Files.notExists(checkpoint) && train.isAlive() && System.nanoTime() < end) Thread.sleep(50);
            assertTrue(Files.exists(checkpoint), "no checkpoint at step 25: " + train.output());
            new ProcessBuilder("kill", "-INT", Long.toString(train.pid()))
                    .start()
                    .waitFor();
            assertEquals(130, train.waitFor(120), train.output());
            assertTrue(train.output().contains("continue with: uem train --resume"), train.output());
        }
        String resumed = succeeds(jar(work, "resume", List.of("train", "--resume", run.toString())), 300, work);
        assertTrue(resumed.matches("(?s).*resuming \\S+ from checkpoint step (2[5-9]|3[0-9]) of 40.*"), resumed);
        assertTrue(Files.isRegularFile(run.resolve("results.json")), resumed);
        assertTrue(Files.readString(run.resolve("metrics.jsonl")).contains("{\"step\":40,"), "trained to step 40");

        String predicted = succeeds(
                launcher(work, "predict", List.of("predict", "--run", run.toString(), "--user", users.get(0))),
                120,
                work);
        assertTrue(
                predicted.contains("likes:") && predicted.contains("dislikes:") && predicted.contains("truth:"),
                predicted);

        Path evaluation = work.resolve("evaluation");
        succeeds(
                jar(work, "evaluate", List.of("evaluate", "--run", run.toString(), "--out", evaluation.toString())),
                180,
                work);
        assertTrue(Files.size(evaluation.resolve("results.json")) > 0);

        Path export = work.resolve("users.safetensors");
        succeeds(
                launcher(
                        work,
                        "export",
                        List.of("export-user-embeddings", "--run", run.toString(), "--out", export.toString())),
                120,
                work);
        JsonNode header = safetensorsHeader(export);
        assertTrue(header.has("prompts") && header.has("user." + users.get(0)), header.toString());

        Path summary = work.resolve("summary.json");
        succeeds(
                jar(
                        work,
                        "prepare",
                        List.of(
                                "prepare",
                                "--data",
                                data.toString(),
                                "--cache",
                                emptyDir("embeddings").toString(),
                                "--out",
                                summary.toString())),
                180,
                work);
        assertEquals(
                users.size(),
                new ObjectMapper().readTree(summary.toFile()).path("users").asInt(),
                Files.readString(summary));

        Path forward = work.resolve("forward.json");
        String fwd = succeeds(
                launcher(
                        work,
                        "t5-forward",
                        List.of(
                                "t5-forward",
                                "--model",
                                T5_FIXTURE.toString(),
                                "--cases",
                                T5_FIXTURE.resolve("cases.json").toString(),
                                "--out",
                                forward.toString())),
                120,
                work);
        assertTrue(fwd.contains("wrote 5 cases"), fwd);

        succeeds(jar(work, "kernels", List.of("kernels", "--check")), 180, work);
        succeeds(
                launcher(
                        work,
                        "bench",
                        List.of(
                                "bench",
                                "t5-step",
                                "--config",
                                "t5-compact",
                                "--steps",
                                "1",
                                "--warmup",
                                "0",
                                "--batch",
                                "2",
                                "--enc-len",
                                "16",
                                "--dec-len",
                                "8")),
                180,
                work);

        Path sweep = work.resolve("sweep");
        List<String> args = new ArrayList<>(tinyTrain(sweep, emptyDir("embeddings"), 2));
        args.set(0, "sweep");
        args.removeAll(List.of("--history", "10"));
        args.addAll(List.of("--histories", "5", "--text-histories", "2"));
        succeeds(jar(work, "sweep", args), 300, work);
        assertTrue(Files.isRegularFile(sweep.resolve("results.json")));
    }

    /** The JSON header of a safetensors file: an 8-byte little-endian length, then the header. */
    private static JsonNode safetensorsHeader(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new ObjectMapper().readTree(new String(bytes, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8));
    }
}
