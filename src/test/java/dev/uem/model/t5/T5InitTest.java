package dev.uem.model.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.torch.TorchRuntime;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class T5InitTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @Test
    void t5MiniHasTheSpecifiedShapeAndHfInitScales() {
        T5Config c = T5Config.t5Mini();
        assertEquals(256, c.dModel());
        assertEquals(1024, c.dFf());
        assertTrue(c.isGatedAct() && !c.tieWordEmbeddings() && c.denseActFn().equals("gelu_new"));
        try (PointerScope s = new PointerScope();
                T5Model m = T5Model.create(c, 7)) {
            Map<String, Tensor> p = m.namedParameters();
            assertNotNull(p.get("lm_head.weight"));
            assertNull(
                    p.get("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"),
                    "only block 0 owns the bias");
            // HF _init_weights: std 1 for embeddings, (d_model*d_kv)^-0.5 for q, d_model^-0.5 for k/v/wi, (H*d_kv)^-0.5
            // for o, d_ff^-0.5 for wo
            assertStd(p.get("shared.weight"), 1.0);
            assertStd(p.get("lm_head.weight"), 1.0);
            assertStd(p.get("encoder.block.0.layer.0.SelfAttention.q.weight"), Math.pow(256 * 64, -0.5));
            assertStd(p.get("decoder.block.2.layer.1.EncDecAttention.k.weight"), Math.pow(256, -0.5));
            assertStd(p.get("encoder.block.3.layer.0.SelfAttention.o.weight"), Math.pow(4 * 64, -0.5));
            assertStd(p.get("encoder.block.0.layer.1.DenseReluDense.wi_0.weight"), Math.pow(256, -0.5));
            assertStd(p.get("decoder.block.3.layer.2.DenseReluDense.wo.weight"), Math.pow(1024, -0.5));
            assertEquals(1.0, p.get("decoder.final_layer_norm.weight").mean().item_float(), 0.0);
            long n = p.values().stream().mapToLong(Tensor::numel).sum();
            assertTrue(n > 25_000_000 && n < 27_000_000, "t5-mini has about 25.9M parameters, found " + n);
        }
    }

    @Test
    void sameSeedSameWeights() {
        try (PointerScope s = new PointerScope();
                T5Model a = T5Model.create(T5Config.t5Mini(), 3);
                T5Model b = T5Model.create(T5Config.t5Mini(), 3)) {
            assertTrue(org.bytedeco.pytorch.global.torch.equal(a.sharedWeight(), b.sharedWeight()));
        }
    }

    private static void assertStd(Tensor t, double want) {
        double got = t.std().item_float();
        assertEquals(want, got, want * 0.05, "std");
        assertEquals(0.0, t.mean().item_float(), want * 0.05, "mean");
    }
}
