package dev.uem.model.t5;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Decoder key/value cache for incremental (one token at a time) decoding.
 *
 * <p>Self-attention keys and values are written into buffers preallocated for the longest sequence, so a
 * step costs one projection of the new token instead of re-running the whole prefix, and nothing is
 * concatenated. Cross-attention keys and values depend only on the encoder output and are computed once.
 */
public final class KvCache implements AutoCloseable {
    /** One decoder layer's cached tensors. */
    static final class Layer {
        final Tensor selfKey, selfValue; // [B, H, maxLen, dKv]
        Tensor crossKey, crossValue; // [B, H, S, dKv] once computed

        Layer(Tensor like, long batch, long heads, long maxLen, long dKv) {
            selfKey = like.new_zeros(batch, heads, maxLen, dKv);
            selfValue = like.new_zeros(batch, heads, maxLen, dKv);
        }
    }

    private final List<Layer> layers = new ArrayList<>();
    private final int maxLength;
    private int length;

    /** Buffers of {@code like}'s dtype on its device (the encoder output the decoder reads). */
    KvCache(T5Config cfg, long batch, int maxLength, Tensor like) {
        this.maxLength = maxLength;
        for (int i = 0; i < cfg.numDecoderLayers(); i++)
            layers.add(new Layer(like, batch, cfg.numHeads(), maxLength, cfg.dKv()));
    }

    Layer layer(int i) {
        return layers.get(i);
    }

    /** Number of decoder positions already cached. */
    int length() {
        return length;
    }

    /** Drops the cross-attention tensors the cache kept alive beyond their step's PointerScope. */
    @Override
    public void close() {
        for (Layer l : layers) {
            if (l.crossKey != null) l.crossKey.releaseReference();
            if (l.crossValue != null) l.crossValue.releaseReference();
            l.crossKey = l.crossValue = null;
        }
    }

    void advance(int steps) {
        if (length + steps > maxLength) throw new IllegalStateException("KV cache full: " + maxLength + " positions");
        length += steps;
    }
}
