package dev.uem.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.io.AtomicFiles;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.io.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Resume points of a run: {@code checkpoints/step-NNNNNNN/} holding the parameters ({@code model.safetensors}), the
 * AdamW state ({@link FusedAdamW#save}, {@code optimizer.safetensors}) and {@link State} (step, data position, best so
 * far). A checkpoint is written into {@code step-NNNNNNN.tmp/}, flushed to disk, and only then renamed into place, so a
 * kill at any moment leaves the previous complete checkpoint; older ones are deleted after the rename. The random
 * streams need no saving: the data order of epoch {@code e} and the torch seed of step {@code t} are functions of the
 * run's seed (see {@link Trainer}).
 */
final class Checkpoints {
    /** Where training stands after {@code step} optimiser steps. */
    record State(int step, int epoch, int cursor, double bestValidationLoss, int bestStep, double lastLoss) {}

    private static final String PREFIX = "step-";
    private static final String OPTIMIZER = "optimizer.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    Checkpoints(Path runDir) {
        this.dir = runDir.resolve("checkpoints");
    }

    /**
     * Writes the checkpoint of {@code state}. On any I/O error (a full disk) the half-written {@code .tmp} folder is
     * removed, the previous checkpoint stays as it was, and the error names the folder and the cause.
     */
    void save(State state, Map<String, Tensor> parameters, FusedAdamW optimizer) {
        String name = String.format("%s%07d", PREFIX, state.step());
        Path tmp = dir.resolve(name + ".tmp"), done = dir.resolve(name);
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            SafetensorsWriter.write(tmp.resolve("model.safetensors"), parameters);
            optimizer.save(tmp.resolve(OPTIMIZER));
            AtomicFiles.writeString(tmp.resolve("state.json"), JSON.writeValueAsString(state));
            fsync(tmp);
            deleteTree(done); // only when re-saving a step (never in a straight run)
            Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
            fsync(dir);
            for (Path old : complete()) if (!old.equals(done)) deleteTree(old);
        } catch (IOException | UncheckedIOException e) {
            deleteQuietly(tmp);
            IOException cause = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            throw new UncheckedIOException(
                    tmp + ": cannot write checkpoint " + name + " (" + cause.getMessage()
                            + "); the previous checkpoint is unchanged",
                    cause);
        }
    }

    /** The newest complete checkpoint's state, if any (unfinished {@code .tmp} folders are ignored). */
    Optional<State> latest() {
        return latest(w -> {});
    }

    /**
     * The newest checkpoint whose files are all readable. A damaged newer one (truncated, emptied, a file missing) is
     * named through {@code warn} and skipped; when checkpoint folders exist but none is usable, resuming is refused
     * rather than silently starting over. Unfinished {@code .tmp} folders (a kill during a save) are removed first.
     */
    Optional<State> latest(Consumer<String> warn) {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path tmp : s.filter(p -> p.getFileName().toString().endsWith(".tmp"))
                        .toList()) {
                    deleteTree(tmp);
                    warn.accept("removed the unfinished checkpoint " + tmp);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot clean unfinished checkpoints: " + e.getMessage(), e);
            }
        }
        List<Path> all = new ArrayList<>(candidates());
        Collections.reverse(all);
        for (Path c : all) {
            String damage = damage(c);
            if (damage == null) {
                try {
                    return Optional.of(JSON.readValue(c.resolve("state.json").toFile(), State.class));
                } catch (IOException e) {
                    damage = "state.json unreadable: "
                            + e.getMessage().lines().findFirst().orElse("");
                }
            }
            warn.accept("checkpoint " + c + " is damaged (" + damage + "): skipped");
        }
        if (!all.isEmpty())
            throw new IllegalStateException(dir + ": none of the " + all.size() + " checkpoints is "
                    + "usable (see the warnings above); start the run afresh with another --out");
        return Optional.empty();
    }

    /** What is wrong with a checkpoint folder's files, or null when they look whole. */
    private static String damage(Path c) {
        if (Files.isRegularFile(c.resolve("optimizer.pt")) && !Files.exists(c.resolve(OPTIMIZER)))
            return "optimizer.pt is libtorch's AdamW state from a uem before 2026-11-29, which this "
                    + "version cannot read; resume with the uem that wrote it";
        for (String f : new String[] {"state.json", "model.safetensors", OPTIMIZER}) {
            Path p = c.resolve(f);
            try {
                if (!Files.isRegularFile(p)) return f + " missing";
                if (Files.size(p) == 0) return f + " empty";
            } catch (IOException e) {
                return f + ": " + e.getMessage();
            }
        }
        for (String f : new String[] {"model.safetensors", OPTIMIZER}) {
            try (SafetensorsFile file = SafetensorsFile.open(c.resolve(f))) {
                // the header parses and every tensor lies inside the file
            } catch (RuntimeException e) {
                return e.getMessage();
            }
        }
        return null;
    }

    /**
     * Loads the checkpoint of {@code state} into the parameters and the optimiser (built the same way as when saved).
     */
    void load(State state, Map<String, Tensor> parameters, FusedAdamW optimizer) {
        Path d = dir.resolve(String.format("%s%07d", PREFIX, state.step()));
        try (PointerScope scope = new PointerScope()) {
            SafetensorsFile.copyInto(d.resolve("model.safetensors"), parameters);
        }
        // AdamW's moments go where the parameters are now, whichever device wrote them (a CUDA run resumes on a CPU)
        optimizer.load(d.resolve(OPTIMIZER));
    }

    private List<Path> complete() {
        return candidates().stream()
                .filter(p -> Files.isRegularFile(p.resolve("state.json")))
                .toList();
    }

    /** Every {@code step-NNNNNNN} folder, oldest first. */
    private List<Path> candidates() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d+") && Files.isDirectory(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }

    private static void fsync(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            deleteTree(p);
        } catch (IOException ignored) {
            // the write error is the one worth reporting
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
