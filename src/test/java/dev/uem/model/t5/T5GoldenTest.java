package dev.uem.model.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uem.testing.Golden;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import java.util.Iterator;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** uem's T5 against HuggingFace's modeling_t5.py on the golden fixtures (README in src/test/resources/t5). */
class T5GoldenTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @ParameterizedTest
    @ValueSource(strings = {"t5_v1_1_gated_gelu", "t5_original_relu"})
    void bucketTableMatchesHf(String model) {
        JsonNode table = Golden.cases(model).get("relative_position_buckets");
        T5Config cfg = T5Config.load(Golden.dir(model).resolve("config.json"));
        for (int i = 0; i < table.get("relative_position").size(); i++) {
            int rel = table.get("relative_position").get(i).asInt();
            assertEquals(
                    table.get("encoder_bidirectional").get(i).asInt(),
                    RelativePositionBuckets.bucket(
                            rel, true, cfg.relativeAttentionNumBuckets(), cfg.relativeAttentionMaxDistance()),
                    "encoder bucket of " + rel);
            assertEquals(
                    table.get("decoder_causal").get(i).asInt(),
                    RelativePositionBuckets.bucket(
                            rel, false, cfg.relativeAttentionNumBuckets(), cfg.relativeAttentionMaxDistance()),
                    "decoder bucket of " + rel);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"t5_v1_1_gated_gelu", "t5_original_relu"})
    void everyCaseMatchesHf(String model) {
        JsonNode root = Golden.cases(model);
        try (PointerScope scope = new PointerScope();
                T5Model t5 = T5Checkpoint.load(Golden.dir(model))) {
            for (JsonNode c : root.get("cases")) {
                String name = model + "/" + c.get("name").asText();
                JsonNode exp = c.get("expected");
                assertArrayEquals(
                        Golden.longMatrix(c.get("decoder_input_ids")),
                        Tensors.toLongMatrix(t5.shiftRight(CaseRunner.longMatrix(c, "labels"))),
                        name + ": decoder_input_ids");
                CaseRunner.Result r = CaseRunner.run(t5, c, 8);
                Golden.assertClose(
                        name + " encoder",
                        r.encoderHidden().shape(),
                        Tensors.toFloats(r.encoderHidden()),
                        exp.get("encoder_last_hidden_state"));
                Golden.assertClose(
                        name + " decoder",
                        r.decoderHidden().shape(),
                        Tensors.toFloats(r.decoderHidden()),
                        exp.get("decoder_last_hidden_state"));
                Golden.assertClose(
                        name + " logits", r.logits().shape(), Tensors.toFloats(r.logits()), exp.get("logits"));
                double loss = exp.get("loss").asDouble();
                assertTrue(
                        Math.abs(r.loss() - loss) <= Golden.TOL * Math.abs(loss),
                        name + ": loss " + r.loss() + " vs " + loss);

                JsonNode greedy = exp.get("greedy");
                assertArrayEquals(
                        Golden.longMatrix(greedy.get("sequences")),
                        r.greedy().sequences(),
                        name + ": greedy sequences");
                JsonNode stepLogits = greedy.get("step_logits");
                long[] s = Golden.shape(stepLogits);
                assertEquals(s[0], r.greedy().stepLogits().size(), name + ": number of steps");
                float[] flat = new float[(int) (s[0] * s[1] * s[2])];
                int k = 0;
                for (float[][] step : r.greedy().stepLogits())
                    for (float[] row : step) for (float v : row) flat[k++] = v;
                Golden.assertClose(name + " step logits (KV cache)", s, flat, stepLogits);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"t5_v1_1_gated_gelu", "t5_original_relu"})
    void softPromptInputsEmbedsAreSharedRowsAfterThePrompt(String model) {
        JsonNode c = null;
        for (JsonNode x : Golden.cases(model).get("cases"))
            if (x.get("name").asText().equals("inputs_embeds_soft_prompt")) c = x;
        assertNotNull(c);
        try (PointerScope scope = new PointerScope();
                T5Model t5 = T5Checkpoint.load(Golden.dir(model));
                NoGradGuard g = new NoGradGuard()) {
            Tensor prompt = CaseRunner.floatTensor(c.get("soft_prompt"), "soft_prompt");
            Tensor tokens = t5.embed(CaseRunner.longMatrix(c, "input_ids"));
            Tensor assembled =
                    torch.cat(new TensorVector(prompt.unsqueeze(0).expand(tokens.size(0), -1, -1), tokens), 1);
            Tensor given = CaseRunner.floatTensor(c.get("inputs_embeds"), "inputs_embeds");
            assertTrue(
                    torch.equal(assembled, given),
                    "[soft_prompt; shared[input_ids]] must equal the fixture's inputs_embeds exactly");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"t5_v1_1_gated_gelu", "t5_original_relu"})
    void gradientsOfAllParametersMatchHf(String model) {
        JsonNode grads = Golden.cases(model).get("gradients");
        JsonNode basic = null;
        for (JsonNode x : Golden.cases(model).get("cases"))
            if (x.get("name").asText().equals(grads.get("case").asText())) basic = x;
        assertNotNull(basic);
        try (PointerScope scope = new PointerScope();
                T5Model t5 = T5Checkpoint.load(Golden.dir(model))) {
            t5.train(true); // dropout is 0 in the fixtures, so training mode changes nothing but is the real path
            Tensor ids = CaseRunner.longMatrix(basic, "input_ids");
            T5Model.Output out = t5.forward(
                    t5.embed(ids),
                    CaseRunner.longMatrix(basic, "attention_mask"),
                    CaseRunner.longMatrix(basic, "labels"));
            double loss = grads.get("loss").asDouble();
            assertTrue(Math.abs(out.loss().item_float() - loss) <= Golden.TOL * loss, "loss");
            out.loss().backward();
            Map<String, Tensor> params = t5.namedParameters();
            JsonNode norms = grads.get("grad_l2_norm");
            assertEquals(norms.size(), params.size(), "one gradient norm per parameter");
            for (Iterator<Map.Entry<String, JsonNode>> it = norms.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Tensor p = params.get(e.getKey());
                assertNotNull(p, "parameter " + e.getKey());
                double want = e.getValue().asDouble(), got = p.grad().norm().item_float();
                assertTrue(
                        Math.abs(got - want) <= Golden.TOL * want, e.getKey() + ": grad norm " + got + " vs " + want);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = grads.get("grad").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Tensor gr = params.get(e.getKey()).grad();
                Golden.assertClose("grad " + e.getKey(), gr.shape(), Tensors.toFloats(gr), e.getValue());
            }
        }
    }
}
