package dev.uem.model.t5;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uem.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs one case of a {@code cases.json} (the golden-fixture format, see src/test/resources/t5/README.md)
 * through a model in eval mode: encoder and decoder states, logits, loss and greedy decoding.
 */
public final class CaseRunner {
    /** Everything a case asks for; tensors live in the caller's PointerScope. */
    public record Result(
            String name,
            Tensor encoderHidden,
            Tensor decoderHidden,
            Tensor logits,
            float loss,
            GreedyDecoder.Result greedy) {}

    private CaseRunner() {}

    public static Result run(T5Model model, JsonNode c, int defaultMaxNewTokens) {
        String name = c.path("name").asText("?");
        Tensor mask = longMatrix(c, "attention_mask");
        Tensor labels = longMatrix(c, "labels");
        model.eval();
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor embeds = c.has("inputs_embeds")
                    ? floatTensor(c.get("inputs_embeds"), "inputs_embeds")
                    : model.embed(longMatrix(c, "input_ids"));
            T5Model.Output out = model.forward(embeds, mask, labels);
            int maxNew =
                    c.path("expected").path("greedy").path("max_new_tokens").asInt(defaultMaxNewTokens);
            GreedyDecoder.Result greedy = new GreedyDecoder(model).generate(embeds, mask, maxNew, true);
            return new Result(
                    name,
                    out.encoderHidden(),
                    out.decoderHidden(),
                    out.logits(),
                    out.loss().item_float(),
                    greedy);
        }
    }

    /** A {@code {"shape": [...], "data": [...]}} float tensor. */
    public static Tensor floatTensor(JsonNode n, String what) {
        JsonNode shape = n == null ? null : n.get("shape"), data = n == null ? null : n.get("data");
        if (shape == null || data == null || !shape.isArray() || !data.isArray())
            throw new IllegalArgumentException(what + ": expected {\"shape\": [...], \"data\": [...]}");
        long[] s = new long[shape.size()];
        long count = 1;
        for (int i = 0; i < s.length; i++) count *= (s[i] = shape.get(i).asLong());
        if (count != data.size())
            throw new IllegalArgumentException(what + ": shape holds " + count + " values but data has " + data.size());
        float[] v = new float[data.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) data.get(i).asDouble();
        return Tensors.floats(v, s);
    }

    /** A nested JSON integer matrix field of {@code c} as an int64 tensor. */
    public static Tensor longMatrix(JsonNode c, String field) {
        JsonNode rows = c.get(field);
        if (rows == null || !rows.isArray() || rows.size() == 0 || !rows.get(0).isArray())
            throw new IllegalArgumentException("case '" + c.path("name").asText("?") + "': " + field + " must be a "
                    + "non-empty matrix of integers");
        long[][] m = new long[rows.size()][];
        for (int i = 0; i < m.length; i++) {
            JsonNode r = rows.get(i);
            m[i] = new long[r.size()];
            for (int j = 0; j < m[i].length; j++) m[i][j] = r.get(j).asLong();
        }
        return Tensors.longs(m);
    }
}
