package dev.uem.model.t5;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The three residual sub-layers of a T5 block, each "normalise, transform, dropout, add" (pre-norm), with
 * HF's module names ({@code SelfAttention}, {@code EncDecAttention}, {@code DenseReluDense}, {@code layer_norm})
 * so parameter names match checkpoints key for key.
 */
final class T5Layers {
    private T5Layers() {}

    static Tensor residual(Module m, Tensor x, Tensor y, double dropout) {
        return x.add(Dropout.apply(y, dropout, m.is_training()));
    }

    /** {@code layer.0}: self-attention. */
    static final class SelfAttention extends Module {
        final T5Attention attention;
        final T5LayerNorm layerNorm;
        private final double dropout;

        SelfAttention(T5Config cfg, boolean isDecoder, boolean hasRelativeBias) {
            super("T5LayerSelfAttention");
            attention = register_module("SelfAttention", new T5Attention(cfg, isDecoder, hasRelativeBias));
            layerNorm = register_module("layer_norm", new T5LayerNorm(cfg.dModel(), cfg.layerNormEpsilon()));
            dropout = cfg.dropoutRate();
        }

        Tensor forward(Tensor x, Tensor bias, KvCache.Layer cache, int cachedLength) {
            return residual(this, x, attention.forward(layerNorm.forward(x), null, bias, cache, cachedLength), dropout);
        }
    }

    /** {@code layer.1} of a decoder block: attention over the encoder output. */
    static final class CrossAttention extends Module {
        final T5Attention attention;
        final T5LayerNorm layerNorm;
        private final double dropout;

        CrossAttention(T5Config cfg) {
            super("T5LayerCrossAttention");
            attention = register_module("EncDecAttention", new T5Attention(cfg, true, false));
            layerNorm = register_module("layer_norm", new T5LayerNorm(cfg.dModel(), cfg.layerNormEpsilon()));
            dropout = cfg.dropoutRate();
        }

        Tensor forward(Tensor x, Tensor memory, Tensor memoryBias, KvCache.Layer cache) {
            return residual(this, x, attention.forward(layerNorm.forward(x), memory, memoryBias, cache, 0), dropout);
        }
    }

    /** The last layer of every block: the feed-forward network. */
    static final class FeedForward extends Module {
        final T5DenseActDense dense;
        final T5LayerNorm layerNorm;
        private final double dropout;

        FeedForward(T5Config cfg) {
            super("T5LayerFF");
            dense = register_module("DenseReluDense", new T5DenseActDense(cfg));
            layerNorm = register_module("layer_norm", new T5LayerNorm(cfg.dModel(), cfg.layerNormEpsilon()));
            dropout = cfg.dropoutRate();
        }

        Tensor forward(Tensor x) {
            return residual(this, x, dense.forward(layerNorm.forward(x)), dropout);
        }
    }
}
