package dev.uem.model.uem;

import dev.uem.model.Batch;
import dev.uem.model.PreferenceModel;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.t5.T5Model;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The paper's model: {@code [P_e; UEM(U); X_e]} into a T5 encoder-decoder. The user's history rows become one
 * soft token each through the {@link UserEmbeddingModule}; {@link SoftPrompts} come first; the embedded
 * instruction last; one attention mask covers all three.
 *
 * <p>With a {@link PreferenceReadout} the UEM also answers directly: its loss (times {@code headWeight}) joins the
 * LM's, and alone it is the {@link #warmupLoss} of the UEM warm-up stage that runs before joint training.
 */
public final class UemLanguageModel extends Module implements PreferenceModel {
    public final T5Model lm;
    public final UserEmbeddingModule uem;
    public final SoftPrompts prompts;
    /** The auxiliary preference readout; null when the model has none. */
    public final PreferenceReadout head;
    /** The same readout on the decoder's first state (null when off): it can only learn through cross-attention. */
    private PreferenceHead decoderHead;

    private final double headWeight;
    private PromptAssembly assembly = PromptAssembly.create(PromptAssembly.Kernels.best());

    public UemLanguageModel(T5Model lm, UserEmbeddingModule uem, SoftPrompts prompts) {
        this(lm, uem, prompts, null, 0);
    }

    /** The model with a preference head whose loss is added to the LM's with weight {@code headWeight} (>= 0). */
    public UemLanguageModel(
            T5Model lm, UserEmbeddingModule uem, SoftPrompts prompts, PreferenceReadout head, double headWeight) {
        super("UemLanguageModel");
        if (!(headWeight >= 0))
            throw new IllegalArgumentException("preference head weight must be >= 0, found " + headWeight);
        if (uem.config.lmWidth() != lm.config.dModel())
            throw new IllegalArgumentException(
                    "UEM projects to " + uem.config.lmWidth() + " but the LM is " + lm.config.dModel() + " wide");
        this.lm = register_module("lm", lm);
        this.uem = register_module("uem", uem);
        this.prompts = register_module("prompts", prompts);
        if (head != null) register_module("head", (Module) head);
        this.head = head;
        this.headWeight = headWeight;
    }

    /**
     * Adds a preference head on the decoder's state at its first position, trained with the same targets and weight
     * as the UEM's. That state sees the user only through cross-attention, so its loss teaches the decoder to read
     * the encoder before the sentence prior has settled (bench/RESULTS.md, "Quality"). Call before training starts.
     */
    public UemLanguageModel withDecoderHead(PreferenceHead h) {
        if (head == null) throw new IllegalStateException("a decoder head needs the UEM's preference head");
        if (h.labels != head.labels())
            throw new IllegalArgumentException("decoder head has " + h.labels + " labels, the UEM's " + head.labels());
        decoderHead = register_module("decoder_head", h);
        return this;
    }

    /** Chooses the prompt-assembly implementation (native kernels or libtorch ops; same results). */
    public UemLanguageModel useKernels(PromptAssembly.Kernels kernels) {
        assembly = PromptAssembly.create(kernels);
        return this;
    }

    @Override
    public Module module() {
        return this;
    }

    @Override
    public T5Model lm() {
        return lm;
    }

    public PromptAssembly.Kernels kernels() {
        return assembly.kernels();
    }

    public PromptAssembly.Assembled assemble(Batch b) {
        return assemble(b, uem.hidden(b.rows(), b.userMask()));
    }

    private PromptAssembly.Assembled assemble(Batch b, Tensor hidden) {
        return assembly.assemble(new PromptAssembly.Inputs(
                prompts.weight(),
                hidden,
                b.userMask(),
                uem.projectionWeight(),
                uem.projectionBias(),
                lm.sharedWeight(),
                b.textIds(),
                b.textMask()));
    }

    /** Back-propagates a loss from {@link #loss}: use this, not {@code loss.backward()} (the native path needs it). */
    @Override
    public void backward(Tensor loss) {
        assembly.backward(loss);
    }

