package dev.uem.model.t5;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.ModuleListImpl;
import org.bytedeco.pytorch.Tensor;

/** One T5 block: self-attention, cross-attention (decoder only), feed-forward, under HF's {@code layer.N} names. */
final class T5Block extends Module {
    final T5Layers.SelfAttention selfAttention;
    final T5Layers.CrossAttention crossAttention; // null in the encoder
    final T5Layers.FeedForward feedForward;

    T5Block(T5Config cfg, boolean isDecoder, boolean hasRelativeBias) {
        super("T5Block");
        // ModuleList.get() returns plain Modules, so the typed Java references are kept alongside
        ModuleListImpl layer = register_module("layer", new ModuleListImpl());
        selfAttention = new T5Layers.SelfAttention(cfg, isDecoder, hasRelativeBias);
        layer.push_back(selfAttention);
        crossAttention = isDecoder ? new T5Layers.CrossAttention(cfg) : null;
        if (crossAttention != null) layer.push_back(crossAttention);
        feedForward = new T5Layers.FeedForward(cfg);
        layer.push_back(feedForward);
    }

    Tensor forward(Tensor x, Tensor selfBias, Tensor memory, Tensor memoryBias, KvCache.Layer cache, int cachedLength) {
        x = selfAttention.forward(x, selfBias, cache, cachedLength);
        if (crossAttention != null) x = crossAttention.forward(x, memory, memoryBias, cache);
        return feedForward.forward(x);
    }
}
