package dev.uem.model.uem;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * An auxiliary readout of user tokens: three outputs per label of a {@link dev.uem.data.LabelSpace} — logits of the
 * user's whole-history labels, logits of the label rule applied to the shown window, and the window's per-genre
 * statistics (share of items and mean rating per genre, {@link dev.uem.data.LabelSpace#windowStats}). The last two are
 * functions of the input alone: they cannot be learnt by memorising users, and they spell out what the label rule is
 * computed from.
 *
 * <p>Why it exists: trained only through the LM's sentence loss, a from-scratch T5 learns the sentence prior long
 * before the UEM's rows say anything about genres, and settles on one sentence for everyone. A direct loss on the
 * UEM makes its tokens carry the preferences (bench/RESULTS.md, "Quality"); the readout's probabilities are also fused
 * into the LM's decoding ({@code dev.uem.eval.HeadFusion}). Implementations are libtorch {@code Module}s (the model
 * registers them as its {@code head}).
 */
public interface PreferenceReadout {
    /** The readout's outputs, in the order of its output's second dimension. */
    int USER = 0, WINDOW = 1, STATS = 2;

    /** How the tokens are pooled before the labels are read. */
    enum Kind {
        /** The mean of the real tokens through a small MLP ({@link PreferenceHead}): the decoder's head. */
        MEAN,
        /**
         * Per-genre gates over the tokens give each genre's count and mean rating, as the label rule does, and the
         * genres' readings then attend to each other ({@link GenreCountHead}): the UEM's head.
         */
        GENRE_COUNT_INTERACTION;

        /** A new readout of this kind for tokens {@code width} wide and {@code labels} labels (likes and dislikes). */
        public PreferenceReadout create(long width, int labels) {
            return switch (this) {
                case MEAN -> new PreferenceHead(width, labels);
                case GENRE_COUNT_INTERACTION -> new GenreCountHead(width, labels, true);
            };
        }
    }

    /** Labels read: likes of every label genre, then dislikes. */
    int labels();

    /**
     * @param rows {@code [B, p, e]} user tokens
     * @param mask {@code [B, p]} 1 for real rows
     * @return {@code [B, 3, labels]}: {@link #USER} and {@link #WINDOW} logits, {@link #STATS} the predicted
     *         statistics (per genre: item share, then mean rating)
     */
    Tensor forward(Tensor rows, Tensor mask);

    /**
     * Binary cross-entropy of both label sets plus the squared error of the window statistics (the mean-rating error
     * counted only for genres the window has).
     *
     * @param stats {@code [B, 3G]} from {@link dev.uem.data.LabelSpace#windowStats}, {@code G = labels / 2}
     */
    static Tensor loss(Tensor output, Tensor userTargets, Tensor windowTargets, Tensor stats) {
        // the losses in float32, also under bf16 autocast (a no-op otherwise)
        output = output.to(torch.ScalarType.Float);
        long g = output.size(2) / 2;
        Tensor predicted = output.select(1, STATS);
        Tensor share = predicted
                .narrow(1, 0, g)
                .sub(stats.narrow(1, 0, g))
                .pow(new Scalar(2))
                .mean();
        Tensor rating = predicted
                .narrow(1, g, g)
                .sub(stats.narrow(1, g, g))
                .pow(new Scalar(2))
                .mul(stats.narrow(1, 2 * g, g))
                .mean();
        return torch.binary_cross_entropy_with_logits(output.select(1, USER), userTargets)
                .add(torch.binary_cross_entropy_with_logits(output.select(1, WINDOW), windowTargets))
                .add(share)
                .add(rating);
    }

    /** Checks a head's shape arguments. */
    static void checkShape(long width, int labels) {
        if (width <= 0 || labels <= 0 || labels % 2 != 0)
            throw new IllegalArgumentException("preference head: width > 0 and an even label count "
                    + "(likes and dislikes) expected, found " + width + ", " + labels);
    }
}
