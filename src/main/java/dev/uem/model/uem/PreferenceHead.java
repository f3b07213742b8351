package dev.uem.model.uem;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The {@link PreferenceReadout.Kind#MEAN} readout: the mean of the real tokens through a small MLP to the three outputs
 * per label. What the decoder's head reads (one state), and {@code --head mean} for the UEM: a mean over the window
 * cannot divide a genre's rating sum by its count, so it reads the label rule less well the longer the history
 * (bench/RESULTS.md).
 */
public final class PreferenceHead extends Module implements PreferenceReadout {
    final LinearImpl hidden, out;
    public final int labels;

    public PreferenceHead(long width, int labels) {
        super("PreferenceHead");
        PreferenceReadout.checkShape(width, labels);
        this.labels = labels;
        hidden = register_module("hidden", new LinearImpl(width, width));
        out = register_module("out", new LinearImpl(width, 3L * labels));
    }

    @Override
    public int labels() {
        return labels;
    }

    @Override
    public Tensor forward(Tensor rows, Tensor mask) {
        Tensor keep = mask.to(rows.scalar_type()).unsqueeze(-1); // [B, p, 1]
        Tensor pooled = rows.mul(keep)
                .sum(new long[] {1}, false, new ScalarTypeOptional())
                .div(keep.sum(new long[] {1}, false, new ScalarTypeOptional()).clamp_min(new Scalar(1.0)));
        return out.forward(torch.gelu(hidden.forward(pooled), "tanh")).view(rows.size(0), 3, labels);
    }
}
