package dev.uem.model.uem;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;

/**
 * Everything that fixes a UEM arm's model: the LM's and the UEM's shapes, the preference heads, the LM's output
 * grammar. It is written into a run's {@code config.json} (key {@code network}) and {@link #build} is the one place the
 * model is assembled, so training ({@code Experiment}) and a finished run ({@code TrainedRun}) get the same model.
 *
 * @param lmConfig     the T5's configuration (built-in or a checkpoint's)
 * @param uemConfig    the UEM's shape
 * @param headLabels   labels of the preference head ({@code likes:}/{@code dislikes:} genres); 0 = no head
 * @param headKind     how that head pools the user tokens
 * @param headWeight   the head loss's weight beside the LM's (0 while only reading the head)
 * @param decoderHead  also a preference head on the decoder's first state
 * @param outputTokens the token ids the LM scores (null: the whole vocabulary)
 * @param onceTokens   tokens greedy decoding emits at most once per sentence (null: no limit)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record UemModelSpec(
        T5Config lmConfig,
        UemConfig uemConfig,
        int headLabels,
        PreferenceReadout.Kind headKind,
        double headWeight,
        boolean decoderHead,
        long[] outputTokens,
        long[] onceTokens) {
    /**
     * Sentencepiece ids below 32000 are words; the 100 above are T5's sentinel tokens, poor starting points for the
     * soft prompts.
     */
    public static final long PROMPT_INIT_IDS = 32000;

    public UemModelSpec {
        if (lmConfig == null || uemConfig == null)
            throw new IllegalArgumentException("model: lm_config and uem_config are required");
        if (headKind == null) throw new IllegalArgumentException("model: head_kind is missing");
        if (headLabels < 0 || headLabels % 2 != 0)
            throw new IllegalArgumentException("model: head_labels must be even and >= 0, found " + headLabels);
        if (!(headWeight >= 0))
            throw new IllegalArgumentException("model: head_weight must be >= 0, found " + headWeight);
        if (decoderHead && headLabels == 0)
            throw new IllegalArgumentException(
                    "model: a decoder head needs the UEM's preference head (head_labels > 0)");
        if (uemConfig.lmWidth() != lmConfig.dModel())
            throw new IllegalArgumentException("model: the UEM projects to " + uemConfig.lmWidth() + " but the LM is "
                    + lmConfig.dModel() + " wide");
    }

    /**
     * Builds the model around {@code lm} (created or loaded with {@link #lmConfig}): output grammar, soft prompts from
     * random vocabulary rows, the UEM, the heads, in this order (so a seed gives the same initialisation every time).
     * A finished run then copies its saved parameters over these.
     */
    public UemLanguageModel build(T5Model lm) {
        if (!lm.config.equals(lmConfig))
            throw new IllegalArgumentException("model: the LM given has " + lm.config + ", the spec " + lmConfig);
        if (outputTokens != null) lm.restrictOutput(outputTokens);
        if (onceTokens != null) lm.limitRepeats(onceTokens);
        SoftPrompts prompts = new SoftPrompts(uemConfig.promptLength(), uemConfig.lmWidth())
                .initFromVocab(lm.sharedWeight(), PROMPT_INIT_IDS);
        UserEmbeddingModule uem = new UserEmbeddingModule(uemConfig);
        PreferenceReadout head = headLabels > 0 ? headKind.create(uemConfig.lmWidth(), headLabels) : null;
        UemLanguageModel m = new UemLanguageModel(lm, uem, prompts, head, headWeight);
        if (decoderHead) m.withDecoderHead(new PreferenceHead(lmConfig.dModel(), headLabels));
        return m;
    }

    /** The same model read only (no head loss in the objective): what a finished run is opened with. */
    public UemModelSpec forInference() {
        return new UemModelSpec(lmConfig, uemConfig, headLabels, headKind, 0, decoderHead, outputTokens, onceTokens);
    }
}
