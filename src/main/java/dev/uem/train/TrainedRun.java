package dev.uem.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uem.data.ReadOptions;
import dev.uem.io.JsonConfig;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.UemConfig;
import dev.uem.model.uem.UemLanguageModel;
import dev.uem.model.uem.UemModelSpec;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.Modules;
import org.bytedeco.javacpp.PointerScope;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A finished {@code uem train} run folder opened for use: the model rebuilt from {@code config.json}
 * ({@code lm_config}, {@code uem_config}) with the parameters of {@code best.safetensors}, in eval mode.
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
    /** The item-embedding cache the run trained with (null in runs from before it was recorded). */
    public final Path cache;
    /** The description files and the bad-row policy the dataset was read with. */
    public final ReadOptions readOptions;
    /** The seed of the run's user split. */
    public final long seed;
    /** Where the model was opened (its batches must be moved there). */
    public final ComputeDevice device;
    /**
     * How the run's evaluation decoded: the head-fusion weight ({@code --head-fusion}, 0 for none or runs from before it)
     * and the head's validation threshold from {@code head.json} (null without one).
     */
    public final double headFusion;
    public final Double headThreshold;

    private TrainedRun(Path dir, UemLanguageModel model, int history, Path dataset, String lm, String encoder, Path cache, ReadOptions readOptions,
                       long seed, ComputeDevice device, double headFusion, Double headThreshold) {
        this.device = device;
        this.headFusion = headFusion;
        this.headThreshold = headThreshold;
        this.dir = dir;
        this.model = model;
        this.history = history;
        this.dataset = dataset;
        this.lm = lm;
        this.encoder = encoder;
        this.cache = cache;
        this.readOptions = readOptions;
        this.seed = seed;
    }

    /** The run on the CPU. */
    public static TrainedRun open(Path dir) {
        return open(dir, ComputeDevice.CPU);
    }

    /** The run with its model on {@code device} ({@code best.safetensors} is device-independent). */
    public static TrainedRun open(Path dir, ComputeDevice device) {
        Path configFile = dir.resolve("config.json"), params = dir.resolve("best.safetensors");
        if (!Files.isRegularFile(configFile)) throw new IllegalArgumentException(configFile + ": not found (is " + dir + " a uem train run folder?)");
        if (!Files.isRegularFile(params)) throw new IllegalArgumentException(params + ": not found (the run never reached a validation step)");
        JsonConfig c = JsonConfig.read(configFile);
        if (c.path("arm").path("kind").asText("UEM").equals("TEXT"))
            throw new IllegalArgumentException(dir + " is a text-history run; predict and export need a UEM run (uem train --arm uem)");
        UemModelSpec spec = c.path("model").isObject() ? c.get("model", UemModelSpec.class) : legacySpec(c);
        UemConfig uemConfig = spec.uemConfig();
        int history = c.integer("history", 1, uemConfig.maxHistory());  // before any work: a bad value names the key
        Path dataset = Path.of(c.text("dataset"));
        Path cache = c.path("cache").isTextual() ? Path.of(c.text("cache")) : null;
        List<Path> descriptions = c.path("descriptions").isArray() ? List.of(c.get("descriptions", String[].class)).stream().map(Path::of).toList() : List.of();
        ReadOptions read = new ReadOptions(c.path("skip_bad_rows").asBoolean(false), descriptions);
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
        JsonNode headThreshold = Files.isRegularFile(headFile) ? JsonConfig.read(headFile).path("threshold") : null;
        Double threshold = headThreshold != null && headThreshold.isNumber() ? headThreshold.asDouble() : null;
        return new TrainedRun(dir, model, history, dataset, c.text("lm"), c.path("encoder").asText("all-MiniLM-L6-v2"), cache, read,
                c.path("seed").asLong(0), device, c.path("experiment").path("headFusion").asDouble(0), threshold);
    }

    /** A run folder written before config.json had the {@code model} key: the same facts under separate keys. */
    private static UemModelSpec legacySpec(JsonConfig c) {
        T5Config lm = c.get("lm_config", T5Config.class);
        UemConfig uem = c.get("uem_config", UemConfig.class);
        int labels = c.path("head_labels").isMissingNode() ? 0 : c.integer("head_labels", 0, 100_000);
        return new UemModelSpec(lm, uem, labels, dev.uem.model.uem.PreferenceReadout.Kind.MEAN, 0, c.path("decoder_head").asBoolean(false),
                c.path("output_tokens").isArray() ? c.get("output_tokens", long[].class) : null,
                c.path("once_tokens").isArray() ? c.get("once_tokens", long[].class) : null);
    }

    /** The tokenizer the run trained with. */
    public T5Tokenizer tokenizer() {
        return T5Tokenizer.forCheckpoint(T5Config.named(lm) != null ? null : Path.of(lm));
    }

    @Override public void close() {
        model.close();
    }
}
