package dev.uem.model.t5;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.io.SafetensorsWriter;
import dev.uem.model.io.WeightsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;

/**
 * Loads and saves T5 checkpoint folders exactly as HuggingFace lays them out: {@code config.json} plus
 * {@code model.safetensors}, or shards listed in {@code model.safetensors.index.json}.
 *
 * <p>Loading is all-or-nothing: every key is checked (present, expected, right shape) and every tensor read
 * before any parameter is touched, and a failure throws one {@link WeightsException} naming the file and
 * key. HF's aliases are accepted: {@code encoder/decoder.embed_tokens.weight} for {@code shared.weight}, a
 * stored {@code lm_head.weight} in a tied model, and the unused cross-attention relative bias some original T5
 * checkpoints carry.
 */
public final class T5Checkpoint {
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private T5Checkpoint() {}

    /** A full encoder-decoder from a checkpoint folder. */
    public static T5Model load(Path dir) {
        return load(dir, true);
    }

    /** Loads a folder; {@code withDecoder=false} builds an encoder-only model and ignores decoder weights. */
    public static T5Model load(Path dir, boolean withDecoder) {
        return load(dir, withDecoder, c -> c);
    }

    /** The same with the folder's configuration adjusted first (a dropout override; shapes must stay as stored). */
    public static T5Model load(Path dir, boolean withDecoder, java.util.function.UnaryOperator<T5Config> adjust) {
        Path cfgFile = dir.resolve("config.json");
        if (!Files.isRegularFile(cfgFile))
            throw new WeightsException(dir, null, "not a T5 checkpoint folder: no config.json");
        T5Config cfg = adjust.apply(T5Config.load(cfgFile));
        T5Model model = T5Model.shell(cfg, withDecoder);
        try {
            model.assign(readMatching(dir, model));
        } catch (RuntimeException e) {
            model.close(); // never hand out a half-loaded model
            throw e;
        }
        return model;
    }

    /** Reads every parameter's tensor, checking names and shapes; touches no parameter. */
    static Map<String, Tensor> readMatching(Path dir, T5Model model) {
        Map<String, Path> keyToFile = weightMap(dir);
        Map<String, Tensor> params = model.namedParameters();
        Map<String, String> source = new LinkedHashMap<>(); // parameter -> key in the checkpoint
        for (String name : params.keySet()) {
            String key = keyToFile.containsKey(name) ? name : alias(name, keyToFile);
            if (key == null) {
                Path where = keyToFile.isEmpty()
                        ? dir
                        : keyToFile.values().iterator().next();
                throw new WeightsException(
                        where,
                        name,
                        "missing from the checkpoint (" + missingCount(params, keyToFile) + " missing in all)");
            }
            source.put(name, key);
        }
        for (Map.Entry<String, Path> e : keyToFile.entrySet()) {
            String key = e.getKey();
            if (source.containsValue(key) || ignorable(key, model)) continue;
            throw new WeightsException(
                    e.getValue(), key, "unexpected key: the model " + describe(model) + " has no such parameter");
        }
        Map<Path, List<String>> byFile = new TreeMap<>();
        source.forEach((name, key) -> byFile.computeIfAbsent(keyToFile.get(key), f -> new ArrayList<>())
                .add(name));
        Map<String, Tensor> values = new HashMap<>();
        for (Map.Entry<Path, List<String>> e : byFile.entrySet()) {
            try (SafetensorsFile f = SafetensorsFile.open(e.getKey())) {
                for (String name : e.getValue()) {
                    String key = source.get(name);
                    long[] want = params.get(name).shape();
                    long[] found = f.entry(key).shape();
                    if (!Arrays.equals(want, found))
                        throw new WeightsException(
                                e.getKey(),
                                key,
                                "shape " + Arrays.toString(found) + " but the model expects " + Arrays.toString(want));
                    values.put(name, f.read(key));
                }
            }
        }
        return values;
    }

    private static long missingCount(Map<String, Tensor> params, Map<String, Path> keys) {
        return params.keySet().stream()
                .filter(n -> !keys.containsKey(n) && alias(n, keys) == null)
                .count();
    }

    private static String describe(T5Model m) {
        return m.hasDecoder()
                ? "(encoder-decoder, tie_word_embeddings=" + m.config.tieWordEmbeddings() + ")"
                : "(encoder-only)";
    }

    private static String alias(String name, Map<String, Path> keys) {
        if (!name.equals("shared.weight")) return null;
        for (String a : List.of("encoder.embed_tokens.weight", "decoder.embed_tokens.weight"))
            if (keys.containsKey(a)) return a;
        return null;
    }

    /** Keys HF itself skips silently, plus the decoder of an encoder-decoder checkpoint loaded encoder-only. */
    private static boolean ignorable(String key, T5Model model) {
        if (key.equals("encoder.embed_tokens.weight") || key.equals("decoder.embed_tokens.weight")) return true;
        if (key.equals("decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight")) return true;
        if (key.equals("lm_head.weight")) return !model.hasDecoder() || model.config.tieWordEmbeddings();
        return !model.hasDecoder() && key.startsWith("decoder.");
    }

    /** Checkpoint key to the file that holds it (single file or sharded index). */
    static Map<String, Path> weightMap(Path dir) {
        Path single = dir.resolve(WEIGHTS), index = dir.resolve(INDEX);
        Map<String, Path> out = new LinkedHashMap<>();
        if (Files.isRegularFile(single)) {
            try (SafetensorsFile f = SafetensorsFile.open(single)) {
                for (String k : f.names()) out.put(k, single);
            }
            return out;
        }
        if (!Files.isRegularFile(index))
            throw new WeightsException(
                    dir,
                    null,
                    "no " + WEIGHTS + " or " + INDEX + " (PyTorch .bin checkpoints are not "
                            + "read: convert them to safetensors)");
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw new WeightsException(index, null, "cannot parse: " + e.getMessage(), e);
        }
        if (map == null || !map.isObject())
            throw new WeightsException(index, "weight_map", "expected an object of key -> shard file");
        Map<String, Path> shards = new HashMap<>();
        map.fields()
                .forEachRemaining(e ->
                        out.put(e.getKey(), shards.computeIfAbsent(e.getValue().asText(), dir::resolve)));
        for (Path shard : shards.values()) {
            if (!Files.isRegularFile(shard))
                throw new WeightsException(index, null, "shard " + shard.getFileName() + " is listed but missing");
            try (SafetensorsFile f = SafetensorsFile.open(shard)) {
                for (Map.Entry<String, Path> e : out.entrySet())
                    if (e.getValue().equals(shard) && !f.names().contains(e.getKey()))
                        throw new WeightsException(shard, e.getKey(), "listed in " + INDEX + " but not in the shard");
            }
        }
        return out;
    }

    /** Writes {@code config.json} and {@code model.safetensors} (HF names; a tied head is not stored). */
    public static void save(T5Model model, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new WeightsException(dir, null, "cannot create folder: " + e.getMessage(), e);
        }
        SafetensorsWriter.write(dir.resolve(WEIGHTS), model.namedParameters());
        model.config.write(dir.resolve("config.json"));
    }
}
