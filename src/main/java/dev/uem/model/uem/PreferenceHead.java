package dev.uem.model.uem;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * An auxiliary multi-label readout of the UEM: the mean of the user's real rows (UEM output before the projection
 * to the LM width, which is linear, so nothing the LM sees is hidden from it) through a small MLP to two logits per
 * label of a {@link dev.uem.data.LabelSpace}: the user's whole-history labels and the label rule on the shown
 * window (the latter is a function of the input alone, so it cannot be learnt by memorising users).
 *
 * <p>Why it exists: trained only through the LM's sentence loss, a from-scratch T5 learns the sentence prior long
 * before the UEM's rows say anything about genres, and settles on one sentence for everyone. A direct loss on
 * the UEM makes its tokens carry the preferences first (bench/RESULTS.md, "Quality").
 */
public final class PreferenceHead extends Module {
    /** The two target sets the head predicts, in the order of its output's second dimension. */
    public static final int USER = 0, WINDOW = 1;
    final LinearImpl hidden, out;
    public final int labels;

    public PreferenceHead(int width, int labels) {
        super("PreferenceHead");
        if (width <= 0 || labels <= 0) throw new IllegalArgumentException("preference head: width and labels must be > 0, found " + width + ", " + labels);
        this.labels = labels;
        hidden = register_module("hidden", new LinearImpl(width, width));
        out = register_module("out", new LinearImpl(width, 2L * labels));
    }

    /**
     * @param rows {@code [B, p, h]} UEM hidden rows
     * @param mask {@code [B, p]} 1 for real rows
     * @return logits {@code [B, 2, labels]}: index {@link #USER} the whole-history labels, {@link #WINDOW} the window's
     */
    public Tensor forward(Tensor rows, Tensor mask) {
        Tensor keep = mask.to(rows.scalar_type()).unsqueeze(-1);                           // [B, p, 1]
        Tensor pooled = rows.mul(keep).sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional())
                .div(keep.sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional()).clamp_min(new Scalar(1.0)));
        return out.forward(torch.gelu(hidden.forward(pooled), "tanh")).view(rows.size(0), 2, labels);
    }

    /** Mean binary cross-entropy of both target sets (each {@code [B, labels]} multi-hot). */
    public static Tensor loss(Tensor logits, Tensor userTargets, Tensor windowTargets) {
        return torch.binary_cross_entropy_with_logits(logits.select(1, USER), userTargets)
                .add(torch.binary_cross_entropy_with_logits(logits.select(1, WINDOW), windowTargets));
    }
}
