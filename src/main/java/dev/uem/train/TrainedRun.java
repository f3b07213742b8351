package dev.uem.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.data.ReadOptions;
import dev.uem.data.UserSplit;
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
import java.io.IOException;
import java.io.UncheckedIOException;
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
    private static final ObjectMapper HEAD_JSON = new ObjectMapper();
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
    /** The sizes of the run's user split. */
    public final UserSplit.Sizes split;
    /** Where the model was opened (its batches must be moved there). */
    public final ComputeDevice device;
    /**
     * How the run's evaluation decoded: the head-fusion weight ({@code --head-fusion}, 0 for none)
     * and the head's validation threshold from {@code head.json} (null without one).
     */
    public final double headFusion;

    public final Double headThreshold;

    /** What the run trained on, as its {@code config.json} says: the data, the LM, the encoder and the seed. */
    private record Origin(
            Path dataset,
            String lm,
            String encoder,
            Path cache,
            ReadOptions readOptions,
            long seed,
            UserSplit.Sizes split) {}

    /** The part of {@code head.json} a trained run decodes with; the file's other fields are not needed here. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record HeadReadout(Double threshold) {}

    private TrainedRun(
            Path dir,
            UemLanguageModel model,
            int history,
            Origin origin,
            ComputeDevice device,
            double headFusion,
            Double headThreshold) {
        this.device = device;
        this.headFusion = headFusion;
        this.headThreshold = headThreshold;
        this.dir = dir;
        this.model = model;
        this.history = history;
        this.dataset = origin.dataset();
        this.lm = origin.lm();
        this.encoder = origin.encoder();
        this.cache = origin.cache();
        this.readOptions = origin.readOptions();
        this.seed = origin.seed();
        this.split = origin.split();
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
                    dir + " is a text-history run; predict and export need a UEM run (uem train --arm uem)");
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
        Origin origin = new Origin(
                Path.of(data.path("dataset").asText()),
                run.path("model").path("lm").asText(),
                c.path("encoder").asText("all-MiniLM-L6-v2"),
                Path.of(data.path("cache").asText()),
                read,
                run.path("seed").asLong(),
                split(data.path("split")));
        return new TrainedRun(
                dir,
                model,
                history,
                origin,
                device,
                run.path("eval").path("head_fusion").asDouble(),
                headThreshold(dir.resolve("head.json")));
    }

    /** The split sizes recorded in config.json; the default for a run written before they were. */
    private static UserSplit.Sizes split(JsonNode split) {
        if (split.isMissingNode() || split.isNull()) return UserSplit.Sizes.DEFAULT;
        return new UserSplit.Sizes(
                split.path("train").asDouble(),
                split.path("validation").asDouble(),
                split.path("test").asDouble());
    }

    /** The head's validation threshold from {@code head.json}; null without the file or a threshold in it. */
    private static Double headThreshold(Path headFile) {
        if (!Files.isRegularFile(headFile)) return null;
        try {
            return HEAD_JSON.readValue(headFile.toFile(), HeadReadout.class).threshold();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    headFile + ": not valid JSON: "
                            + e.getMessage().lines().findFirst().orElse(""),
                    e);
        }
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
