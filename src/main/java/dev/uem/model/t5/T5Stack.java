package dev.uem.model.t5;

import dev.uem.torch.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.ModuleListImpl;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The encoder or the decoder: dropout on the input embeddings, N blocks, a final RMSNorm and dropout.
 * The token embedding table is the model's {@code shared} and is not registered here (HF's
 * {@code embed_tokens} is only an alias of it), so the stack takes embeddings, not ids.
 */
final class T5Stack extends Module {
    /** HF adds {@code torch.finfo(float32).min} for masked positions. */
    static final float MASK_VALUE = -Float.MAX_VALUE;

    private final T5Config cfg;
    private final boolean isDecoder;
    final List<T5Block> blocks = new ArrayList<>();
    final T5LayerNorm finalLayerNorm;

    T5Stack(T5Config cfg, boolean isDecoder) {
        super(isDecoder ? "T5Decoder" : "T5Encoder");
        this.cfg = cfg;
        this.isDecoder = isDecoder;
        ModuleListImpl block = register_module("block", new ModuleListImpl());
        for (int i = 0; i < cfg.layers(isDecoder); i++) {
            T5Block b = new T5Block(cfg, isDecoder, i == 0);
            block.push_back(b);
            blocks.add(b);
        }
        finalLayerNorm = register_module("final_layer_norm", new T5LayerNorm(cfg.dModel(), cfg.layerNormEpsilon()));
    }

    /**
     * @param embeds        input embeddings {@code [B, L, D]}
     * @param attentionMask {@code [B, L]} 1 for real positions, 0 for padding; null means all real
     *                      (encoder: key padding; decoder: ignored, only the causal mask applies, as in HF
     *                      when no decoder_attention_mask is given)
     * @param memory        decoder only: encoder output {@code [B, S, D]}
     * @param memoryMask    decoder only: encoder attention mask {@code [B, S]}
     * @param cache         decoder only, incremental decoding: keys/values of earlier positions
     */
    Tensor forward(Tensor embeds, Tensor attentionMask, Tensor memory, Tensor memoryMask, KvCache cache) {
        int len = (int) embeds.size(1);
        int past = cache == null ? 0 : cache.length();
        Tensor selfBias = blocks.get(0).selfAttention.attention.positionBias(past, len, past + len);
        if (isDecoder) {
            if (len > 1) selfBias = selfBias.add(Tensors.onDeviceOf(embeds, causalMask(past, len, past + len)));
        } else if (attentionMask != null) {
            selfBias = selfBias.add(paddingMask(attentionMask));
        }
        Tensor memoryBias = isDecoder && memoryMask != null ? paddingMask(memoryMask) : null;
        if (isDecoder && memoryBias == null) memoryBias = Tensors.onDeviceOf(embeds, torch.zeros(1, 1, 1, 1));

        Tensor h = dropout(embeds);
        for (int i = 0; i < blocks.size(); i++)
            h = blocks.get(i).forward(h, selfBias, memory, memoryBias, cache == null ? null : cache.layer(i), past);
        if (cache != null) cache.advance(len);
        return dropout(finalLayerNorm.forward(h));
    }

    private Tensor dropout(Tensor x) {
        return Dropout.apply(x, cfg.dropoutRate(), is_training());
    }

    /** {@code [B, L]} 0/1 mask to an additive {@code [B, 1, 1, L]} bias: 0 where real, MASK_VALUE where padded. */
    static Tensor paddingMask(Tensor mask) {
        Tensor m = mask.to(torch.ScalarType.Float).unsqueeze(1).unsqueeze(1);
        return m.neg().add(new Scalar(1.0)).mul(new Scalar(MASK_VALUE));
    }

    /** Additive {@code [1, 1, qLen, kLen]} mask hiding keys after each query (queries start at {@code qStart}). */
    static Tensor causalMask(int qStart, int qLen, int kLen) {
        float[] m = new float[qLen * kLen];
        for (int i = 0; i < qLen; i++) for (int j = qStart + i + 1; j < kLen; j++) m[i * kLen + j] = MASK_VALUE;
        return Tensor.create(m, 1, 1, qLen, kLen);
    }
}
