package dev.uem.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.eval.Evaluator;
import dev.uem.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How a run or sweep reports its lines ({@link ResultLine}): the terminal table, {@code results.csv}, a markdown
 * table; also {@code predictions.jsonl} and the peak memory. {@code results.json} is {@link RunResults}.
 */
public final class Results {
    private Results() {}

    /** One row per arm: name, kind, history, weighted P/R/F1, F1 std, micro, macro, likes, dislikes F1, and more. */
    public static String csv(List<? extends ResultLine> arms) {
        StringBuilder sb = new StringBuilder("arm,kind,history,precision,recall,f1,f1_std,micro_f1,macro_f1,likes_f1,"
                + "dislikes_f1,unparseable,distinct_outputs,examples\n");
        for (ResultLine a : arms) {
            ArmLabel l = a.label();
            sb.append(l.name())
                    .append(',')
                    .append(l.kind())
                    .append(',')
                    .append(l.history() == null ? "" : l.history().toString())
                    .append(',');
            for (Double cell : new Double[] {
                a.precision(),
                a.recall(),
                a.f1(),
                a.f1Std(),
                a.microF1(),
                a.macroF1(),
                a.likesF1(),
                a.dislikesF1(),
                a.unparseable(),
                a.distinctSentences()
            }) sb.append(num(cell)).append(',');
            sb.append(a.examplesShown()).append('\n');
        }
        return sb.toString();
    }

    /**
     * The same as a markdown table (weighted P/R/F1, ± std over seeds, distinct sentences, unparseable share), for
     * READMEs and RESULTS.md.
     */
    public static String markdown(List<? extends ResultLine> arms) {
        StringBuilder sb = new StringBuilder("| arm | history | precision | recall | F1 | distinct sentences "
                + "| unparseable |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (ResultLine a : arms) {
            Integer history = a.label().history();
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.3f | %.3f | **%s** | %s | %.3f |%n",
                    a.label().name(),
                    history == null ? "all" : history.toString(),
                    a.precision(),
                    a.recall(),
                    f1(a),
                    distinct(a),
                    a.unparseable()));
        }
        return sb.toString();
    }

    /**
     * The terminal table: weighted precision, recall, F1 (± std over seeds), distinct generated sentences and the
     * unparseable share per arm.
     */
    public static String table(List<? extends ResultLine> arms) {
        StringBuilder sb = new StringBuilder(String.format(
                Locale.ROOT,
                "%-22s %9s %9s %15s %9s %11s%n",
                "arm (test users)",
                "precision",
                "recall",
                "F1",
                "distinct",
                "unparseable"));
        for (ResultLine a : arms)
            sb.append(String.format(
                    Locale.ROOT,
                    "%-22s %9.3f %9.3f %15s %9s %11.3f%n",
                    a.label().name(),
                    a.precision(),
                    a.recall(),
                    f1(a),
                    distinct(a),
                    a.unparseable()));
        return sb.toString();
    }

    private static String f1(ResultLine a) {
        return a.f1Std() != null
                ? String.format(Locale.ROOT, "%.3f ± %.3f", a.f1(), a.f1Std())
                : String.format(Locale.ROOT, "%.3f", a.f1());
    }

    private static String distinct(ResultLine a) {
        return a.distinctSentences() != null ? String.format(Locale.ROOT, "%.0f", a.distinctSentences()) : "";
    }

    private static String num(Double n) {
        return n == null ? "" : String.format(Locale.ROOT, "%.6f", n);
    }

    /** {@code predictions.jsonl}: user, window, generated text, parseable, parsed labels, true labels. */
    static void writePredictions(Path file, List<Evaluator.Prediction> preds) throws IOException {
        ObjectMapper compact = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        for (Evaluator.Prediction p : preds) {
            ObjectNode n = compact.createObjectNode();
            n.put("user", p.user())
                    .put("window_start", p.window().start())
                    .put("window_length", p.window().length())
                    .put("generated", p.text())
                    .put("parseable", p.parseable());
            var pred = n.putArray("pred");
            p.predicted().forEach(pred::add);
            var truth = n.putArray("true");
            p.truth().forEach(truth::add);
            lines.append(compact.writeValueAsString(n)).append('\n');
        }
        AtomicFiles.writeString(file, lines.toString());
    }

    /** Peak resident memory of this process so far (Linux {@code VmHWM}), in MiB; -1 where unknown. */
    public static double peakRssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
        } catch (IOException | NumberFormatException e) {
            // not Linux: unknown
        }
        return -1;
    }
}
