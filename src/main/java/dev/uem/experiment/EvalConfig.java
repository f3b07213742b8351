package dev.uem.experiment;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * How a trained arm is decoded and scored.
 *
 * @param maxNewTokens generation length limit
 * @param headFusion   weight of the preference head in greedy decoding ({@link dev.uem.eval.HeadFusion}); 0: the LM
 *                     alone
 * @param evalUsers    validation and test users evaluated, each part a fixed seeded sample of that many; 0: all
 * @param valUsers     validation users whose loss is computed during training, a fixed seeded sample of the evaluated
 *                     ones; 0: all of them (the final evaluation always uses every evaluated user)
 * @param lmAlone      whether a run with head fusion also decodes with the LM alone (the {@code uem-lm-p} line)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EvalConfig(int maxNewTokens, double headFusion, int evalUsers, int valUsers, LmAlone lmAlone) {
    /**
     * When the LM alone is decoded besides the fused decoding: always, never, or when it is cheap ({@link #AUTO_LIMIT}
     * test and validation windows or fewer). It doubles the evaluation's decoding.
     */
    public enum LmAlone {
        AUTO,
        ON,
        OFF
    }

    /** {@link LmAlone#AUTO} decodes the LM alone up to this many test and validation windows together. */
    public static final int AUTO_LIMIT = 2000;

    /** Every validation and test user evaluated, the LM alone when cheap. */
    public EvalConfig(int maxNewTokens, double headFusion) {
        this(maxNewTokens, headFusion, 0, 0, LmAlone.AUTO);
    }

    /** The longest generation a run may ask for (a typo guard: target sentences are ~20 tokens). */
    public static final int MAX_NEW_TOKENS = 512;

    public EvalConfig {
        if (lmAlone == null) lmAlone = LmAlone.AUTO; // a config.json written before the field
        if (maxNewTokens <= 0 || maxNewTokens > MAX_NEW_TOKENS)
            throw new IllegalArgumentException(
                    "max_new_tokens must be in [1, " + MAX_NEW_TOKENS + "], found " + maxNewTokens);
        if (evalUsers < 0) throw new IllegalArgumentException("eval_users must be >= 0, found " + evalUsers);
        if (valUsers < 0) throw new IllegalArgumentException("val_users must be >= 0, found " + valUsers);
        if (!(headFusion >= 0 && headFusion <= 10))
            throw new IllegalArgumentException("head_fusion must be in [0, 10], found " + headFusion);
    }

    /** The same decoding with another head-fusion weight ({@code uem evaluate --head-fusion}). */
    public EvalConfig withHeadFusion(double weight) {
        return new EvalConfig(maxNewTokens, weight, evalUsers, valUsers, lmAlone);
    }

    /** Whether to decode the LM alone too, for an evaluation of {@code windows} test and validation windows. */
    public boolean decodesLmAlone(int windows) {
        return lmAlone == LmAlone.ON || (lmAlone == LmAlone.AUTO && windows <= AUTO_LIMIT);
    }
}
