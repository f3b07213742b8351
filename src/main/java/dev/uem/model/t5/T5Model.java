package dev.uem.model.t5;

import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Map;

/**
 * HF's {@code T5ForConditionalGeneration} (or {@code T5EncoderModel} when built without a decoder) on libtorch.
 *
 * <p>The encoder takes embeddings, not ids: {@link #embed} looks tokens up in {@code shared}, and callers may
 * put anything else in front (soft prompts, user tokens) before {@link #encode}. Parameter names are HF's,
 * so checkpoints load key for key ({@link T5Checkpoint}).
 */
public final class T5Model extends Module {
    public final T5Config config;
    final EmbeddingImpl shared;
    final T5Stack encoder;
    final T5Stack decoder;   // null for an encoder-only model
    final LinearImpl lmHead; // null when tied to shared

    /** Teacher-forced outputs; {@code loss} is null when no labels were given. */
    public record Output(Tensor encoderHidden, Tensor decoderHidden, Tensor logits, Tensor loss) {}

    private T5Model(T5Config config, boolean withDecoder) {
        super("T5ForConditionalGeneration");
        this.config = config;
        shared = register_module("shared", new EmbeddingImpl(config.vocabSize(), config.dModel()));
        encoder = register_module("encoder", new T5Stack(config, false));
        decoder = withDecoder ? register_module("decoder", new T5Stack(config, true)) : null;
        lmHead = withDecoder && !config.tieWordEmbeddings()
                ? register_module("lm_head", T5Attention.linear(config.dModel(), config.vocabSize())) : null;
    }

    /** A full encoder-decoder with HF's {@code _init_weights} initialisation, seeded. */
    public static T5Model create(T5Config config, long seed) {
        T5Model m = new T5Model(config, true);
        T5Init.apply(m, seed);
        return m;
    }

    /** An uninitialised shell whose parameters a checkpoint will overwrite. */
    static T5Model shell(T5Config config, boolean withDecoder) {
        return new T5Model(config, withDecoder);
    }

    public boolean hasDecoder() {
        return decoder != null;
    }

    /** Token embeddings {@code [B, L, D]} from the shared table. */
    public Tensor embed(Tensor ids) {
        return shared.forward(ids);
    }

    /** The shared embedding table {@code [vocab, D]} (a parameter). */
    public Tensor sharedWeight() {
        return shared.weight();
    }

    /** Encoder output {@code [B, L, D]} after the final norm. {@code attentionMask} may be null (no padding). */
    public Tensor encode(Tensor inputsEmbeds, Tensor attentionMask) {
        return encoder.forward(inputsEmbeds, attentionMask, null, null, null);
    }

    /** Decoder output {@code [B, T, D]} after the final norm, before the LM head. */
    public Tensor decode(Tensor decoderInputIds, Tensor encoderHidden, Tensor encoderMask, KvCache cache) {
        requireDecoder();
        return decoder.forward(embed(decoderInputIds), null, encoderHidden, encoderMask, cache);
    }

    /** Vocabulary logits; a tied head rescales by {@code d_model^-0.5} first, as original T5 does. */
    public Tensor logits(Tensor decoderHidden) {
        requireDecoder();
        if (lmHead != null) return lmHead.forward(decoderHidden);
        return decoderHidden.mul(new Scalar(Math.pow(config.dModel(), -0.5))).matmul(shared.weight().t());
    }

    /**
     * Teacher-forced forward pass. The decoder input is {@code labels} shifted right (HF's {@code _shift_right})
     * and the loss is the mean cross-entropy over positions whose label is not -100.
     */
    public Output forward(Tensor inputsEmbeds, Tensor attentionMask, Tensor labels) {
        Tensor enc = encode(inputsEmbeds, attentionMask);
        Tensor dec = decode(shiftRight(labels), enc, attentionMask, null);
        Tensor logits = logits(dec);
        return new Output(enc, dec, logits, loss(logits, labels));
    }

    /** Mean cross-entropy of {@code logits [B, T, V]} against {@code labels [B, T]}, ignoring -100. */
    public static Tensor loss(Tensor logits, Tensor labels) {
        return torch.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1));
    }

    /** {@code [start, labels[:, :-1]]} with -100 replaced by the pad id. */
    public Tensor shiftRight(Tensor labels) {
        long b = labels.size(0);
        Tensor start = torch.full(new long[] {b, 1}, new Scalar((long) config.decoderStartTokenId()), dev.uem.torch.Tensors.LONG);
        Tensor shifted = torch.cat(new org.bytedeco.pytorch.TensorVector(start, labels.narrow(1, 0, labels.size(1) - 1)), 1);
        return shifted.masked_fill(shifted.eq(new Scalar(-100L)), new Scalar((long) config.padTokenId()));
    }

    /** Parameters by HF name, in registration order (tied weights once, under {@code shared.weight}). */
    public Map<String, Tensor> namedParameters() {
        return dev.uem.torch.Modules.namedParameters(this);
    }

    /** Copies values into parameters without recording the copy in autograd. */
    void assign(Map<String, Tensor> values) {
        Map<String, Tensor> params = namedParameters();
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : values.entrySet()) params.get(e.getKey()).copy_(e.getValue());
        }
    }

    private void requireDecoder() {
        if (decoder == null) throw new IllegalStateException("this T5 was loaded encoder-only (no decoder)");
    }
}
