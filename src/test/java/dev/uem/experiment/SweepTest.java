package dev.uem.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.testing.FakeEncoder;
import dev.uem.torch.TorchRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A whole (tiny) sweep end to end, then finished again after one arm lost its result: only that arm is redone. */
class SweepTest {
    @TempDir
    static Path tmp;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @Test
    void runsEveryArmWritesTheFilesAndResumesArmByArm() throws Exception {
        Path lm = tmp.resolve("lm");
        T5Checkpoint.save(T5Model.create(new T5Config(32128, 32, 8, 64, 1, 1, 4, 32, 128, 0.0, 1e-6, 1.0, "gated-gelu", "gelu_new", true, false, 0, 1, 0), 1), lm);
        ExperimentConfig c = new ExperimentConfig("data/movielens/ml-latest-small", List.of(), false, lm.toString(), "mini", 3, 4, 1, 5e-3, 5e-3,
                1, 2, 2, false, 0, "torch", 6, 512, tmp.resolve("cache").toString());
        List<Arm> arms = List.of(Arm.text(2), Arm.uem(2), Arm.uem(3));
        Path dir = tmp.resolve("sweep");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<ObjectNode> first;
        try (Experiment ex = Experiment.open(c, () -> new FakeEncoder("fake"))) {
            first = Sweep.run(ex, arms, dir, false, new PrintStream(log));
        }
        assertEquals(6, first.size(), "3 trained arms, counting over the whole history, counting over windows of 2 and 3");
        assertEquals(List.of("text-2", "uem-2", "uem-3", "counting-history", "counting-window-2", "counting-window-3"),
                first.stream().map(n -> n.get("name").asText()).toList());
        for (String f : List.of("results.json", "results.csv", "results.md", "f1_vs_history.png")) assertTrue(Files.size(dir.resolve(f)) > 0, f);
        assertEquals(7, Files.readAllLines(dir.resolve("results.csv")).size());
        for (Arm a : arms) {
            Path d = dir.resolve(a.name());
            assertTrue(Files.isRegularFile(d.resolve("arm.json")) && Files.isRegularFile(d.resolve("predictions.jsonl")), a.name());
            assertTrue(Files.isDirectory(d.resolve("checkpoints/step-0000003")), a.name());
            assertEquals(3, Files.readAllLines(d.resolve("metrics.jsonl")).size(), a.name());
        }

        // uem-3 loses its result (as if killed after training); the other arms are not touched again
        FileTime text2 = Files.getLastModifiedTime(dir.resolve("text-2/arm.json"));
        Files.delete(dir.resolve("uem-3/arm.json"));
        log.reset();
        List<ObjectNode> second;
        try (Experiment ex = Experiment.open(c, () -> new FakeEncoder("fake"))) {
            second = Sweep.run(ex, arms, dir, false, new PrintStream(log));
        }
        String out = log.toString();
        assertTrue(out.contains("text-2: done before") && out.contains("uem-2: done before") && out.contains("uem-3: resuming"), out);
        assertEquals(text2, Files.getLastModifiedTime(dir.resolve("text-2/arm.json")));
        assertEquals(3, Files.readAllLines(dir.resolve("uem-3/metrics.jsonl")).size(), "resumed at its last step: nothing retrained");
        for (int i = 0; i < first.size(); i++)
            assertEquals(first.get(i).get("f1").asDouble(), second.get(i).get("f1").asDouble(), 1e-12, first.get(i).get("name").asText());
    }
}
