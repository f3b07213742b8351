package dev.uem.model.uem;

import dev.uem.model.PreferenceModel;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.t5.T5Model;
import dev.uem.train.Batch;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * The paper's model: {@code [P_e; UEM(U); X_e]} into a T5 encoder-decoder. The user's history rows become one
 * soft token each through the {@link UserEmbeddingModule}; {@link SoftPrompts} come first; the embedded
 * instruction last; one attention mask covers all three.
 */
public final class UemLanguageModel extends Module implements PreferenceModel {
    public final T5Model lm;
    public final UserEmbeddingModule uem;
    public final SoftPrompts prompts;
    private PromptAssembly assembly = PromptAssembly.create(PromptAssembly.Kernels.best());

    public UemLanguageModel(T5Model lm, UserEmbeddingModule uem, SoftPrompts prompts) {
        super("UemLanguageModel");
        if (uem.config.lmWidth() != lm.config.dModel())
            throw new IllegalArgumentException("UEM projects to " + uem.config.lmWidth() + " but the LM is " + lm.config.dModel() + " wide");
        this.lm = register_module("lm", lm);
        this.uem = register_module("uem", uem);
        this.prompts = register_module("prompts", prompts);
    }

    /** Chooses the prompt-assembly implementation (native kernels or libtorch ops; same results). */
    public UemLanguageModel useKernels(PromptAssembly.Kernels kernels) {
        assembly = PromptAssembly.create(kernels);
        return this;
    }

    @Override public Module module() {
        return this;
    }

    @Override public T5Model lm() {
        return lm;
    }

    public PromptAssembly.Kernels kernels() {
        return assembly.kernels();
    }

    public PromptAssembly.Assembled assemble(Batch b) {
        Tensor hidden = uem.hidden(b.rows(), b.userMask());
        return assembly.assemble(new PromptAssembly.Inputs(prompts.weight(), hidden, b.userMask(), uem.projectionWeight(),
                uem.projectionBias(), lm.sharedWeight(), b.textIds(), b.textMask()));
    }

    /** Back-propagates a loss from {@link #loss}: use this, not {@code loss.backward()} (the native path needs it). */
    @Override
    public void backward(Tensor loss) {
        assembly.backward(loss);
    }

    /** Teacher-forced mean cross-entropy of the target sentence. */
    @Override
    public Tensor loss(Batch b) {
        PromptAssembly.Assembled a = assemble(b);
        return lm.forward(a.inputsEmbeds(), a.attentionMask(), b.labels()).loss();
    }

    @Override
    public GreedyDecoder.Result generate(Batch b, int maxNewTokens) {
        PromptAssembly.Assembled a = assemble(b);
        return new GreedyDecoder(lm).generate(a.inputsEmbeds(), a.attentionMask(), maxNewTokens, false);
    }

    /** The UEM's and the prompts' parameters (one optimiser group), apart from the LM's (the other). */
    @Override
    public TensorVector userParameters() {
        TensorVector v = new TensorVector();
        for (Tensor t : uem.parameters().get()) v.push_back(t);
        v.push_back(prompts.weight());
        return v;
    }
}
