package dev.uem.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.eval.Evaluator;
import dev.uem.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The files a run or sweep reports through: {@code results.json}, {@code results.csv}, a markdown table, predictions.
 */
public final class Results {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Results() {}

    /** {@code {"dataset": …, "split": "test", "arms": [...]}}. */
    public static ObjectNode resultsJson(String dataset, List<ObjectNode> arms) {
        ObjectNode r = JSON.createObjectNode();
        r.put("dataset", dataset).put("split", "test");
        ArrayNode a = r.putArray("arms");
        arms.forEach(a::add);
        return r;
    }

    public static void writeJson(Path file, JsonNode node) {
        try {
            AtomicFiles.writeString(file, JSON.writeValueAsString(node));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * One row per arm: name, kind, history, weighted P/R/F1, micro F1, macro F1, likes F1, dislikes F1, unparseable.
     */
    public static String csv(List<ObjectNode> arms) {
        StringBuilder sb = new StringBuilder(
                "arm,kind,history,precision,recall,f1,f1_std,micro_f1,macro_f1,likes_f1,dislikes_f1,unparseable,distinct_outputs,examples\n");
        for (ObjectNode a : arms)
            sb.append(a.get("name").asText())
                    .append(',')
                    .append(a.get("kind").asText())
                    .append(',')
                    .append(a.get("history").isNull() ? "" : a.get("history").asText())
                    .append(',')
                    .append(num(a.get("precision")))
                    .append(',')
                    .append(num(a.get("recall")))
                    .append(',')
                    .append(num(a.get("f1")))
                    .append(',')
                    .append(num(a.get("f1_std")))
                    .append(',')
                    .append(num(a.path("micro").get("f1")))
                    .append(',')
                    .append(num(a.path("macro").get("f1")))
                    .append(',')
                    .append(num(a.path("likes").get("f1")))
                    .append(',')
                    .append(num(a.path("dislikes").get("f1")))
                    .append(',')
                    .append(num(a.get("unparseable")))
                    .append(',')
                    .append(num(a.get("distinct_outputs")))
                    .append(',')
                    .append(a.path("examples").asInt())
                    .append('\n');
        return sb.toString();
    }

    /**
     * The same as a markdown table (weighted P/R/F1, ± std over seeds, distinct sentences, unparseable share), for
     * READMEs and RESULTS.md.
     */
    public static String markdown(List<ObjectNode> arms) {
        StringBuilder sb = new StringBuilder("| arm | history | precision | recall | F1 | distinct "
                + "sentences | unparseable |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (ObjectNode a : arms)
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.3f | %.3f | **%s** | %s | %.3f |%n",
                    a.get("name").asText(),
                    a.get("history").isNull() ? "all" : a.get("history").asText(),
                    a.get("precision").asDouble(),
                    a.get("recall").asDouble(),
                    f1(a),
                    distinct(a),
                    a.get("unparseable").asDouble()));
        return sb.toString();
    }

    /**
     * The terminal table: weighted precision, recall, F1 (± std over seeds), distinct generated sentences and the
     * unparseable share per arm.
     */
    public static String table(List<ObjectNode> arms) {
        StringBuilder sb = new StringBuilder(String.format(
                Locale.ROOT,
                "%-22s %9s %9s %15s %9s %11s%n",
                "arm (test users)",
                "precision",
                "recall",
                "F1",
                "distinct",
                "unparseable"));
        for (ObjectNode a : arms)
            sb.append(String.format(
                    Locale.ROOT,
                    "%-22s %9.3f %9.3f %15s %9s %11.3f%n",
                    a.get("name").asText(),
                    a.get("precision").asDouble(),
                    a.get("recall").asDouble(),
                    f1(a),
                    distinct(a),
                    a.get("unparseable").asDouble()));
        return sb.toString();
    }

    private static String f1(ObjectNode a) {
        return a.has("f1_std")
                ? String.format(
                        Locale.ROOT,
                        "%.3f ± %.3f",
                        a.get("f1").asDouble(),
                        a.get("f1_std").asDouble())
                : String.format(Locale.ROOT, "%.3f", a.get("f1").asDouble());
    }

    private static String distinct(ObjectNode a) {
        return a.has("distinct_outputs")
                ? String.format(Locale.ROOT, "%.0f", a.get("distinct_outputs").asDouble())
                : "";
    }

    private static String num(JsonNode n) {
        return n == null || n.isNull() ? "" : String.format(Locale.ROOT, "%.6f", n.asDouble());
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
