package dev.uem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandsTest {
    @TempDir
    Path tmp;

    private String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf));
        try {
            assertEquals(0, Main.commandLine().execute(args), String.join(" ", args));
        } finally {
            System.setOut(old);
        }
        return buf.toString();
    }

    @Test
    void labelsWritesOneLinePerUserAscending() throws IOException {
        Path out = tmp.resolve("labels.jsonl");
        run("labels", "--data", "data/movielens/ml-latest-small", "--out", out.toString());
        List<String> lines = Files.readAllLines(out);
        assertEquals(610, lines.size());
        ObjectMapper json = new ObjectMapper();
        int prev = 0;
        for (String l : lines) {
            JsonNode n = json.readTree(l);
            assertTrue(n.get("user").asInt() > prev);
            prev = n.get("user").asInt();
            assertTrue(n.get("likes").isArray()
                    && n.get("dislikes").isArray()
                    && n.get("likes").size() <= 3);
        }
    }

    @Test
    void metricsPrintsWeightedMicroMacro() throws IOException {
        Path in = tmp.resolve("pred.jsonl");
        Files.writeString(
                in,
                "{\"true\": [\"likes:A\", \"likes:B\"], \"pred\": [\"likes:A\"]}\n{\"true\": [\"dislikes:C\"], \"pred\": [\"dislikes:C\", \"likes:B\"]}\n");
        JsonNode r = new ObjectMapper().readTree(run("metrics", "--in", in.toString()));
        // A: P1 R1 F1 1 (s1); B: tp0 fp1 fn1 -> 0 (s1); C: 1 (s1) -> weighted F1 = 2/3
        assertEquals(2 / 3.0, r.get("f1").asDouble(), 1e-12);
        assertEquals(3, r.get("support").asInt());
        assertEquals(2 / 3.0, r.get("micro").get("precision").asDouble(), 1e-12);
        assertEquals(2 / 3.0, r.get("macro").get("f1").asDouble(), 1e-12);
    }

    @Test
    void metricsNamesTheBadLine() throws IOException {
        Path in = tmp.resolve("bad.jsonl");
        Files.writeString(in, "{\"true\": [], \"pred\": []}\n{\"true\": \"likes:A\", \"pred\": []}\n");
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(1, cl.execute("metrics", "--in", in.toString()));
        assertTrue(err.toString().contains("bad.jsonl:2") && err.toString().contains("'true'"), err.toString());
    }

    @Test
    void prepareSummarisesTheBundledData() throws IOException {
        Path out = tmp.resolve("summary.json");
        run("prepare", "--no-embeddings", "--out", out.toString());
        JsonNode s = new ObjectMapper().readTree(out.toFile());
        assertEquals(610, s.get("users").asInt());
        assertEquals(9742, s.get("movies").asInt());
        assertEquals(100836, s.get("ratings").asInt());
        assertEquals(0.652, s.get("description_coverage").get("movies").asDouble(), 0.001);
        assertEquals(0.931, s.get("description_coverage").get("ratings").asDouble(), 0.001);
        JsonNode ex = s.get("examples");
        assertEquals(
                610,
                ex.get("train").get("users").asInt()
                        + ex.get("validation").get("users").asInt()
                        + ex.get("test").get("users").asInt());
    }
}
