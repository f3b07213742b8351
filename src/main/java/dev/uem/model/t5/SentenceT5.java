package dev.uem.model.t5;

import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.io.WeightsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Sentence-T5 (Ni et al. 2021): the T5 encoder, a masked mean over its output, a bias-free dense layer and L2
 * normalisation. The dense weight comes from {@code sentence_t5_dense.safetensors} (key {@code dense.weight},
 * or {@code linear.weight} as sentence-transformers names it).
 */
public final class SentenceT5 extends Module {
    public static final String DENSE_FILE = "sentence_t5_dense.safetensors";

    /** The three stages, for checking each against a reference. */
    public record Embedding(Tensor meanPooled, Tensor dense, Tensor normalized) {}

    private final T5Model t5;
    private final LinearImpl dense;

    private SentenceT5(T5Model t5, LinearImpl dense) {
        super("SentenceT5");
        this.t5 = register_module("t5", t5);
        this.dense = register_module("dense", dense);
    }

    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve(DENSE_FILE));
    }

    /** Loads the encoder (decoder weights, if any, are ignored) and the dense projection from {@code dir}. */
    public static SentenceT5 load(Path dir) {
        T5Model t5 = T5Checkpoint.load(dir, false);
        Path file = dir.resolve(DENSE_FILE);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            String key = f.names().contains("dense.weight") ? "dense.weight" : "linear.weight";
            if (!f.names().contains(key))
                throw new WeightsException(file, "dense.weight", "missing (found " + f.names() + ")");
            Tensor w = f.read(key);
            long d = t5.config.dModel();
            if (w.dim() != 2 || w.size(1) != d)
                throw new WeightsException(
                        file, key, "shape " + Arrays.toString(w.shape()) + " but expected [out, " + d + "]");
            LinearImpl dense = T5Attention.linear(d, w.size(0));
            try (NoGradGuard g = new NoGradGuard()) {
                dense.weight().copy_(w);
            }
            return new SentenceT5(t5, dense);
        } catch (RuntimeException e) {
            t5.close();
            throw e;
        }
    }

    public T5Model t5() {
        return t5;
    }

    public Embedding embed(Tensor inputIds, Tensor attentionMask) {
        Tensor h = t5.encode(t5.embed(inputIds), attentionMask);
        Tensor m = attentionMask.to(torch.ScalarType.Float).unsqueeze(-1);
        Tensor mean = h.mul(m)
                .sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional())
                .div(m.sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional())
                        .clamp_min(new Scalar(1e-9)));
        Tensor projected = dense.forward(mean);
        Tensor norm = projected
                .norm(new org.bytedeco.pytorch.ScalarOptional(new Scalar(2.0)), new long[] {-1}, true)
                .clamp_min(new Scalar(1e-12));
        return new Embedding(mean, projected, projected.div(norm));
    }
}
