package dev.uem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.uem.eval.MultiLabelMetrics;
import dev.uem.eval.ReportJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code uem metrics}: docs/TASK.md §7's scores for a file of truths and predictions. */
@Command(
        name = "metrics",
        header = "Score predicted labels: weighted, micro, macro and per-label precision, recall and F1.",
        mixinStandardHelpOptions = true,
        description = {
            "Score predictions: reads JSON lines {\"true\": [labels], \"pred\": "
                    + "[labels]} (labels like likes:Drama,",
            "dislikes:Horror; optional \"parseable\": false) and prints one JSON object with "
                    + "weighted precision, recall, f1",
            "and support (scikit-learn's average='weighted', zero_division=0), micro, macro, "
                    + "likes, dislikes and per_label."
        })
final class MetricsCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, paramLabel = "FILE", description = "JSON-lines input.")
    Path in;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(in)) throw new IllegalArgumentException("--in: no such file: " + in);
        ObjectMapper json = new ObjectMapper();
        MultiLabelMetrics m = new MultiLabelMetrics();
        try (BufferedReader r = Files.newBufferedReader(in)) {
            String line;
            long n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = json.readTree(line);
                } catch (IOException e) {
                    throw new IllegalArgumentException(in + ":" + n + ": not valid JSON: " + e.getMessage());
                }
                m.add(
                        labels(node, "true", n),
                        labels(node, "pred", n),
                        node.path("parseable").asBoolean(true));
            }
        }
        System.out.println(
                json.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(ReportJson.of(json, m.report())));
        return 0;
    }

    private List<String> labels(JsonNode node, String key, long line) {
        JsonNode a = node.get(key);
        if (a == null || !a.isArray())
            throw new IllegalArgumentException(
                    in + ":" + line + ": key '" + key + "': expected an array of labels, found " + a);
        List<String> out = new ArrayList<>();
        for (JsonNode x : a) {
            if (!x.isTextual())
                throw new IllegalArgumentException(
                        in + ":" + line + ": key '" + key + "': expected label strings, found " + x);
            out.add(x.asText());
        }
        return out;
    }
}
