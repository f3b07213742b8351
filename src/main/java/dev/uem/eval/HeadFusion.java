package dev.uem.eval;

import dev.uem.model.Batch;
import dev.uem.model.PreferenceModel;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.t5.T5Model;

/**
 * Shallow fusion of the UEM's preference head into the LM's greedy decoding: while a row writes its likes list, each
 * genre's first token gets {@code weight * (logit(p_likes:G) - logit(threshold))} added to its logit, and the same with
 * {@code dislikes:G} once the row has begun {@code doesn't like}. {@code p} is the head's readout of the same user
 * tokens the LM reads ({@link Evaluator#headProbabilities}), {@code threshold} the one at which that readout scores
 * best on the validation users, so a genre the head would name is pushed up and one it would not is pushed down.
 * Genres whose name shares its first token with another genre's are left alone. Weight 0 is the LM alone.
 *
 * <p>Why: trained from scratch on a few hundred users, the LM reads the user tokens less well than the head that
 * reads their mean (bench/RESULTS.md, "Fourth session"); fusion lets the sentence the LM writes use both. The text is
 * still the LM's: its grammar, its order, its list ends.
 */
public final class HeadFusion {
    private final long[] genreStarts;
    private final int[] startGenres;
    private final long dislikesStart;
    private final int genres;
    private final double weight, thresholdLogit;

    /**
     * The task's output grammar comes from {@code dev.uem.train.TargetVocabulary} (the same fields).
     *
     * @param genreStarts   the first token of each genre name that no other genre's name begins with
     * @param startGenres   for each of {@code genreStarts}, its genre's index among the label genres
     * @param dislikesStart the token that begins {@code doesn't like}
     * @param genres        number of label genres (the head's outputs are {@code likes:} for each, then {@code dislikes:})
     * @param threshold     the head's decision threshold in (0, 1), chosen on validation users
     */
    public HeadFusion(long[] genreStarts, int[] startGenres, long dislikesStart, int genres, double weight, double threshold) {
        if (genreStarts.length != startGenres.length)
            throw new IllegalArgumentException("head fusion: " + genreStarts.length + " genre start tokens but " + startGenres.length + " genre indices");
        for (int g : startGenres)
            if (g < 0 || g >= genres) throw new IllegalArgumentException("head fusion: genre index must be in [0, " + genres + "), found " + g);
        if (!(weight >= 0)) throw new IllegalArgumentException("head fusion weight must be >= 0, found " + weight);
        if (!(threshold > 0 && threshold < 1)) throw new IllegalArgumentException("head threshold must be in (0, 1), found " + threshold);
        this.genreStarts = genreStarts.clone();
        this.startGenres = startGenres.clone();
        this.dislikesStart = dislikesStart;
        this.genres = genres;
        this.weight = weight;
        this.thresholdLogit = logit(threshold);
    }

    public double weight() {
        return weight;
    }

    /** The step bias for decoding {@code batch} with {@code model} (a UEM model with a preference head). */
    public GreedyDecoder.StepBias bias(PreferenceModel model, Batch batch) {
        return bias(Evaluator.readout(model.preferenceProbabilities(batch)), model.lm());
    }

    /** The step bias for one batch whose head readout is {@code probabilities[row][label]}, on {@code lm}'s output columns. */
    public GreedyDecoder.StepBias bias(float[][] probabilities, T5Model lm) {
        long[] columns = new long[genreStarts.length];
        for (int s = 0; s < genreStarts.length; s++) columns[s] = lm.columnOfToken(genreStarts[s]);
        return (seq, n, v) -> {
            float[] out = new float[seq.length * v];
            for (int row = 0; row < seq.length; row++) {
                boolean dislikes = false;
                for (int k = 0; k <= n && !dislikes; k++) dislikes = seq[row][k] == dislikesStart;
                for (int s = 0; s < genreStarts.length; s++) {
                    int label = (dislikes ? genres : 0) + startGenres[s];
                    out[(int) (row * v + columns[s])] = (float) (weight * (logit(probabilities[row][label]) - thresholdLogit));
                }
            }
            return out;
        };
    }

    private static double logit(double p) {
        p = Math.min(1 - 1e-6, Math.max(1e-6, p));
        return Math.log(p / (1 - p));
    }
}
