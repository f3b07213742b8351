package dev.uem.eval;

import dev.uem.model.Batch;
import dev.uem.model.PreferenceModel;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.t5.T5Model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shallow fusion of the UEM's preference head into the LM's greedy decoding: while a row writes its likes list, each
 * genre's first token gets {@code weight * (logit(p_likes:G) - logit(threshold))} added to its logit, and the same with
 * {@code dislikes:G} once the row has begun {@code doesn't like}. {@code p} is the head's readout of the same user
 * tokens the LM reads ({@link Evaluator#headProbabilities}), {@code threshold} the one at which that readout scores
 * best on the validation users, so a genre the head would name is pushed up and one it would not is pushed down.
 * Weight 0 is the LM alone.
 *
 * <p>Why: trained from scratch on a few hundred users, the LM reads the user tokens less well than the head that
 * reads their mean (bench/RESULTS.md, "Fourth session"); fusion lets the sentence the LM writes use both. The text is
 * still the LM's: its grammar, its order, its list ends.
 */
public final class HeadFusion {
    private final long[][] genreNames;
    /** The genres by the first token of their name, in label order; a token shared by several names lists them all. */
    private final Map<Long, List<Integer>> byFirst = new LinkedHashMap<>();
    private final long dislikesStart;
    private final int genres;
    private final double weight, thresholdLogit;

    /**
     * The task's output grammar comes from {@code dev.uem.train.TargetVocabulary} (the same fields).
     *
     * @param genreNames    for each label genre, the tokens of its name inside a list
     * @param dislikesStart the token that begins {@code doesn't like}
     * @param threshold     the head's decision threshold in (0, 1), chosen on validation users
     */
    public HeadFusion(long[][] genreNames, long dislikesStart, double weight, double threshold) {
        for (long[] name : genreNames)
            if (name.length == 0) throw new IllegalArgumentException("head fusion: a genre name without tokens");
        if (!(weight >= 0)) throw new IllegalArgumentException("head fusion weight must be >= 0, found " + weight);
        if (!(threshold > 0 && threshold < 1)) throw new IllegalArgumentException("head threshold must be in (0, 1), found " + threshold);
        this.genreNames = genreNames.clone();
        this.dislikesStart = dislikesStart;
        this.genres = genreNames.length;
        this.weight = weight;
        this.thresholdLogit = logit(threshold);
        for (int g = 0; g < genres; g++) byFirst.computeIfAbsent(this.genreNames[g][0], t -> new ArrayList<>()).add(g);
    }

    public double weight() {
        return weight;
    }

    /** The step bias for decoding {@code batch} with {@code model} (a UEM model with a preference head). */
    public GreedyDecoder.StepBias bias(PreferenceModel model, Batch batch) {
        return bias(Evaluator.readout(model.preferenceProbabilities(batch)), model.lm());
    }

    /**
     * The step bias for one batch whose head readout is {@code probabilities[row][label]}, on {@code lm}'s output columns.
     * A first token that several genre names share (a bare "▁" before "Thriller" and "IMAX") gets the largest of their
     * biases; once a row has emitted it, the next step biases those genres' second tokens instead.
     */
    public GreedyDecoder.StepBias bias(float[][] probabilities, T5Model lm) {
        // output columns once per batch: each first token's, and each genre's second token (-1 when its name has one)
        Map<Long, Long> firstColumn = new LinkedHashMap<>();
        for (long t : byFirst.keySet()) firstColumn.put(t, lm.columnOfToken(t));
        long[] secondColumn = new long[genres];
        for (int g = 0; g < genres; g++) secondColumn[g] = genreNames[g].length > 1 ? lm.columnOfToken(genreNames[g][1]) : -1;
        return (seq, n, v) -> {
            float[] out = new float[seq.length * v];
            for (int row = 0; row < seq.length; row++) {
                boolean dislikes = false;
                for (int k = 0; k <= n && !dislikes; k++) dislikes = seq[row][k] == dislikesStart;
                int offset = dislikes ? genres : 0;
                List<Integer> shared = byFirst.get(seq[row][n]);
                if (shared != null && shared.size() > 1) {  // inside a shared prefix: the genres' second tokens decide
                    for (int g : shared)
                        if (secondColumn[g] >= 0) out[(int) (row * v + secondColumn[g])] = bias(probabilities[row][offset + g]);
                    continue;
                }
                for (var e : byFirst.entrySet()) {
                    float b = Float.NEGATIVE_INFINITY;
                    for (int g : e.getValue()) b = Math.max(b, bias(probabilities[row][offset + g]));
                    out[(int) (row * v + firstColumn.get(e.getKey()))] = b;
                }
            }
            return out;
        };
    }

    private float bias(double p) {
        return (float) (weight * (logit(p) - thresholdLogit));
    }

    private static double logit(double p) {
        p = Math.min(1 - 1e-6, Math.max(1e-6, p));
        return Math.log(p / (1 - p));
    }
}
