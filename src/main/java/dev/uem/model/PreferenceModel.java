package dev.uem.model;

import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.t5.T5Model;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * What the trainer and the evaluator need of an arm's model: the UEM arm ({@link dev.uem.model.uem.UemLanguageModel})
 * and the text-history arm ({@link TextHistoryModel}) both state a user's preferences from a {@link Batch}.
 */
public interface PreferenceModel extends AutoCloseable {
    /** The module tree: train/eval mode and named parameters (checkpoints) go through it. */
    Module module();

    /** The T5 inside. */
    T5Model lm();

    /** Parameters trained beside the LM (UEM and soft prompts; none for the text arm): the first optimiser group. */
    TensorVector userParameters();

    /**
     * The training loss in its two parts: the LM's teacher-forced cross-entropy, a mean over the batch's target tokens,
     * and the rest (auxiliary losses, means over examples; null when there are none). Data-parallel training needs
     * them apart: the token mean is re-weighted by each rank's share of the global batch's tokens.
     */
    record Loss(Tensor lm, Tensor auxiliary) {
        /** Their sum: the objective of one process. */
        public Tensor total() {
            return auxiliary == null ? lm : lm.add(auxiliary);
        }
    }

    /** The loss of {@code b}, in parts. */
    Loss losses(Batch b);

    /** Teacher-forced mean cross-entropy of the target sentence, plus any auxiliary loss. */
    default Tensor loss(Batch b) {
        return losses(b).total();
    }

    /** Back-propagates a loss from {@link #loss}; an arm may route gradients through native kernels. */
    void backward(Tensor loss);

    /** The objective of the UEM warm-up stage that runs before joint training (only models with a preference head). */
    default Tensor warmupLoss(Batch b) {
        throw new IllegalStateException(getClass().getSimpleName() + " has no UEM warm-up stage");
    }

    /** Whether {@link #warmupLoss} exists. */
    default boolean hasPreferenceHead() {
        return false;
    }

    /** The preference head's probabilities {@code [B, 2, labels]} (only models with a preference head). */
    default Tensor preferenceProbabilities(Batch b) {
        throw new IllegalStateException(getClass().getSimpleName() + " has no preference head");
    }

    GreedyDecoder.Result generate(Batch b, int maxNewTokens);

    /**
     * Greedy generation with {@code bias} added to the logits at every step (null: none); models that take no bias
     * refuse one.
     */
    default GreedyDecoder.Result generate(Batch b, int maxNewTokens, GreedyDecoder.StepBias bias) {
        if (bias != null) throw new IllegalArgumentException(getClass().getSimpleName() + " takes no decoding bias");
        return generate(b, maxNewTokens);
    }

    @Override
    void close();
}
