package dev.uem.model.t5;

import dev.uem.torch.Tensors;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LinearOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Multi-head attention as T5 does it: no 1/sqrt(d_kv) scaling (the init absorbs it), no biases, and an
 * additive bias that carries both the learned relative-position term and the masks. Only the first block of
 * each stack owns {@code relative_attention_bias}; it computes the bias once and every layer reuses it.
 */
final class T5Attention extends Module {
    final LinearImpl q, k, v, o;
    final EmbeddingImpl relativeAttentionBias; // null except in block 0
    private final T5Config cfg;
    private final boolean isDecoder;

    T5Attention(T5Config cfg, boolean isDecoder, boolean hasRelativeAttentionBias) {
        super("T5Attention");
        this.cfg = cfg;
        this.isDecoder = isDecoder;
        int inner = cfg.innerDim();
        q = register_module("q", linear(cfg.dModel(), inner));
        k = register_module("k", linear(cfg.dModel(), inner));
        v = register_module("v", linear(cfg.dModel(), inner));
        o = register_module("o", linear(inner, cfg.dModel()));
        relativeAttentionBias = hasRelativeAttentionBias
                ? register_module(
                        "relative_attention_bias", new EmbeddingImpl(cfg.relativeAttentionNumBuckets(), cfg.numHeads()))
                : null;
    }

    static LinearImpl linear(long in, long out) {
        LinearOptions lo = new LinearOptions(in, out);
        lo.bias().put(false);
        return new LinearImpl(lo);
    }

    /**
     * The learned position bias {@code [1, H, qLen, kLen]} for queries at absolute positions
     * {@code qStart..qStart+qLen-1} (qStart > 0 when decoding incrementally against a cache).
     */
    Tensor positionBias(int qStart, int qLen, int kLen) {
        long[] buckets = RelativePositionBuckets.table(
                qStart, qLen, kLen, !isDecoder, cfg.relativeAttentionNumBuckets(), cfg.relativeAttentionMaxDistance());
        Tensor ids = Tensors.onDeviceOf(relativeAttentionBias.weight(), Tensor.create(buckets, qLen, kLen));
        return relativeAttentionBias.forward(ids).permute(2, 0, 1).unsqueeze(0); // [q,k,H] -> [1,H,q,k]
    }

    /**
     * @param hidden   queries' input {@code [B, Lq, D]} (already normalised)
     * @param memory   keys/values' input for cross-attention {@code [B, S, D]}, or null for self-attention
     * @param bias     additive bias broadcastable to {@code [B, H, Lq, Lk]}: position bias plus masks
     * @param cache    this layer's KV cache when decoding incrementally, else null
     */
    Tensor forward(Tensor hidden, Tensor memory, Tensor bias, KvCache.Layer cache, int cachedLength) {
        long b = hidden.size(0), lq = hidden.size(1);
        Tensor query = heads(q.forward(hidden), b);
        Tensor key, value;
        if (memory != null) { // cross-attention: the encoder output never changes while decoding
            if (cache != null && cache.crossKey != null) {
                key = cache.crossKey;
                value = cache.crossValue;
            } else {
                key = heads(k.forward(memory), b);
                value = heads(v.forward(memory), b);
                if (cache != null) {
                    cache.crossKey = key;
                    cache.crossValue = value;
                    key.retainReference(); // outlives the step's PointerScope
                    value.retainReference();
                }
            }
        } else if (cache != null) {
            cache.selfKey.narrow(2, cachedLength, lq).copy_(heads(k.forward(hidden), b));
            cache.selfValue.narrow(2, cachedLength, lq).copy_(heads(v.forward(hidden), b));
            key = cache.selfKey.narrow(2, 0, cachedLength + lq);
            value = cache.selfValue.narrow(2, 0, cachedLength + lq);
        } else {
            key = heads(k.forward(hidden), b);
            value = heads(v.forward(hidden), b);
        }
        Tensor scores = query.matmul(key.transpose(3, 2)).add(bias);
        Tensor weights = torch.softmax(scores, -1, new ScalarTypeOptional(torch.ScalarType.Float))
                .type_as(scores);
        weights = Dropout.apply(weights, cfg.dropoutRate(), is_training());
        Tensor context = weights.matmul(value).transpose(1, 2).reshape(b, lq, cfg.innerDim());
        return o.forward(context);
    }

    /** {@code [B, L, H*dKv] -> [B, H, L, dKv]}. */
    private Tensor heads(Tensor x, long b) {
        return x.view(b, -1, cfg.numHeads(), cfg.dKv()).transpose(1, 2);
    }
}