    /**
     * Teacher-forced mean cross-entropy of the target sentence, and the weighted preference-head loss when there is
     * one.
     */
    @Override
    public Loss losses(Batch b) {
        Tensor hidden = uem.hidden(b.rows(), b.userMask());
        PromptAssembly.Assembled a = assemble(b, hidden);
        T5Model.Output o = lm.forward(a.inputsEmbeds(), a.attentionMask(), b.labels());
        Tensor loss = o.loss();
        if (head == null || headWeight == 0) return new Loss(loss, null);
        Tensor aux = headLoss(b, hidden);
        if (decoderHead != null) {
            Tensor first = o.decoderHidden().narrow(1, 0, 1); // [B, 1, d]
            Tensor one = torch.ones_like(first.select(2, 0)); // [B, 1]
            aux = aux.add(PreferenceReadout.loss(
                    decoderHead.forward(first, one), b.preferences(), b.windowPreferences(), b.windowStats()));
        }
        return new Loss(loss, aux.mul(new Scalar(headWeight)));
    }

    /** The UEM warm-up stage's objective: the preference head's loss alone; the LM is not run. */
    @Override
    public Tensor warmupLoss(Batch b) {
        if (head == null) throw new IllegalStateException("a UEM warm-up stage needs a preference head");
        return headLoss(b, uem.hidden(b.rows(), b.userMask()));
    }

    @Override
    public boolean hasPreferenceHead() {
        return head != null;
    }

    /** The head's probabilities {@code [B, 2, labels]} (whole-history labels, window labels) of a batch (eval mode). */
    @Override
    public Tensor preferenceProbabilities(Batch b) {
        if (head == null) throw new IllegalStateException("this model has no preference head");
        return torch.sigmoid(head.forward(uem.project(uem.hidden(b.rows(), b.userMask())), b.userMask())
                .narrow(1, 0, 2));
    }

    /**
     * The counting head's per-item gates {@code [B, G, p]} for a batch (eval mode): how much each history item counts
     * towards each label genre; null when the model's head does not count items.
     */
    public Tensor itemGates(Batch b) {
        if (!(head instanceof GenreCountHead counting)) return null;
        return counting.gates(uem.project(uem.hidden(b.rows(), b.userMask())), b.userMask());
    }

    /** The task prompts {@code [k, e]}: the soft tokens that come before the user's. */
    public Tensor promptTokens() {
        return prompts.weight();
    }

    private Tensor headLoss(Batch b, Tensor hidden) {
        if (b.preferences() == null) throw new IllegalArgumentException("the batch has no preference targets");
        // the head reads the user tokens as the LM receives them (after the projection), so the warm-up stage trains
        // the
        // projection too and the LM starts joint training from tokens that already carry the preferences
        // (bench/RESULTS.md)
        return PreferenceReadout.loss(
                head.forward(uem.project(hidden), b.userMask()),
                b.preferences(),
                b.windowPreferences(),
                b.windowStats());
    }

    @Override
    public GreedyDecoder.Result generate(Batch b, int maxNewTokens) {
        return generate(b, maxNewTokens, null);
    }

    @Override
    public GreedyDecoder.Result generate(Batch b, int maxNewTokens, GreedyDecoder.StepBias bias) {
        PromptAssembly.Assembled a = assemble(b);
        return new GreedyDecoder(lm).generate(a.inputsEmbeds(), a.attentionMask(), maxNewTokens, false, bias);
    }

    /** The UEM's, the prompts' and the head's parameters (one optimiser group), apart from the LM's (the other). */
    @Override
    public TensorVector userParameters() {
        TensorVector v = new TensorVector();
        for (Tensor t : uem.parameters().get()) v.push_back(t);
        v.push_back(prompts.weight());
        if (head != null) for (Tensor t : ((Module) head).parameters().get()) v.push_back(t);
        if (decoderHead != null) for (Tensor t : decoderHead.parameters().get()) v.push_back(t);
        return v;
    }
}
