package dev.uem.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A metric report as JSON: weighted P/R/F1 at the top, then micro, macro, likes/dislikes, unparseable share, per label.
 */
public final class ReportJson {
    private ReportJson() {}

    public static ObjectNode of(ObjectMapper json, MultiLabelMetrics.Report r) {
        ObjectNode o = json.createObjectNode();
        put(o, r.weighted());
        put(o.putObject("micro"), r.micro());
        put(o.putObject("macro"), r.macro());
        r.byKind().forEach((k, v) -> put(o.putObject(k), v));
        o.put("examples", r.examples()).put("unparseable", r.unparseableShare());
        var rows = o.putArray("per_label");
        for (MultiLabelMetrics.LabelScore s : r.perLabel())
            rows.addObject()
                    .put("label", s.label())
                    .put("precision", s.precision())
                    .put("recall", s.recall())
                    .put("f1", s.f1())
                    .put("support", s.support());
        return o;
    }

    /** The per-label table as CSV: {@code label,precision,recall,f1,support}. */
    public static String perLabelCsv(MultiLabelMetrics.Report r) {
        StringBuilder sb = new StringBuilder("label,precision,recall,f1,support\n");
        for (MultiLabelMetrics.LabelScore s : r.perLabel())
            sb.append(s.label())
                    .append(',')
                    .append(s.precision())
                    .append(',')
                    .append(s.recall())
                    .append(',')
                    .append(s.f1())
                    .append(',')
                    .append(s.support())
                    .append('\n');
        return sb.toString();
    }

    private static void put(ObjectNode o, MultiLabelMetrics.Average a) {
        o.put("precision", a.precision())
                .put("recall", a.recall())
                .put("f1", a.f1())
                .put("support", a.support());
    }
}
