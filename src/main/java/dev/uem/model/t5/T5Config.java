package dev.uem.model.t5;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A T5 configuration as HuggingFace's {@code T5Config} reads it from {@code config.json}: the same keys, the same
 * defaults, and the same derivation of the activation from {@code feed_forward_proj}
 * ({@code "gated-gelu"} means gated {@code gelu_new}, the tanh approximation, as in T5 v1.1 and Flan-T5).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record T5Config(
        int vocabSize,
        int dModel,
        int dKv,
        int dFf,
        int numLayers,
        int numDecoderLayers,
        int numHeads,
        int relativeAttentionNumBuckets,
        int relativeAttentionMaxDistance,
        double dropoutRate,
        double layerNormEpsilon,
        double initializerFactor,
        String feedForwardProj,
        String denseActFn,
        boolean isGatedAct,
        boolean tieWordEmbeddings,
        int padTokenId,
        int eosTokenId,
        int decoderStartTokenId) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public T5Config {
        positive("vocab_size", vocabSize);
        positive("d_model", dModel);
        positive("d_kv", dKv);
        positive("d_ff", dFf);
        positive("num_layers", numLayers);
        positive("num_decoder_layers", numDecoderLayers);
        positive("num_heads", numHeads);
        positive("relative_attention_num_buckets", relativeAttentionNumBuckets);
        positive("relative_attention_max_distance", relativeAttentionMaxDistance);
        if (dropoutRate < 0 || dropoutRate >= 1)
            throw new IllegalArgumentException("dropout_rate must be in [0, 1), found " + dropoutRate);
        if (!(layerNormEpsilon > 0))
            throw new IllegalArgumentException("layer_norm_epsilon must be > 0, found " + layerNormEpsilon);
        Activation.of(denseActFn); // fails early on an activation we cannot run
    }

    private static void positive(String key, int v) {
        if (v <= 0) throw new IllegalArgumentException(key + " must be > 0, found " + v);
    }

    /** The same configuration with another dropout rate (the {@code --dropout} override). */
    public T5Config withDropout(double rate) {
        return new T5Config(
                vocabSize,
                dModel,
                dKv,
                dFf,
                numLayers,
                numDecoderLayers,
                numHeads,
                relativeAttentionNumBuckets,
                relativeAttentionMaxDistance,
                rate,
                layerNormEpsilon,
                initializerFactor,
                feedForwardProj,
                denseActFn,
                isGatedAct,
                tieWordEmbeddings,
                padTokenId,
                eosTokenId,
                decoderStartTokenId);
    }

    /** The built-in t5-mini for training from scratch: T5 v1.1 layout at d_model 256, 4+4 layers. */
    public static T5Config t5Mini() {
        return new T5Config(
                32128, 256, 64, 1024, 4, 4, 4, 32, 128, 0.1, 1e-6, 1.0, "gated-gelu", "gelu_new", true, false, 0, 1, 0);
    }

    /**
     * A smaller built-in T5 for the CPU default: t5-mini's width and vocabulary with 2+2 layers and a 512-wide
     * feed-forward, about 2.5x faster a step, so a 2-core machine affords the steps the LM needs to learn to read the
     * user tokens within the default run's time. No dropout: with T5's 0.1 the from-scratch decoder never learnt to
     * read the user tokens (1 distinct sentence over the test users; 101 without, bench/RESULTS.md, "Quality").
     */
    public static T5Config t5Compact() {
        return new T5Config(
                32128, 256, 64, 512, 2, 2, 4, 32, 128, 0.0, 1e-6, 1.0, "gated-gelu", "gelu_new", true, false, 0, 1, 0);
    }

    /**
     * The shape of {@code google/flan-t5-base} or {@code -large} (their {@code config.json}): the paper's LMs, for
     * randomly initialised stand-ins in tests and benchmarks where the pretrained weights cannot be had.
     */
    public static T5Config flanT5(boolean large) {
        return large ? t5v11(1024, 2816, 24, 16) : t5v11(768, 2048, 12, 12);
    }

    /**
     * T5 v1.1's layout (gated GELU, untied head, d_kv 64, dropout 0.1, T5's vocabulary) with width {@code d},
     * feed-forward width {@code ff}, {@code n} encoder and {@code n} decoder layers and {@code h} heads.
     */
    private static T5Config t5v11(int d, int ff, int n, int h) {
        return new T5Config(
                32128, d, 64, ff, n, n, h, 32, 128, 0.1, 1e-6, 1.0, "gated-gelu", "gelu_new", true, false, 0, 1, 0);
    }

    /** The built-in names {@link #named} knows. */
    public static final List<String> NAMES = List.of("t5-mini", "t5-compact", "flan-t5-base", "flan-t5-large");

    /**
     * The named built-in configurations ({@link #NAMES}: t5-mini, t5-compact, and the Flan-T5 base and large shapes);
     * {@code null} if the name is unknown.
     */
    public static T5Config named(String name) {
        return switch (name) {
            case "t5-mini" -> t5Mini();
            case "t5-compact" -> t5Compact();
            case "flan-t5-base" -> flanT5(false);
            case "flan-t5-large" -> flanT5(true);
            default -> null;
        };
    }

    public static T5Config load(Path configJson) {
        JsonNode n;
        try {
            n = JSON.readTree(configJson.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(configJson + ": cannot read T5 config: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException(configJson + ": expected a JSON object");
        try {
            return fromJson(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configJson + ": " + e.getMessage(), e);
        }
    }

    /** Mirrors {@code T5Config.__init__}: missing keys take HF's defaults. */
    static T5Config fromJson(JsonNode n) {
        String mt = n.path("model_type").asText("t5");
        if (!mt.equals("t5")) throw new IllegalArgumentException("model_type: expected \"t5\", found \"" + mt + "\"");
        int numLayers = intKey(n, "num_layers", 6);
        String ffp = n.path("feed_forward_proj").asText("relu");
        String[] parts = ffp.split("-");
        boolean gated = parts[0].equals("gated");
        if ((parts.length > 1 && !gated) || parts.length > 2)
            throw new IllegalArgumentException("feed_forward_proj: expected 'ACT' or 'gated-ACT', found '" + ffp + "'");
        String act = parts[parts.length - 1];
        if (ffp.equals("gated-gelu")) act = "gelu_new"; // HF's backwards-compatibility rule
        return new T5Config(
                intKey(n, "vocab_size", 32128),
                intKey(n, "d_model", 512),
                intKey(n, "d_kv", 64),
                intKey(n, "d_ff", 2048),
                numLayers,
                n.hasNonNull("num_decoder_layers") ? intKey(n, "num_decoder_layers", numLayers) : numLayers,
                intKey(n, "num_heads", 8),
                intKey(n, "relative_attention_num_buckets", 32),
                intKey(n, "relative_attention_max_distance", 128),
                n.path("dropout_rate").asDouble(0.1),
                n.path("layer_norm_epsilon").asDouble(1e-6),
                n.path("initializer_factor").asDouble(1.0),
                ffp,
                act,
                gated,
                n.path("tie_word_embeddings").asBoolean(true),
                intKey(n, "pad_token_id", 0),
                intKey(n, "eos_token_id", 1),
                n.hasNonNull("decoder_start_token_id")
                        ? intKey(n, "decoder_start_token_id", 0)
                        : intKey(n, "pad_token_id", 0));
    }

    private static int intKey(JsonNode n, String key, int dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isIntegralNumber()) throw new IllegalArgumentException(key + ": expected an integer, found " + v);
        return v.intValue();
    }

    /** Number of layers per stack, for the encoder ({@code false}) or the decoder. */
    public int layers(boolean decoder) {
        return decoder ? numDecoderLayers : numLayers;
    }

    public int innerDim() {
        return numHeads * dKv;
    }

    /** Writes HF-compatible {@code config.json} atomically. */
    public void write(Path file) {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add("T5ForConditionalGeneration");
        n.put("model_type", "t5");
        n.put("vocab_size", vocabSize)
                .put("d_model", dModel)
                .put("d_kv", dKv)
                .put("d_ff", dFf)
                .put("num_layers", numLayers)
                .put("num_decoder_layers", numDecoderLayers)
                .put("num_heads", numHeads)
                .put("relative_attention_num_buckets", relativeAttentionNumBuckets)
                .put("relative_attention_max_distance", relativeAttentionMaxDistance)
                .put("dropout_rate", dropoutRate)
                .put("layer_norm_epsilon", layerNormEpsilon)
                .put("initializer_factor", initializerFactor)
                .put("feed_forward_proj", feedForwardProj)
                .put("dense_act_fn", denseActFn)
                .put("is_gated_act", isGatedAct)
                .put("tie_word_embeddings", tieWordEmbeddings)
                .put("pad_token_id", padTokenId)
                .put("eos_token_id", eosTokenId)
                .put("decoder_start_token_id", decoderStartTokenId)
                .put("is_encoder_decoder", true)
                .put("torch_dtype", "float32");
        AtomicFiles.write(file, out -> JSON.writeValue(out, n));
    }
}
