package dev.uem.model;

import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.t5.T5Model;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * The text-history baseline (docs/TASK.md §6): the same T5 reads the instruction and the history written out as text
 * ({@link dev.uem.train.TextBatchBuilder}); no UEM, no soft prompts, so every parameter is the LM's.
 */
public final class TextHistoryModel implements PreferenceModel {
    private final T5Model lm;

    public TextHistoryModel(T5Model lm) {
        this.lm = lm;
    }

    @Override
    public Module module() {
        return lm;
    }

    @Override
    public T5Model lm() {
        return lm;
    }

    @Override
    public TensorVector userParameters() {
        return new TensorVector();
    }

    @Override
    public Loss losses(Batch b) {
        return new Loss(
                lm.forward(lm.embed(b.textIds()), b.textMask(), b.labels()).loss(), null);
    }

    @Override
    public void backward(Tensor loss) {
        loss.backward();
    }

    @Override
    public GreedyDecoder.Result generate(Batch b, int maxNewTokens) {
        return new GreedyDecoder(lm).generate(lm.embed(b.textIds()), b.textMask(), maxNewTokens, false);
    }

    @Override
    public void close() {
        lm.close();
    }
}
