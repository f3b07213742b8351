package dev.uem.eval;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Multi-label precision, recall and F1 exactly as scikit-learn's {@code precision_recall_fscore_support} with
 * {@code zero_division=0} on binarised label sets (docs/TASK.md §7). The label universe is every label that occurs
 * in a truth or a prediction, as {@code MultiLabelBinarizer} fitted on both would give.
 */
public final class MultiLabelMetrics {
    /** One label's row of the per-label table. */
    public record LabelScore(String label, double precision, double recall, double f1, long support) {}

    /** Averaged scores; {@code support} is the number of true labels counted. */
    public record Average(double precision, double recall, double f1, long support) {}

    /** The full report: weighted (primary), micro and macro, per label, and the same for likes and dislikes alone. */
    public record Report(
            Average weighted,
            Average micro,
            Average macro,
            Map<String, Average> byKind,
            List<LabelScore> perLabel,
            long examples,
            double unparseableShare) {}

    private final Map<String, long[]> counts = new TreeMap<>(); // label -> {tp, fp, fn}
    private long examples, unparseable;

    public void add(Collection<String> truth, Collection<String> pred, boolean parseable) {
        Set<String> t = new TreeSet<>(truth), p = new TreeSet<>(pred);
        for (String l : t) counts.computeIfAbsent(l, k -> new long[3])[p.contains(l) ? 0 : 2]++;
        for (String l : p) if (!t.contains(l)) counts.computeIfAbsent(l, k -> new long[3])[1]++;
        examples++;
        if (!parseable) unparseable++;
    }

    public void add(Collection<String> truth, Collection<String> pred) {
        add(truth, pred, true);
    }

    public Report report() {
        List<LabelScore> rows = new ArrayList<>();
        counts.forEach((l, c) -> {
            double p = c[0] + c[1] == 0 ? 0 : (double) c[0] / (c[0] + c[1]);
            double r = c[0] + c[2] == 0 ? 0 : (double) c[0] / (c[0] + c[2]);
            double f = 2 * c[0] + c[1] + c[2] == 0 ? 0 : 2.0 * c[0] / (2 * c[0] + c[1] + c[2]);
            rows.add(new LabelScore(l, p, r, f, c[0] + c[2]));
        });
        Map<String, Average> byKind = new LinkedHashMap<>();
        byKind.put("likes", weighted(rows, l -> l.startsWith("likes:")));
        byKind.put("dislikes", weighted(rows, l -> l.startsWith("dislikes:")));
        return new Report(
                weighted(rows, l -> true),
                micro(l -> true),
                macro(rows),
                byKind,
                rows,
                examples,
                examples == 0 ? 0 : (double) unparseable / examples);
    }

    private static Average weighted(List<LabelScore> rows, Predicate<String> which) {
        double p = 0, r = 0, f = 0;
        long s = 0;
        for (LabelScore x : rows) {
            if (!which.test(x.label())) continue;
            p += x.precision() * x.support();
            r += x.recall() * x.support();
            f += x.f1() * x.support();
            s += x.support();
        }
        return s == 0 ? new Average(0, 0, 0, 0) : new Average(p / s, r / s, f / s, s);
    }

    private static Average macro(List<LabelScore> rows) {
        if (rows.isEmpty()) return new Average(0, 0, 0, 0);
        double p = 0, r = 0, f = 0;
        long s = 0;
        for (LabelScore x : rows) {
            p += x.precision();
            r += x.recall();
            f += x.f1();
            s += x.support();
        }
        return new Average(p / rows.size(), r / rows.size(), f / rows.size(), s);
    }

    private Average micro(Predicate<String> which) {
        long tp = 0, fp = 0, fn = 0;
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            if (!which.test(e.getKey())) continue;
            tp += e.getValue()[0];
            fp += e.getValue()[1];
            fn += e.getValue()[2];
        }
        double p = tp + fp == 0 ? 0 : (double) tp / (tp + fp), r = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        double f = 2 * tp + fp + fn == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
        return new Average(p, r, f, tp + fn);
    }
}
