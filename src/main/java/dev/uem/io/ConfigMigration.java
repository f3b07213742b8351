package dev.uem.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads a run's or a sweep's {@code config.json} in today's layout ({@code schema_version} 2): a file of an older
 * layout is rewritten here, in memory, and only here; a newer one is refused in one line.
 *
 * <p>Layout 2: {@code run} (the run configuration, snake_case, nested as data / model / train / eval), and for a train
 * run {@code arm}, {@code encoder}, {@code examples} and {@code network} (the networks as built), for a sweep
 * {@code arms} and {@code seeds}. Layout 1 (no {@code schema_version}) kept the configuration in camelCase under
 * {@code experiment} and repeated parts of it at the top level; its missing keys meant the options' values before
 * they existed: the mean head, the whole vocabulary, fp32, no head fusion.
 */
public final class ConfigMigration {
    public static final int CURRENT = 2;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /**
     * Preference-head kinds of earlier comparisons that this uem no longer builds (bench/RESULTS.md has their scores).
     */
    private static final Set<String> RETIRED_HEADS = Set.of("GENRE_ATTENTION", "GENRE_INTERACTION", "GENRE_COUNT");

    private ConfigMigration() {}

    /** {@code file} read and brought to the current layout. */
    public static JsonConfig read(Path file) {
        JsonConfig raw = JsonConfig.read(file);
        ObjectNode current = toCurrent(raw.root(), file);
        String head = current.path("run").path("model").path("head").asText();
        if (RETIRED_HEADS.contains(head))
            throw new IllegalArgumentException(file + ": run.model.head " + head + " is a preference head this uem no "
                    + "longer builds (it keeps GENRE_COUNT_INTERACTION and MEAN)");
        return JsonConfig.of(file, current);
    }

    /** {@code root} in the current layout (a copy when it was older). */
    static ObjectNode toCurrent(ObjectNode root, Path file) {
        JsonNode v = root.get("schema_version");
        if (v == null) return fromVersion1(root, file);
        if (!v.canConvertToInt() || v.asInt() < 2 || v.asInt() > CURRENT)
            throw new IllegalArgumentException(file + ": schema_version " + v + " is not one this uem reads (1 to "
                    + CURRENT + "); a newer uem wrote it");
        return root;
    }

    private static ObjectNode fromVersion1(ObjectNode old, Path file) {
        JsonNode e = old.get("experiment");
        if (e == null || !e.isObject())
            throw new IllegalArgumentException(file + ": no schema_version and no 'experiment' key: not a uem config");
        ObjectNode out = NODES.objectNode().put("schema_version", CURRENT);
        out.set("run", run(e));
        if (old.has("arms")) { // a sweep
            out.set("arms", old.get("arms"));
            out.set("seeds", old.path("seeds").isMissingNode() ? NODES.numberNode(1) : old.get("seeds"));
            return out;
        }
        ObjectNode arm = old.path("arm").isObject()
                ? (ObjectNode) old.get("arm")
                : NODES.objectNode()
                        .put("kind", "UEM")
                        .put("history", old.path("history").asInt());
        out.set("arm", arm);
        if (old.has("encoder")) out.set("encoder", old.get("encoder"));
        out.set(
                "examples",
                NODES.objectNode()
                        .put("train", old.path("train_examples").asInt())
                        .put("validation", old.path("validation_examples").asInt())
                        .put("test", old.path("test_examples").asInt()));
        if (arm.path("kind").asText().equals("TEXT")) out.set("lm_config", snakeCase(old.get("lm_config")));
        else out.set("network", network(old));
        if (old.has("evaluated_from")) out.set("evaluated_from", old.get("evaluated_from"));
        return out;
    }

