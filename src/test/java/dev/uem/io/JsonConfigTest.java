package dev.uem.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json errors are one line: file, key path, what was expected and what was found; unknown keys are errors. */
class JsonConfigTest {
    @TempDir
    Path tmp;

    record Inner(int steps, double lr, String name) {
        Inner {
            if (steps <= 0) throw new IllegalArgumentException("steps must be > 0, found " + steps);
        }
    }

    private String error(String json, String key) throws Exception {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, json);
        return assertThrows(
                        IllegalArgumentException.class, () -> JsonConfig.read(f).get(key, Inner.class))
                .getMessage();
    }

    @Test
    void errorsNameTheFileTheKeyAndTheValue() throws Exception {
        String e = error("{\"experiment\": {\"steps\": \"abc\", \"lr\": 1e-3, \"name\": \"x\"}}", "experiment");
        assertTrue(
                e.startsWith(tmp.resolve("config.json") + ": experiment.steps: expected an integer, found \"abc\""), e);
        e = error("{\"experiment\": {\"steps\": 2.5, \"lr\": 1e-3, \"name\": \"x\"}}", "experiment");
        assertTrue(e.contains("experiment.steps: expected an integer, found 2.5"), e);
        e = error("{\"experiment\": {\"steps\": 10, \"lr\": 1e-3, \"name\": \"x\", \"stepz\": 3}}", "experiment");
        assertTrue(e.contains("experiment.stepz: unknown key") && e.contains("steps"), e);
        e = error("{\"experiment\": {\"steps\": -5, \"lr\": 1e-3, \"name\": \"x\"}}", "experiment");
        assertTrue(e.contains("experiment: steps must be > 0, found -5"), e);
        e = error("{\"other\": 1}", "experiment");
        assertTrue(e.contains("experiment: missing"), e);
        Files.writeString(
                tmp.resolve("config.json"),
                "{\"experiment\": {\"steps\": 10, \"lr\": 1e-3, \"name\": \"x\"}, \"history\": -5}");
        assertEquals(
                10,
                JsonConfig.read(tmp.resolve("config.json"))
                        .get("experiment", Inner.class)
                        .steps());
        IllegalArgumentException h = assertThrows(
                IllegalArgumentException.class,
                () -> JsonConfig.read(tmp.resolve("config.json")).integer("history", 1, 50));
        assertTrue(h.getMessage().endsWith("config.json: history: expected 1 to 50, found -5"), h.getMessage());
    }
}
