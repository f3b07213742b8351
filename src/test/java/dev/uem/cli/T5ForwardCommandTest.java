package dev.uem.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.testing.Golden;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code uem t5-forward} reproduces both fixture folders through the CLI, as a user would run it. */
class T5ForwardCommandTest {
    @TempDir
    Path tmp;

    @Test
    void reproducesBothFixtureFolders() throws IOException {
        for (String model : Golden.MODELS) {
            Path dir = Golden.dir(model), out = tmp.resolve(model + ".json");
            int code = Main.commandLine()
                    .execute(
                            "t5-forward",
                            "--model",
                            dir.toString(),
                            "--cases",
                            dir.resolve("cases.json").toString(),
                            "--out",
                            out.toString());
            assertEquals(0, code);
            JsonNode got = new ObjectMapper().readTree(out.toFile()), want = Golden.cases(model);
            assertEquals(want.get("cases").size(), got.get("cases").size());
            for (int i = 0; i < want.get("cases").size(); i++) {
                JsonNode g = got.get("cases").get(i), w = want.get("cases").get(i), e = w.get("expected");
                String name = model + "/" + w.get("name").asText();
                assertEquals(w.get("name").asText(), g.get("name").asText());
                for (String f : new String[] {"encoder_last_hidden_state", "decoder_last_hidden_state", "logits"})
                    Golden.assertClose(name + " " + f, Golden.shape(g.get(f)), Golden.data(g.get(f)), e.get(f));
                assertEquals(
                        e.get("loss").asDouble(),
                        g.get("loss").asDouble(),
                        1e-5 * e.get("loss").asDouble(),
                        name + " loss");
                assertArrayEquals(
                        Golden.longMatrix(e.get("greedy").get("sequences")),
                        Golden.longMatrix(g.get("greedy_sequences")),
                        name + " greedy");
            }
            boolean hasSt5 = want.has("sentence_t5");
            assertEquals(
                    hasSt5, got.has("sentence_t5"), model + ": sentence_t5 section only where the fixture has one");
            if (hasSt5) {
                for (int i = 0; i < want.get("sentence_t5").get("cases").size(); i++) {
                    JsonNode g = got.get("sentence_t5").get(i).get("embedding"),
                            w =
                                    want.get("sentence_t5")
                                            .get("cases")
                                            .get(i)
                                            .get("expected")
                                            .get("embedding");
                    Golden.assertClose(model + " sentence_t5 " + i, Golden.shape(g), Golden.data(g), w);
                }
            }
        }
    }

    @Test
    void badCheckpointFolderIsOneClearLine() {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(
                "t5-forward",
                "--model",
                tmp.toString(),
                "--cases",
                "x.json",
                "--out",
                tmp.resolve("o.json").toString());
        assertEquals(1, code);
        assertTrue(err.toString().contains("x.json") || err.toString().contains("config.json"), err.toString());
    }
}
