package dev.uem.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What tests read back from a run folder. */
public final class RunFiles {
    private RunFiles() {}

    /** Each step's loss from {@code dir/metrics.jsonl}: the joint {@code loss}, or the warm-up stage's {@code head_loss}. */
    public static List<Double> losses(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
            JsonNode row = json.readTree(line);
            out.add(
                    row.has("loss")
                            ? row.get("loss").asDouble()
                            : row.get("head_loss").asDouble());
        }
        return out;
    }
}
