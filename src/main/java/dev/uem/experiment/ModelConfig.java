package dev.uem.experiment;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.uem.model.t5.T5Config;
import dev.uem.model.uem.PreferenceReadout;
import dev.uem.model.uem.PromptAssembly;
import java.nio.file.Path;

/**
 * The networks of a run.
 *
 * @param lm               a built-in T5 trained from scratch ({@code t5-compact}, {@code t5-mini}) or an HF checkpoint
 *                         folder
 * @param uem              named UEM size ({@code mini} or {@code paper})
 * @param head             how the UEM's preference head reads the user tokens
 * @param decoderHead      also a preference head on the LM decoder's first state
 * @param outputVocabulary which tokens the LM scores: the task sentences' or all
 * @param dropout          dropout of the LM and the UEM alike; null keeps each model's own
 * @param kernels          prompt assembly by the native kernels or libtorch ops; null: the native ones when they load
 * @param textBudget       token budget of the text-history arm (docs/TASK.md §6)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ModelConfig(
        String lm,
        String uem,
        PreferenceReadout.Kind head,
        boolean decoderHead,
        OutputVocabulary outputVocabulary,
        Double dropout,
        PromptAssembly.Kernels kernels,
        int textBudget) {
    /** Which tokens the LM's head scores. */
    public enum OutputVocabulary {
        /** The words of the task's target sentences plus EOS, each genre named at most once when decoding. */
        TASK,
        /** The tokenizer's whole vocabulary. */
        FULL
    }

    public ModelConfig {
        if (!isBuiltInLm(lm)) lm = Path.of(lm).toAbsolutePath().normalize().toString();
        if (dropout != null && !(dropout >= 0 && dropout < 1))
            throw new IllegalArgumentException("dropout must be in [0, 1), found " + dropout);
        if (textBudget < 8 || textBudget > 8192)
            throw new IllegalArgumentException("text_budget must be in [8, 8192] tokens, found " + textBudget);
    }

    /** Whether {@code lm} names a built-in T5 rather than a checkpoint folder. */
    public static boolean isBuiltInLm(String lm) {
        return T5Config.named(lm) != null;
    }

    /** The prompt assembly to use: the one asked for, else the native kernels when their library loads. */
    public PromptAssembly.Kernels kernelsOrBest() {
        return kernels != null ? kernels : PromptAssembly.Kernels.best();
    }

    public boolean builtInLm() {
        return isBuiltInLm(lm);
    }
}
