package dev.uem.model.t5;

import dev.uem.torch.Modules;
import dev.uem.torch.Tensors;
import java.util.Map;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

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
    final T5Stack decoder; // null for an encoder-only model
    final LinearImpl lmHead; // null when tied to shared
    private long[] outputTokens; // the token ids the LM head scores, ascending; null = the whole vocabulary
    private long[] onceTokens; // token ids greedy decoding emits at most once per sequence; null = no limit

    /** Teacher-forced outputs; {@code loss} is null when no labels were given. */
    public record Output(Tensor encoderHidden, Tensor decoderHidden, Tensor logits, Tensor loss) {}

    private T5Model(T5Config config, boolean withDecoder) {
        super("T5ForConditionalGeneration");
        this.config = config;
        shared = register_module("shared", new EmbeddingImpl(config.vocabSize(), config.dModel()));
        encoder = register_module("encoder", new T5Stack(config, false));
        decoder = withDecoder ? register_module("decoder", new T5Stack(config, true)) : null;
        lmHead = withDecoder && !config.tieWordEmbeddings()
                ? register_module("lm_head", T5Attention.linear(config.dModel(), config.vocabSize()))
                : null;
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

    /**
     * Restricts the LM head to {@code tokens} (the task's output vocabulary): logits, loss and generation then range
     * over these ids only, in ascending order. The parameters keep their full shape, so checkpoints are unchanged. Why:
     * a T5 trained from scratch spends its first hundreds of steps learning which 40 of 32,128 words the task ever
     * writes; with the other 32,088 out of the softmax its loss can only fall by reading the user (bench/RESULTS.md,
     * "Quality").
     */
    public T5Model restrictOutput(long[] tokens) {
        requireDecoder();
        long[] ids = java.util.Arrays.stream(tokens).distinct().sorted().toArray();
        if (ids.length == 0 || ids[0] < 0 || ids[ids.length - 1] >= config.vocabSize())
            throw new IllegalArgumentException("output vocabulary: token ids must lie in [0, " + config.vocabSize()
                    + "), found " + java.util.Arrays.toString(ids));
        if (java.util.Arrays.binarySearch(ids, config.eosTokenId()) < 0)
            throw new IllegalArgumentException("output vocabulary: must contain the EOS id " + config.eosTokenId());
        outputTokens = ids;
        return this;
    }

    /**
     * Tokens that {@link GreedyDecoder} emits at most once per sequence (a grammar rule of the task's sentences: each
     * genre is named once); null or empty lifts the limit. Training is unaffected.
     */
    public T5Model limitRepeats(long[] tokens) {
        if (tokens != null)
            for (long t : tokens)
                if (t < 0
                        || t >= config.vocabSize()
                        || (outputTokens != null && java.util.Arrays.binarySearch(outputTokens, t) < 0))
                    throw new IllegalArgumentException("limited token " + t + " is not in the LM's output vocabulary");
        onceTokens = tokens == null || tokens.length == 0 ? null : tokens.clone();
        return this;
    }

    /** The tokens emitted at most once per sequence, or null. */
    public long[] onceTokens() {
        return onceTokens == null ? null : onceTokens.clone();
    }

    /** The logit column of token {@code id} (its position in the output vocabulary). */
    public long columnOfToken(long id) {
        if (outputTokens == null) return id;
        int i = java.util.Arrays.binarySearch(outputTokens, id);
        if (i < 0) throw new IllegalArgumentException("token " + id + " is not in the LM's output vocabulary");
        return i;
    }

    /** The token ids the LM head scores (ascending), or null when it scores the whole vocabulary. */
    public long[] outputTokens() {
        return outputTokens == null ? null : outputTokens.clone();
    }

    /** The token id of logit column {@code column}. */
    public long tokenOfColumn(long column) {
        return outputTokens == null ? column : outputTokens[(int) column];
    }

    /** Vocabulary logits; a tied head rescales by {@code d_model^-0.5} first, as original T5 does. */
    public Tensor logits(Tensor decoderHidden) {
        requireDecoder();
        Tensor h = lmHead != null ? decoderHidden : decoderHidden.mul(new Scalar(Math.pow(config.dModel(), -0.5)));
        Tensor w = lmHead != null ? lmHead.weight() : shared.weight();
        if (outputTokens == null) return lmHead != null ? lmHead.forward(decoderHidden) : h.matmul(w.t());
        // the ids tensor is made per call in the caller's PointerScope: 40 longs, nothing native kept by the model
        return h.matmul(w.index_select(0, Tensors.onDeviceOf(w, Tensors.longs(outputTokens, outputTokens.length)))
                .t());
    }

    /**
     * {@code labels} as logit columns: unchanged for the whole vocabulary, else each id's position; -100 stays -100,
     * and so does a token outside the output vocabulary (ignored: a task target never has one, see TargetVocabulary).
     */
    public Tensor labelColumns(Tensor labels) {
        if (outputTokens == null) return labels;
        long[] ids = Tensors.toLongs(labels); // B x T labels: small, mapped on the Java side
        for (int i = 0; i < ids.length; i++) {
            int c = ids[i] == -100 ? -1 : java.util.Arrays.binarySearch(outputTokens, ids[i]);
            ids[i] = c < 0 ? -100 : c;
        }
        return Tensors.onDeviceOf(
                labels, Tensors.longs(ids, labels.sizes().vec().get()));
    }

    /**
     * Teacher-forced forward pass. The decoder input is {@code labels} shifted right (HF's {@code _shift_right})
     * and the loss is the mean cross-entropy over positions whose label is not -100.
     */
    public Output forward(Tensor inputsEmbeds, Tensor attentionMask, Tensor labels) {
        Tensor enc = encode(inputsEmbeds, attentionMask);
        Tensor dec = decode(shiftRight(labels), enc, attentionMask, null);
        Tensor logits = logits(dec);
        return new Output(enc, dec, logits, loss(logits, labelColumns(labels)));
    }

    /**
     * Mean cross-entropy of {@code logits [B, T, V]} against {@code labels [B, T]}, ignoring -100; in float32 under
     * bf16 autocast too.
     */
    public static Tensor loss(Tensor logits, Tensor labels) {
        return torch.cross_entropy(logits.reshape(-1, logits.size(-1)).to(torch.ScalarType.Float), labels.reshape(-1));
    }

    /** {@code [start, labels[:, :-1]]} with -100 replaced by the pad id. */
    public Tensor shiftRight(Tensor labels) {
        long b = labels.size(0);
        Tensor start = Tensors.onDeviceOf(
                labels, torch.full(new long[] {b, 1}, new Scalar((long) config.decoderStartTokenId()), Tensors.LONG));
        Tensor shifted =
                torch.cat(new org.bytedeco.pytorch.TensorVector(start, labels.narrow(1, 0, labels.size(1) - 1)), 1);
        return shifted.masked_fill(shifted.eq(new Scalar(-100L)), new Scalar((long) config.padTokenId()));
    }

    /** Parameters by HF name, in registration order (tied weights once, under {@code shared.weight}). */
    public Map<String, Tensor> namedParameters() {
        return Modules.namedParameters(this);
    }

    /** Copies values into parameters without recording the copy in autograd. */
    void assign(Map<String, Tensor> values) {
        Map<String, Tensor> params = namedParameters();
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : values.entrySet())
                params.get(e.getKey()).copy_(e.getValue());
        }
    }

    private void requireDecoder() {
        if (decoder == null) throw new IllegalStateException("this T5 was loaded encoder-only (no decoder)");
    }
}
