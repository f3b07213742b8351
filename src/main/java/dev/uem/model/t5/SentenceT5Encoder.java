package dev.uem.model.t5;

import dev.uem.embed.SentenceEncoder;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;

/** The paper's item encoder: Sentence-T5 from a checkpoint folder (see weights/README.md), on libtorch. */
public final class SentenceT5Encoder implements SentenceEncoder {
    private static final int MAX_TOKENS = 256, BATCH = 32;

    private final String id;
    private final SentenceT5 model;
    private final T5Tokenizer tokenizer;

    public SentenceT5Encoder(Path dir) {
        TorchRuntime.init();
        this.id = "sentence-t5:" + dir.toAbsolutePath().normalize().getFileName();
        this.model = SentenceT5.load(dir);
        this.model.eval();
        this.tokenizer = T5Tokenizer.forCheckpoint(dir);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int dimension() {
        return (int) model.t5().config.dModel();
    }

    @Override
    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int from = 0; from < texts.size(); from += BATCH) {
            List<String> chunk = texts.subList(from, Math.min(texts.size(), from + BATCH));
            try (PointerScope scope = new PointerScope();
                    InferenceMode im = new InferenceMode()) {
                T5Tokenizer.Batch b = tokenizer.encodeBatch(chunk, MAX_TOKENS);
                Tensor v = model.embed(Tensors.longs(b.ids()), Tensors.longs(b.mask()))
                        .normalized();
                float[] flat = Tensors.toFloats(v);
                int d = flat.length / chunk.size();
                for (int i = 0; i < chunk.size(); i++)
                    out[from + i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
            }
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
        model.close();
    }
}
