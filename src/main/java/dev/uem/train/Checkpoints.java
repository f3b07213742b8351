package dev.uem.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.io.AtomicFiles;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.io.SafetensorsWriter;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Resume points of a run: {@code checkpoints/step-NNNNNNN/} holding the parameters ({@code model.safetensors}), the
 * AdamW state (libtorch's own archive, {@code optimizer.pt}) and {@link State} (step, data position, best so far).
 * A checkpoint is written into {@code step-NNNNNNN.tmp/}, flushed to disk, and only then renamed into place, so a
 * kill at any moment leaves the previous complete checkpoint; older ones are deleted after the rename.
 * The random streams need no saving: the data order of epoch {@code e} and the torch seed of step {@code t} are
 * functions of the run's seed (see {@link Trainer}).
 */
final class Checkpoints {
    /** Where training stands after {@code step} optimiser steps. */
    record State(int step, int epoch, int cursor, double bestValidationLoss, int bestStep, double lastLoss) {}

    private static final String PREFIX = "step-";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    Checkpoints(Path runDir) {
        this.dir = runDir.resolve("checkpoints");
    }

    void save(State state, Map<String, Tensor> parameters, Optimizer optimizer) {
        String name = String.format("%s%07d", PREFIX, state.step());
        Path tmp = dir.resolve(name + ".tmp"), done = dir.resolve(name);
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            SafetensorsWriter.write(tmp.resolve("model.safetensors"), parameters);
            try (PointerScope scope = new PointerScope()) {
                OutputArchive archive = new OutputArchive();
                optimizer.save(archive);
                archive.save_to(tmp.resolve("optimizer.pt").toString());
            }
            fsync(tmp.resolve("optimizer.pt"));
            AtomicFiles.writeString(tmp.resolve("state.json"), JSON.writeValueAsString(state));
            fsync(tmp);
            deleteTree(done); // only when re-saving a step (never in a straight run)
            Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
            fsync(dir);
            for (Path old : complete()) if (!old.equals(done)) deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write checkpoint " + name + ": " + e.getMessage(), e);
        }
    }

    /** The newest complete checkpoint's state, if any (unfinished {@code .tmp} folders are ignored). */
    Optional<State> latest() {
        List<Path> all = complete();
        if (all.isEmpty()) return Optional.empty();
        Path last = all.get(all.size() - 1).resolve("state.json");
        try {
            return Optional.of(JSON.readValue(last.toFile(), State.class));
        } catch (IOException e) {
            throw new UncheckedIOException(last + ": unreadable checkpoint state: " + e.getMessage(), e);
        }
    }

    /** Loads the checkpoint of {@code state} into the parameters and the optimiser (built the same way as when saved). */
    void load(State state, Map<String, Tensor> parameters, Optimizer optimizer) {
        Path d = dir.resolve(String.format("%s%07d", PREFIX, state.step()));
        try (PointerScope scope = new PointerScope()) {
            SafetensorsFile.copyInto(d.resolve("model.safetensors"), parameters);
            InputArchive archive = new InputArchive();
            archive.load_from(d.resolve("optimizer.pt").toString());
            optimizer.load(archive);
        }
    }

    private List<Path> complete() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d+") && Files.isRegularFile(p.resolve("state.json")))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }

    private static void fsync(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