    /** Layout 1's {@code experiment} as layout 2's {@code run}. */
    private static ObjectNode run(JsonNode e) {
        ObjectNode data = NODES.objectNode()
                .put("dataset", e.path("dataset").asText())
                .put("skip_bad_rows", e.path("skipBadRows").asBoolean())
                .put("cache", e.path("cache").asText())
                .put("train_windows", e.path("trainWindows").asInt());
        data.set("descriptions", e.path("descriptions").isArray() ? e.get("descriptions") : NODES.arrayNode());
        ObjectNode model = NODES.objectNode()
                .put("lm", e.path("lm").asText())
                .put("uem", e.path("uem").asText())
                .put("head", e.path("headKind").asText("MEAN"))
                .put("decoder_head", e.path("decoderHead").asBoolean())
                .put("output_vocabulary", e.path("outputVocabulary").asText("FULL"))
                .put("text_budget", e.path("textBudget").asInt());
        model.set("dropout", e.path("dropout").isNumber() ? e.get("dropout") : NODES.nullNode());
        model.set("kernels", e.path("kernels").isTextual() ? e.get("kernels") : NODES.nullNode());
        ObjectNode schedule = NODES.objectNode()
                .put("steps", e.path("steps").asInt())
                .put("uem_warmup", e.path("uemWarmup").asInt())
                .put("lr_warmup", e.path("warmup").asInt())
                .put("eval_every", e.path("evalEvery").asInt())
                .put("checkpoint_every", e.path("checkpointEvery").asInt());
        ObjectNode train = NODES.objectNode()
                .put("batch_size", e.path("batchSize").asInt())
                .put("accumulation", e.path("accumulation").asInt())
                .put("lr_user", e.path("lrUser").asDouble())
                .put("lr_lm", e.path("lrLm").asDouble())
                .put("freeze_lm", e.path("freezeLm").asBoolean())
                .put("preference_weight", e.path("preferenceWeight").asDouble())
                .put("precision", e.path("precision").asText("FP32"));
        train.set("schedule", schedule);
        ObjectNode eval = NODES.objectNode()
                .put("max_new_tokens", e.path("maxNewTokens").asInt())
                .put("head_fusion", e.path("headFusion").asDouble());
        ObjectNode run = NODES.objectNode().put("seed", e.path("seed").asLong());
        run.set("data", data);
        run.set("model", model);
        run.set("train", train);
        run.set("eval", eval);
        return run;
    }

    /** The UEM arm's networks: layout 1's {@code model}, or its separate keys in the first runs. */
    private static JsonNode network(ObjectNode old) {
        if (old.path("model").isObject()) {
            ObjectNode spec = snakeCase(old.get("model"));
            if (!spec.hasNonNull("head_kind")) spec.put("head_kind", "MEAN");
            return spec;
        }
        ObjectNode spec = NODES.objectNode();
        spec.set("lm_config", snakeCase(old.get("lm_config")));
        spec.set("uem_config", snakeCase(old.get("uem_config")));
        spec.put("head_labels", old.path("head_labels").asInt())
                .put("head_kind", "MEAN")
                .put("head_weight", 0.0)
                .put("decoder_head", old.path("decoder_head").asBoolean());
        spec.set("output_tokens", old.path("output_tokens").isArray() ? old.get("output_tokens") : NODES.nullNode());
        spec.set("once_tokens", old.path("once_tokens").isArray() ? old.get("once_tokens") : NODES.nullNode());
        return spec;
    }

    /** An object's keys, and its nested objects' keys, from camelCase to snake_case (Jackson's rule). */
    static ObjectNode snakeCase(JsonNode node) {
        ObjectNode out = NODES.objectNode();
        if (node == null || !node.isObject()) return out;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            out.set(snakeCase(f.getKey()), f.getValue().isObject() ? snakeCase(f.getValue()) : f.getValue());
        }
        return out;
    }

    static String snakeCase(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean boundary = i > 0
                    && Character.isUpperCase(c)
                    && !Character.isUpperCase(name.charAt(i - 1))
                    && name.charAt(i - 1) != '_';
            if (boundary) b.append('_');
            b.append(Character.toLowerCase(c));
        }
        return b.toString();
    }
}
