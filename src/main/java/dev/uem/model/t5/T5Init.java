package dev.uem.model.t5;

import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * HF's {@code T5PreTrainedModel._init_weights}: normal initialisation whose standard deviations keep activations
 * at unit scale without T5's missing 1/sqrt(d) attention scaling; RMSNorm weights start at 1.
 */
final class T5Init {
    private T5Init() {}

    static void apply(T5Model m, long seed) {
        T5Config c = m.config;
        double f = c.initializerFactor();
        double dModel = c.dModel(), dKv = c.dKv(), heads = c.numHeads(), dFf = c.dFf();
        torch.manual_seed(seed);
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                String name = e.getKey();
                Tensor p = e.getValue();
                if (name.endsWith("layer_norm.weight")) p.fill_(new org.bytedeco.pytorch.Scalar(f));
                else
                    p.normal_(0.0, std(name, f, dModel, dKv, heads, dFf), new org.bytedeco.pytorch.GeneratorOptional());
            }
        }
    }

    static double std(String name, double f, double dModel, double dKv, double heads, double dFf) {
        if (name.equals("shared.weight") || name.equals("lm_head.weight")) return f;
        if (name.endsWith(".q.weight")) return f * Math.pow(dModel * dKv, -0.5);
        if (name.endsWith(".k.weight") || name.endsWith(".v.weight")) return f * Math.pow(dModel, -0.5);
        if (name.endsWith(".o.weight")) return f * Math.pow(heads * dKv, -0.5);
        if (name.endsWith("relative_attention_bias.weight")) return f * Math.pow(dModel, -0.5);
        if (name.endsWith(".wo.weight")) return f * Math.pow(dFf, -0.5);
        if (name.contains(".wi")) return f * Math.pow(dModel, -0.5);
        throw new IllegalStateException("no init rule for parameter " + name);
    }
}
