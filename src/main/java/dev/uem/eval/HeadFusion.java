package dev.uem.eval;

import dev.uem.data.PreferenceLabels;
import dev.uem.model.Batch;
import dev.uem.model.PreferenceModel;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.t5.T5Model;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shallow fusion of the UEM's preference head into the LM's greedy decoding. Three decisions of the sentence are the
 * head's, the rest stays the LM's:
 * <ul>
 *   <li><b>Which genre.</b> At every step the genre names' first tokens get {@code weight * logit(p_likes:G)} added to
 *   their logits while a row writes its likes list, and {@code weight * logit(p_dislikes:G)} once it has begun
 *   {@code doesn't like}; then all of them are shifted by one amount so that together they keep the probability the LM
 *   gave them, so the LM still decides whether a genre comes at that step at all (or a template word).</li>
 *   <li><b>How many.</b> Once a list names at least one genre, the separator (",") and the list's end ("and" before
 *   {@code doesn't like}, the final ".") get {@code +weight} and {@code -weight} — the other way round once the list
 *   has as many genres as the head would name (its labels above its validation threshold, at most three) — again
 *   shifted so that the two keep their joint probability.</li>
 *   <li><b>Whether a list is empty.</b> Before a list's first genre, the genre names' first tokens together get
 *   {@code +weight} and {@code none} gets {@code -weight} when the head names at least one genre for that list, the
 *   other way round when it names none; shifted so that they keep their joint probability, so the template's own
 *   words stay the LM's (measured on validation users: bench/RESULTS.md).</li>
 * </ul>
 * {@code p} is the head's readout of the same user tokens the LM reads ({@link Evaluator#headProbabilities}). Weight 0
 * is the LM alone.
 *
 * <p>Why: trained from scratch on a few hundred users, the LM reads the user tokens less well than its preference head
 * (bench/RESULTS.md); fusion lets the sentence the LM writes use both. Keeping the probability mass is what lets
 * the weight grow: a plain added bias puts genre names into the template once the weight passes 3
 * ("The user Mystery, ...").
 */
public final class HeadFusion {
    /**
     * The task sentence's tokens the fusion needs (from {@code dev.uem.train.TargetVocabulary}, the same fields).
     *
     * @param genreNames    for each label genre, the tokens of its name inside a list
     * @param dislikesStart the token that begins {@code doesn't like}
     * @param separator     the token between two genres of a list
     * @param likesEnd      the token that ends the likes list
     * @param dislikesEnd   the token that ends the dislikes list
     */
    public record Grammar(
            long[][] genreNames, long dislikesStart, long separator, long likesEnd, long dislikesEnd, long none) {
        public Grammar {
            for (long[] name : genreNames)
                if (name.length == 0) throw new IllegalArgumentException("head fusion: a genre name without tokens");
        }
    }

    private final Grammar grammar;
    /** The genres by the first token of their name, in label order; a token shared by several names lists them all. */
    private final Map<Long, List<Integer>> byFirst = new LinkedHashMap<>();

    private final int genres;
    private final double weight, threshold;

    /**
     * @param threshold the head's decision threshold in (0, 1), chosen on validation users (how many genres it names)
     */
    public HeadFusion(Grammar grammar, double weight, double threshold) {
        if (!(weight >= 0)) throw new IllegalArgumentException("head fusion weight must be >= 0, found " + weight);
        if (!(threshold > 0 && threshold < 1))
            throw new IllegalArgumentException("head threshold must be in (0, 1), found " + threshold);
        this.grammar = grammar;
        this.genres = grammar.genreNames().length;
        this.weight = weight;
        this.threshold = threshold;
        for (int g = 0; g < genres; g++)
            byFirst.computeIfAbsent(grammar.genreNames()[g][0], t -> new ArrayList<>())
                    .add(g);
    }

    public double weight() {
        return weight;
    }

    /** The step bias for decoding {@code batch} with {@code model} (a UEM model with a preference head). */
    public GreedyDecoder.StepBias bias(PreferenceModel model, Batch batch) {
        return bias(Evaluator.readout(model.preferenceProbabilities(batch)), model.lm());
    }

    /**
     * The step bias for one batch whose head readout is {@code probabilities[row][label]}, on {@code lm}'s output
     * columns. A first token that several genre names share (a bare "▁" before "Thriller" and "IMAX") gets the largest
     * of their biases; once a row has emitted it, the next step biases those genres' second tokens instead (and keeps
     * their mass).
     */
    public GreedyDecoder.StepBias bias(float[][] probabilities, T5Model lm) {
        Columns cols = columns(lm);
        int[][] wanted = wanted(probabilities);
        return (seq, n, logits, v) -> {
            float[] out = new float[seq.length * v];
            for (int row = 0; row < seq.length; row++)
                rowBias(out, row, seq[row], n, logits, v, probabilities[row], wanted[row], cols);
            return out;
        };
    }

    /** The output columns of the tokens the fusion biases, looked up once per batch (-1: a one-token genre name). */
    private record Columns(Map<Long, Integer> first, int[] second, int separator, int[] end, int empty) {}

    private Columns columns(T5Model lm) {
        Map<Long, Integer> first = new LinkedHashMap<>();
        for (long t : byFirst.keySet()) first.put(t, (int) lm.columnOfToken(t));
        int[] second = new int[genres];
        for (int g = 0; g < genres; g++)
            second[g] = grammar.genreNames()[g].length > 1 ? (int) lm.columnOfToken(grammar.genreNames()[g][1]) : -1;
        int[] end = {(int) lm.columnOfToken(grammar.likesEnd()), (int) lm.columnOfToken(grammar.dislikesEnd())};
        return new Columns(first, second, (int) lm.columnOfToken(grammar.separator()), end, (int)
                lm.columnOfToken(grammar.none()));
    }

    /**
     * Per row and list, how many genres the head names by its own rule (LabelSpace.decode: at most 3 above the
     * threshold).
     */
    private int[][] wanted(float[][] probabilities) {
        int[][] wanted = new int[probabilities.length][2];
        for (int row = 0; row < probabilities.length; row++)
            for (int list = 0; list < 2; list++) {
                for (int g = 0; g < genres; g++)
                    if (probabilities[row][list * genres + g] > threshold) wanted[row][list]++;
                wanted[row][list] = Math.min(wanted[row][list], PreferenceLabels.MAX_LABELS);
            }
        return wanted;
    }

    /** One row's bias at step {@code n}: which genre, then whether the list is empty or how many genres it holds. */
    private void rowBias(
            float[] out, int row, long[] seq, int n, float[] logits, int v, float[] p, int[] wanted, Columns cols) {
        // which list the row is in, and how many genres it has named there
        int list = 0, named = 0;
        for (int k = 1; k <= n; k++) {
            if (seq[k] == grammar.dislikesStart()) {
                list = 1;
                named = 0;
            } else if (byFirst.containsKey(seq[k])) named++;
        }
        int offset = list * genres, at = row * v;
        List<Integer> columns = new ArrayList<>();
        List<Integer> shared = byFirst.get(seq[n]);
        if (shared != null && shared.size() > 1) { // inside a shared prefix: the genres' second tokens decide
            for (int g : shared)
                if (cols.second[g] >= 0) {
                    out[at + cols.second[g]] = bias(p[offset + g]);
                    columns.add(cols.second[g]);
                }
        } else {
            for (var e : byFirst.entrySet()) {
                float b = Float.NEGATIVE_INFINITY;
                for (int g : e.getValue()) b = Math.max(b, bias(p[offset + g]));
                out[at + cols.first.get(e.getKey())] = b;
                columns.add(cols.first.get(e.getKey()));
            }
        }
        keepMass(out, logits, at, columns);
        if (named == 0) { // whether the list is empty: any genre against "none"
            float some = (float) (wanted[list] > 0 ? weight : -weight);
            for (int c : columns) out[at + c] += some; // the genres' relative biases stay as they are
            out[at + cols.empty] = -some;
            List<Integer> both = new ArrayList<>(columns);
            both.add(cols.empty);
            keepMass(out, logits, at, both);
        } else { // how many: another genre, or the list's end
            float more = (float) (wanted[list] > named ? weight : -weight);
            out[at + cols.separator] = more;
            out[at + cols.end[list]] = -more;
            keepMass(out, logits, at, List.of(cols.separator, cols.end[list]));
        }
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
        if (maxBefore == Double.NEGATIVE_INFINITY) return; // every one blocked: nothing to move
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
