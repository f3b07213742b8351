package dev.uem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.torch.TorchRuntime;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resume picks the newest usable checkpoint and says so; damage is named; a checkpoint of an older format is named. */
class CheckpointsTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    private static Checkpoints.State state(int step) {
        return new Checkpoints.State(step, 0, step, 1.0, step, 0.5);
    }

    @Test
    void aDamagedNewestCheckpointIsNamedAndSkippedAndUnfinishedOnesAreRemoved() throws Exception {
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> params = new LinkedHashMap<>();
            params.put("w", torch.randn(4, 3).requires_grad_(true));
            FusedAdamW opt = new FusedAdamW(List.of(List.of(params.get("w"))), new double[] {1e-3}, 0.01);
            params.get("w").sum().backward();
            opt.step(1.0); // AdamW's moments exist only after a step
            Checkpoints c = new Checkpoints(tmp);
            c.save(state(5), params, opt);
            // keep a copy of step 5 (a save removes older checkpoints), then write step 10
            Path five = tmp.resolve("checkpoints/step-0000005"), keep = tmp.resolve("keep");
            copyTree(five, keep);
            c.save(state(10), params, opt);
            copyTree(keep, five);
            Files.createDirectories(tmp.resolve("checkpoints/step-0000015.tmp"));

            List<String> warnings = new ArrayList<>();
            assertEquals(10, c.latest(warnings::add).orElseThrow().step());
            assertTrue(
                    warnings.stream().anyMatch(w -> w.contains("step-0000015.tmp") && w.contains("removed")),
                    warnings.toString());
            assertTrue(Files.notExists(tmp.resolve("checkpoints/step-0000015.tmp")));

            // truncate the newest: it is named with the reason and step 5 is used
            Path model = tmp.resolve("checkpoints/step-0000010/model.safetensors");
            try (FileChannel ch = FileChannel.open(model, StandardOpenOption.WRITE)) {
                ch.truncate(Files.size(model) / 2);
            }
            warnings.clear();
            assertEquals(5, c.latest(warnings::add).orElseThrow().step());
            assertTrue(
                    warnings.size() == 1
                            && warnings.get(0).contains("step-0000010")
                            && warnings.get(0).contains("damaged")
                            && warnings.get(0).contains("truncated"),
                    warnings.toString());

            // an emptied optimizer state too: nothing usable is refused, not a silent start from step 0
            Files.write(tmp.resolve("checkpoints/step-0000005/optimizer.safetensors"), new byte[0]);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.latest(w -> {}));
            assertTrue(e.getMessage().contains("none of the 2 checkpoints"), e.getMessage());
        }
    }

    @Test
    void aCheckpointWithLibtorchsOptimizerStateIsNamedAsFromAnOlderVersion() throws Exception {
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> params = new LinkedHashMap<>();
            params.put("w", torch.randn(4, 3).requires_grad_(true));
            FusedAdamW opt = new FusedAdamW(List.of(List.of(params.get("w"))), new double[] {1e-3}, 0.01);
            Checkpoints c = new Checkpoints(tmp);
            c.save(state(5), params, opt);
            Path five = tmp.resolve("checkpoints/step-0000005");
            // the layout of a checkpoint written before FusedAdamW: libtorch's archive in place of the safetensors file
            Files.move(five.resolve("optimizer.safetensors"), five.resolve("optimizer.pt"));
            List<String> warnings = new ArrayList<>();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.latest(warnings::add));
            assertTrue(e.getMessage().contains("none of the 1 checkpoints"), e.getMessage());
            assertTrue(
                    warnings.size() == 1
                            && warnings.get(0).contains("optimizer.pt")
                            && warnings.get(0).contains("resume with the uem that wrote it"),
                    warnings.toString());
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
