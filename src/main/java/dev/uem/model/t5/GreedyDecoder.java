package dev.uem.model.t5;

import dev.uem.torch.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Batched greedy decoding with a KV cache, as HF {@code generate(do_sample=False, num_beams=1)}: start from {@code
 * decoder_start_token_id}, take the first argmax of the last position's logits, give rows that already emitted EOS the
 * pad id, stop when every row has finished or after {@code maxNewTokens}. Tokens the model limits to one use ({@link
 * T5Model#limitRepeats}) get -inf logits in a row once that row has emitted them (like HF's bad-words processing, per
 * row).
 */
public final class GreedyDecoder {
    /**
     * Generated ids {@code [B][1+n]} (starting with the start token) and, if kept, per-step logits {@code [n][B][V]}.
     */
    public record Result(long[][] sequences, List<float[][]> stepLogits) {}

    private final T5Model model;

    public GreedyDecoder(T5Model model) {
        this.model = model;
    }

    /**
     * Additive logits for every row's next token, from what each row has emitted so far ({@code seq[i][0..n]}, the
     * start token first) and the step's logits ({@code logits}, {@code [B * V]} row-major over the model's output
     * columns, -inf where a once-only token was used): {@code [B * V]} the same way, or null for none.
     */
    public interface StepBias {
        float[] next(long[][] seq, int n, float[] logits, int columns);
    }

    public Result generate(Tensor inputsEmbeds, Tensor attentionMask, int maxNewTokens, boolean keepStepLogits) {
        return generate(inputsEmbeds, attentionMask, maxNewTokens, keepStepLogits, null);
    }

    public Result generate(
            Tensor inputsEmbeds, Tensor attentionMask, int maxNewTokens, boolean keepStepLogits, StepBias bias) {
        T5Config cfg = model.config;
        int b = (int) inputsEmbeds.size(0);
        long[][] seq = new long[b][maxNewTokens + 1];
        boolean[] done = new boolean[b];
        List<float[][]> steps = new ArrayList<>();
        // tokens limited to one use per sequence: once a row emits one, its logit column is -inf in that row
        java.util.Map<Long, Long> onceColumn = new java.util.HashMap<>(); // token id -> logit column
        long[] once = model.onceTokens();
        if (once != null) for (long t : once) onceColumn.put(t, model.columnOfToken(t));
        float[] blocked = null; // [B, V] additive mask, made when the first limited token is emitted
        int n = 0;
        try (PointerScope outer = new PointerScope();
                InferenceMode im = new InferenceMode()) {
            Tensor memory = model.encode(inputsEmbeds, attentionMask);
            try (KvCache cache = new KvCache(cfg, b, maxNewTokens, memory)) { // on the encoder output's device
                long[] next = new long[b];
                java.util.Arrays.fill(next, cfg.decoderStartTokenId());
                for (int i = 0; i < b; i++) seq[i][0] = cfg.decoderStartTokenId();
                while (n < maxNewTokens) {
                    try (PointerScope step = new PointerScope()) {
                        Tensor ids = Tensors.onDeviceOf(memory, Tensors.longs(next, b, 1));
                        // [B, V]
                        Tensor logits = model.logits(model.decode(ids, memory, attentionMask, cache))
                                .select(1, 0);
                        if (keepStepLogits) steps.add(toRows(logits, b));
                        long v = logits.size(1);
                        if (blocked != null)
                            logits = logits.add(Tensors.onDeviceOf(logits, Tensors.floats(blocked, b, v)));
                        float[] extra = bias == null ? null : bias.next(seq, n, Tensors.toFloats(logits), (int) v);
                        if (extra != null) logits = logits.add(Tensors.onDeviceOf(logits, Tensors.floats(extra, b, v)));
                        long[] best = Tensors.toLongs(logits.argmax(new LongOptional(1), false));
                        boolean all = true;
                        for (int i = 0; i < b; i++) {
                            next[i] = done[i] ? cfg.padTokenId() : model.tokenOfColumn(best[i]);
                            seq[i][n + 1] = next[i];
                            Long column = onceColumn.get(next[i]);
                            if (column != null && !done[i]) {
                                if (blocked == null) blocked = new float[(int) (b * v)];
                                blocked[(int) (i * v + column)] = Float.NEGATIVE_INFINITY;
                            }
                            done[i] |= next[i] == cfg.eosTokenId();
                            all &= done[i];
                        }
                        n++;
                        if (all) break;
                    }
                }
            }
        }
        long[][] out = new long[b][];
        for (int i = 0; i < b; i++) out[i] = java.util.Arrays.copyOf(seq[i], n + 1);
        return new Result(out, steps);
    }

    private static float[][] toRows(Tensor logits, int b) {
        float[] flat = Tensors.toFloats(logits);
        int v = flat.length / b;
        float[][] rows = new float[b][];
        for (int i = 0; i < b; i++) rows[i] = java.util.Arrays.copyOfRange(flat, i * v, (i + 1) * v);
        return rows;
    }
}
