package dev.uem.model.uem;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Shape of the User Embedding Module and of the soft prompts in front of it.
 *
 * @param inputWidth   width of one history row: 3 sentence embeddings side by side ({@code 3s})
 * @param hidden       transformer width {@code h}
 * @param layers       pre-norm transformer encoder layers
 * @param heads        attention heads ({@code hidden % heads == 0})
 * @param mlp          feed-forward width
 * @param dropout      dropout inside the transformer
 * @param maxHistory   longest history (learned position embeddings)
 * @param lmWidth      the language model's width {@code e} the user tokens are projected to
 * @param promptLength number of trainable task soft prompts {@code k}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record UemConfig(
        int inputWidth,
        int hidden,
        int layers,
        int heads,
        int mlp,
        double dropout,
        int maxHistory,
        int lmWidth,
        int promptLength) {
    public UemConfig {
        check(
                "input_width",
                inputWidth > 0 && inputWidth % 3 == 0,
                inputWidth + " (three sentence embeddings side by side)");
        check("hidden", hidden > 0, hidden);
        check("layers", layers >= 0, layers);
        check(
                "heads",
                heads > 0 && hidden % Math.max(1, heads) == 0,
                heads + " (hidden " + hidden + " must be divisible by heads)");
        check("mlp", mlp > 0, mlp);
        check("dropout", dropout >= 0 && dropout < 1, dropout);
        check("max_history", maxHistory > 0, maxHistory);
        check("lm_width", lmWidth > 0, lmWidth);
        check("prompt_length", promptLength >= 0, promptLength);
    }

    private static void check(String field, boolean ok, Object value) {
        if (!ok) throw new IllegalArgumentException("UEM config: bad " + field + ": " + value);
    }

    /** The same shape with another dropout rate (the {@code --dropout} override). */
    public UemConfig withDropout(double rate) {
        return new UemConfig(inputWidth, hidden, layers, heads, mlp, rate, maxHistory, lmWidth, promptLength);
    }

    /** The paper's UEM: 3 layers, 12 heads, hidden 768, MLP 2048, k = 20 soft prompts. */
    public static UemConfig paper(int inputWidth, int lmWidth, int maxHistory) {
        return new UemConfig(inputWidth, 768, 3, 12, 2048, 0.1, maxHistory, lmWidth, 20);
    }

    /**
     * A CPU-sized UEM for the bundled default (t5-compact, 2 cores): 2 layers, 4 heads, hidden 256, MLP 512, k = 20, no
     * dropout (chosen with the from-scratch LM's, bench/RESULTS.md, "Quality").
     */
    public static UemConfig mini(int inputWidth, int lmWidth, int maxHistory) {
        return new UemConfig(inputWidth, 256, 2, 4, 512, 0.0, maxHistory, lmWidth, 20);
    }

    public static UemConfig named(String name, int inputWidth, int lmWidth, int maxHistory) {
        return switch (name) {
            case "paper" -> paper(inputWidth, lmWidth, maxHistory);
            case "mini" -> mini(inputWidth, lmWidth, maxHistory);
            default ->
                throw new IllegalArgumentException("UEM config: unknown name '" + name + "' (expected paper or mini)");
        };
    }
}
