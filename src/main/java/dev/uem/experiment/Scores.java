package dev.uem.experiment;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.uem.eval.MultiLabelMetrics;

/**
 * An arm's scores on its test windows, in the order {@code results.json} lists them.
 *
 * @param precision   weighted precision (the paper's primary average)
 * @param recall      weighted recall
 * @param f1          weighted F1
 * @param micro       micro averages
 * @param macro       macro averages
 * @param likes       weighted averages over the {@code likes:} labels alone
 * @param dislikes    weighted averages over the {@code dislikes:} labels alone
 * @param unparseable share of generations the verbalizer could not parse
 * @param examples    number of windows scored
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Scores(
        double precision,
        double recall,
        double f1,
        MultiLabelMetrics.Average micro,
        MultiLabelMetrics.Average macro,
        MultiLabelMetrics.Average likes,
        MultiLabelMetrics.Average dislikes,
        double unparseable,
        long examples) {
    /** The scores of a metric report (its per-label table is left to {@code per_label.csv}). */
    public static Scores of(MultiLabelMetrics.Report r) {
        MultiLabelMetrics.Average w = r.weighted();
        return new Scores(
                w.precision(),
                w.recall(),
                w.f1(),
                r.micro(),
                r.macro(),
                r.byKind().get("likes"),
                r.byKind().get("dislikes"),
                r.unparseableShare(),
                r.examples());
    }
}
