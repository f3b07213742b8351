package dev.uem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Model;
import dev.uem.testing.ChildJvm;
import dev.uem.testing.RunFiles;
import dev.uem.testing.TinyT5;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.WorkerEnv;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training on Gloo, two worker processes on 127.0.0.1 ({@link ParallelProbe}): two ranks with batch b
 * train exactly like one process with batch 2b (dropout 0); a killed rank makes the other exit naming it; a bad
 * worker environment is one clear error.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class DataParallelTest {
    @TempDir
    static Path tmp;

    static Path lm;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
        lm = tmp.resolve("lm");
        T5Checkpoint.save(T5Model.create(TinyT5.config(32128), 1), lm);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static ChildJvm start(Path dir, int batch, int steps, int world, int rank, int port) throws IOException {
        Map<String, String> env = new HashMap<>(Map.of("UEM_TORCH_THREADS", "1", "OPENBLAS_NUM_THREADS", "1"));
        if (world > 1)
            env.putAll(Map.of(
                    "WORLD_SIZE",
                    String.valueOf(world),
                    "RANK",
                    String.valueOf(rank),
                    "LOCAL_RANK",
                    String.valueOf(rank),
                    "MASTER_ADDR",
                    "127.0.0.1",
                    "MASTER_PORT",
                    String.valueOf(port)));
        return ChildJvm.startClass(
                Path.of("").toAbsolutePath(),
                logFile(dir, rank),
                ParallelProbe.class,
                List.of(
                        dir.toString(),
                        lm.toString(),
                        tmp.resolve("cache").toString(),
                        String.valueOf(batch),
                        String.valueOf(steps),
                        "fresh"),
                env);
    }

    /** Workers' output, kept in target/ so a failure can be read after the temporary folder is gone. */
    private static Path logFile(Path dir, int rank) throws IOException {
        Path logs = Files.createDirectories(Path.of("target", "data-parallel-test"));
        return logs.resolve(dir.getFileName() + "-rank" + rank + ".log");
    }

    private static String log(Path dir, int rank) {
        try {
            return Files.readString(logFile(dir, rank), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Test
    void twoRanksWithBatchBTrainLikeOneProcessWithBatch2B() throws Exception {
        int steps = 5, port = freePort();
        Path one = tmp.resolve("one"), two = tmp.resolve("two");
        try (ChildJvm single = start(one, 8, steps, 1, 0, 0)) {
            assertEquals(0, single.waitFor(180), single::output);
        }
        try (ChildJvm r0 = start(two, 4, steps, 2, 0, port);
                ChildJvm r1 = start(two, 4, steps, 2, 1, port)) {
            assertEquals(0, r0.waitFor(180), r0::output);
            assertEquals(0, r1.waitFor(60), r1::output);
        }

        List<Double> a = RunFiles.losses(one), b = RunFiles.losses(two);
        assertEquals(steps + 2, a.size(), "2 warm-up + 5 joint steps");
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++)
            assertEquals(
                    a.get(i), b.get(i), 1e-6 * Math.abs(a.get(i)), "loss at step " + (i + 1) + ": " + a + " vs " + b);
        String last = String.format("checkpoints/step-%07d/model.safetensors", steps + 2);
        try (PointerScope s = new PointerScope();
                SafetensorsFile pa = SafetensorsFile.open(one.resolve(last));
                SafetensorsFile pb = SafetensorsFile.open(two.resolve(last))) {
            assertEquals(pa.names(), pb.names());
            double worst = 0;
            for (String k : pa.names()) {
                float[] x = Tensors.toFloats(pa.read(k)), y = Tensors.toFloats(pb.read(k));
                for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
            }
            assertTrue(worst < 1e-4, "largest parameter difference after " + (steps + 2) + " steps: " + worst);
        }
        // evaluation is sharded over the ranks and gathered on rank 0 in order: the same windows as one process decodes
        ObjectMapper json = new ObjectMapper();
        List<String> windowsOne = new ArrayList<>(), windowsTwo = new ArrayList<>();
        for (String l : Files.readAllLines(one.resolve("predictions.jsonl")))
            windowsOne.add(json.readTree(l).get("user") + "/" + json.readTree(l).get("window_start"));
        for (String l : Files.readAllLines(two.resolve("predictions.jsonl")))
            windowsTwo.add(json.readTree(l).get("user") + "/" + json.readTree(l).get("window_start"));
        assertTrue(windowsOne.size() > 10);
        assertEquals(windowsOne, windowsTwo);
        // rank 1 wrote nothing of its own: one metrics file, one set of results, from rank 0
        assertTrue(Files.isRegularFile(two.resolve("arm.json")) && log(two, 1).contains("rank 1 joined"), log(two, 1));
        assertTrue(
                Files.readAllLines(two.resolve("metrics.jsonl")).get(steps + 1).contains("allreduce_s"));
    }

    @Test
    void aKilledRankMakesTheOtherExitNamingIt() throws Exception {
        int port = freePort();
        Path dir = tmp.resolve("killed");
        try (ChildJvm r0 = start(dir, 4, 400, 2, 0, port);
                ChildJvm r1 = start(dir, 4, 400, 2, 1, port)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.isRegularFile(dir.resolve("metrics.jsonl"))
                    || Files.readAllLines(dir.resolve("metrics.jsonl")).size() < 4) {
                assertTrue(System.nanoTime() < deadline && r0.isAlive(), r0::output);
                Thread.sleep(100);
            }
            r1.close(); // kill -9
            assertNotEquals(0, r0.waitFor(60), "rank 0 exits with an error");
            assertTrue(r0.output().contains("lost rank 1"), r0::output);
        }
        assertTrue(
                Files.list(dir.resolve("checkpoints"))
                        .anyMatch(p -> !p.getFileName().toString().endsWith(".tmp")),
                "the last complete checkpoint stays");
    }

    @Test
    void aBadWorkerEnvironmentIsOneClearError() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> WorkerEnv.from(Map.of("WORLD_SIZE", "2", "RANK", "0", "MASTER_ADDR", "127.0.0.1")));
        assertTrue(e.getMessage().contains("MASTER_PORT is not set"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> WorkerEnv.from(
                        Map.of("WORLD_SIZE", "2", "RANK", "2", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "29500")));
        assertTrue(e.getMessage().contains("RANK must be in [0, WORLD_SIZE) = [0, 2), found 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WorkerEnv.from(Map.of("WORLD_SIZE", "two")));
        assertTrue(e.getMessage().contains("WORLD_SIZE must be an integer, found 'two'"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> WorkerEnv.from(
                        Map.of("WORLD_SIZE", "2", "RANK", "1", "MASTER_ADDR", "h", "MASTER_PORT", "70000")));
        assertTrue(e.getMessage().contains("MASTER_PORT must be a TCP port"), e.getMessage());
        assertEquals(WorkerEnv.SINGLE, WorkerEnv.from(Map.of()));
        WorkerEnv w = WorkerEnv.from(Map.of(
                "WORLD_SIZE", "4", "RANK", "3", "LOCAL_RANK", "1", "MASTER_ADDR", "node0", "MASTER_PORT", "29500"));
        assertEquals(new WorkerEnv(4, 3, 1, "node0", 29500), w);
    }
}
