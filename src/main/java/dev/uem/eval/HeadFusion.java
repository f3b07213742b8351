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
 * Shallow fusion of the UEM's preference head into the LM's greedy decoding. At every step the genre names' first
 * tokens get {@code weight * logit(p_likes:G)} added to their logits while a row writes its likes list, and
 * {@code weight * logit(p_dislikes:G)} once it has begun {@code doesn't like}; then all of them are shifted by one
 * amount so that together they keep the probability the LM gave them. {@code p} is the head's readout of the same user
 * tokens the LM reads ({@link Evaluator#headProbabilities}). So the head says <em>which</em> genre, the LM <em>whether</em>
 * a genre comes at this step at all (or a template word, a list's end). Weight 0 is the LM alone.
 *
 * <p>Why: trained from scratch on a few hundred users, the LM reads the user tokens less well than its preference head
 * (bench/RESULTS.md, "Fourth session" and "Fifth session"); fusion lets the sentence the LM writes use both. Keeping the
 * genre tokens' total probability is what lets the weight grow: a plain added bias (this class's first form, centred
 * on the head's threshold) put genre names into the template once the weight passed 3 ("The user Mystery, ...").
 */
public final class HeadFusion {
    private final long[][] genreNames;
    /** The genres by the first token of their name, in label order; a token shared by several names lists them all. */
    private final Map<Long, List<Integer>> byFirst = new LinkedHashMap<>();
    private final long dislikesStart;
    private final int genres;
    private final double weight;

    /**
     * The task's output grammar comes from {@code dev.uem.train.TargetVocabulary} (the same fields).
     *
     * @param genreNames    for each label genre, the tokens of its name inside a list
     * @param dislikesStart the token that begins {@code doesn't like}
     */
    public HeadFusion(long[][] genreNames, long dislikesStart, double weight) {
        for (long[] name : genreNames)
            if (name.length == 0) throw new IllegalArgumentException("head fusion: a genre name without tokens");
        if (!(weight >= 0)) throw new IllegalArgumentException("head fusion weight must be >= 0, found " + weight);
        this.genreNames = genreNames.clone();
        this.dislikesStart = dislikesStart;
        this.genres = genreNames.length;
        this.weight = weight;
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
     * biases; once a row has emitted it, the next step biases those genres' second tokens instead (and keeps their mass).
     */
    public GreedyDecoder.StepBias bias(float[][] probabilities, T5Model lm) {
        // output columns once per batch: each first token's, and each genre's second token (-1 when its name has one)
        Map<Long, Integer> firstColumn = new LinkedHashMap<>();
        for (long t : byFirst.keySet()) firstColumn.put(t, (int) lm.columnOfToken(t));
        int[] secondColumn = new int[genres];
        for (int g = 0; g < genres; g++) secondColumn[g] = genreNames[g].length > 1 ? (int) lm.columnOfToken(genreNames[g][1]) : -1;
        return (seq, n, logits, v) -> {
            float[] out = new float[seq.length * v];
            List<Integer> columns = new ArrayList<>();
            for (int row = 0; row < seq.length; row++) {
                boolean dislikes = false;
                for (int k = 0; k <= n && !dislikes; k++) dislikes = seq[row][k] == dislikesStart;
                int offset = dislikes ? genres : 0;
                columns.clear();
                List<Integer> shared = byFirst.get(seq[row][n]);
                if (shared != null && shared.size() > 1) {  // inside a shared prefix: the genres' second tokens decide
                    for (int g : shared)
                        if (secondColumn[g] >= 0) {
                            out[row * v + secondColumn[g]] = bias(probabilities[row][offset + g]);
                            columns.add(secondColumn[g]);
                        }
                } else {
                    for (var e : byFirst.entrySet()) {
                        float b = Float.NEGATIVE_INFINITY;
                        for (int g : e.getValue()) b = Math.max(b, bias(probabilities[row][offset + g]));
                        out[row * v + firstColumn.get(e.getKey())] = b;
                        columns.add(firstColumn.get(e.getKey()));
                    }
                }
                keepMass(out, logits, row * v, columns);
            }
            return out;
        };
    }

    /**
     * Shifts one row's biases on {@code columns} by one amount so that those tokens together keep the probability the
     * LM gave them: log-sum-exp of logit + bias equals log-sum-exp of logit. Blocked columns (-inf: a genre already
     * named) take no part.
     */
    static void keepMass(float[] bias, float[] logits, int at, List<Integer> columns) {
        double maxBefore = Double.NEGATIVE_INFINITY, maxAfter = Double.NEGATIVE_INFINITY;
        for (int c : columns) {
            if (logits[at + c] == Float.NEGATIVE_INFINITY) continue;
            maxBefore = Math.max(maxBefore, logits[at + c]);
            maxAfter = Math.max(maxAfter, logits[at + c] + bias[at + c]);
        }
        if (maxBefore == Double.NEGATIVE_INFINITY) return;  // every one blocked: nothing to move
        double before = 0, after = 0;
        for (int c : columns) {
            if (logits[at + c] == Float.NEGATIVE_INFINITY) continue;
            before += Math.exp(logits[at + c] - maxBefore);
            after += Math.exp(logits[at + c] + bias[at + c] - maxAfter);
        }
        float shift = (float) (maxAfter + Math.log(after) - maxBefore - Math.log(before));
        for (int c : columns) bias[at + c] -= shift;
    }

    private float bias(double p) {
        return (float) (weight * logit(p));
    }

    private static double logit(double p) {
        p = Math.min(1 - 1e-6, Math.max(1e-6, p));
        return Math.log(p / (1 - p));
    }
}
