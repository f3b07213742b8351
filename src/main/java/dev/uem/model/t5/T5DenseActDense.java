package dev.uem.model.t5;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The feed-forward network, HF's {@code DenseReluDense}: {@code wo(act(wi x))} for original T5, or the gated
 * form {@code wo(act(wi_0 x) * wi_1 x)} of T5 v1.1 / Flan-T5. Dropout sits before {@code wo}.
 */
final class T5DenseActDense extends Module {
    final LinearImpl wi, wi0, wi1, wo; // wi for plain, wi0/wi1 for gated
    private final Activation act;
    private final double dropout;

    T5DenseActDense(T5Config cfg) {
        super("T5DenseActDense");
        if (cfg.isGatedAct()) {
            wi = null;
            wi0 = register_module("wi_0", T5Attention.linear(cfg.dModel(), cfg.dFf()));
            wi1 = register_module("wi_1", T5Attention.linear(cfg.dModel(), cfg.dFf()));
        } else {
            wi = register_module("wi", T5Attention.linear(cfg.dModel(), cfg.dFf()));
            wi0 = wi1 = null;
        }
        wo = register_module("wo", T5Attention.linear(cfg.dFf(), cfg.dModel()));
        act = Activation.of(cfg.denseActFn());
        dropout = cfg.dropoutRate();
    }

    Tensor forward(Tensor x) {
        Tensor h = wi != null
                ? act.apply(wi.forward(x))
                : act.apply(wi0.forward(x)).mul(wi1.forward(x));
        h = Dropout.apply(h, dropout, is_training());
        return wo.forward(h);
    }
}
