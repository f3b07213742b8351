package dev.uem.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uem.data.ReadOptions;
import dev.uem.io.ConfigMigration;
import dev.uem.io.JsonConfig;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.UemLanguageModel;
import dev.uem.model.uem.UemModelSpec;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.Modules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;

/**
 * A finished {@code uem train} run folder opened for use: the model rebuilt from {@code config.json}
 * (its {@code network}) with the parameters of {@code best.safetensors}, in eval mode.
 * Every parameter must be in the file with its shape, or loading fails naming the file and key.
 */
public final class TrainedRun implements AutoCloseable {
    public final Path dir;
    public final UemLanguageModel model;
    /** History length p the run was trained with. */
    public final int history;
    /** The dataset folder the run was trained on, as written in config.json. */
    public final Path dataset;
    /** {@code t5-mini} or the HF checkpoint folder the LM came from (its tokenizer is used). */
    public final String lm;

    public final String encoder;
    /** The item-embedding cache the run trained with. */
    public final Path cache;
    /** The description files and the bad-row policy the dataset was read with. */
    public final ReadOptions readOptions;
    /** The seed of the run's user split. */
    public final long seed;
    /** Where the model was opened (its batches must be moved there). */
    public final ComputeDevice device;
    /**
     * How the run's evaluation decoded: the head-fusion weight ({@code --head-fusion}, 0 for none)
     * and the head's validation threshold from {@code head.json} (null without one).
     */
    public final double headFusion;

    public final Double headThreshold;

    /** What the run was trained on, from its config.json. */
    private record Origin(
            int history, Path dataset, String lm, String encoder, Path cache, ReadOptions readOptions, long seed) {}

    private TrainedRun(
            Path dir, UemLanguageModel model, ComputeDevice device, Origin o, double headFusion, Double headThreshold) {
        this.dir = dir;
        this.model = model;
        this.device = device;
        this.history = o.history;
        this.dataset = o.dataset;
        this.lm = o.lm;
        this.encoder = o.encoder;
        this.cache = o.cache;
        this.readOptions = o.readOptions;
        this.seed = o.seed;
        this.headFusion = headFusion;
        this.headThreshold = headThreshold;
    }

    /** The run on the CPU. */
    public static TrainedRun open(Path dir) {
        return open(dir, ComputeDevice.CPU);
    }

    /** The run with its model on {@code device} ({@code best.safetensors} is device-independent). */
    public static TrainedRun open(Path dir, ComputeDevice device) {
        Path configFile = dir.resolve("config.json"), params = dir.resolve("best.safetensors");
        if (!Files.isRegularFile(configFile))
            throw new IllegalArgumentException(configFile + ": not found (is " + dir + " a uem train run folder?)");
        if (!Files.isRegularFile(params))
            throw new IllegalArgumentException(params + ": not found (the run never reached a validation step)");
        JsonConfig c = ConfigMigration.read(configFile);
        if (c.path("arm").path("kind").asText("UEM").equals("TEXT"))
            throw new IllegalArgumentException(
                    dir + " is a text-history run; predict and export " + "need a UEM run (uem train --arm uem)");
        UemModelSpec spec = c.get("network", UemModelSpec.class);
        int history = c.path("arm").path("history").asInt();
        if (history < 1 || history > spec.uemConfig().maxHistory())
            throw new IllegalArgumentException(configFile + ": arm.history: expected 1 to "
                    + spec.uemConfig().maxHistory() + ", found " + history);
        JsonNode run = c.path("run");
        JsonNode data = run.path("data");
        List<Path> descriptions = new ArrayList<>();
        data.path("descriptions").forEach(d -> descriptions.add(Path.of(d.asText())));
        ReadOptions read = new ReadOptions(data.path("skip_bad_rows").asBoolean(), descriptions);
        UemLanguageModel model = spec.forInference().build(T5Model.create(spec.lmConfig(), 0));
        try (PointerScope scope = new PointerScope()) {
            SafetensorsFile.copyInto(params, Modules.namedParameters(model));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        model.eval();
        model.to(device.torch(), false);
        Path headFile = dir.resolve("head.json");
        JsonNode headThreshold =
                Files.isRegularFile(headFile) ? JsonConfig.read(headFile).path("threshold") : null;
        Double threshold = headThreshold != null && headThreshold.isNumber() ? headThreshold.asDouble() : null;
        Origin origin = new Origin(
                history,
                Path.of(data.path("dataset").asText()),
                run.path("model").path("lm").asText(),
                c.path("encoder").asText("all-MiniLM-L6-v2"),
                Path.of(data.path("cache").asText()),
                read,
                run.path("seed").asLong());
        return new TrainedRun(
                dir, model, device, origin, run.path("eval").path("head_fusion").asDouble(), threshold);
    }

    /** The tokenizer the run trained with. */
    public T5Tokenizer tokenizer() {
        return T5Tokenizer.forCheckpoint(T5Config.named(lm) != null ? null : Path.of(lm));
    }

    @Override
    public void close() {
        model.close();
    }
}
