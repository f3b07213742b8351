package dev.uem;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packages follow the data's path and never import upwards: utilities (io, text, torch) → data → embed → the kernels'
 * binding → model → train and eval → the kernels' harness, experiment → bench → cli. A package may import its own
 * layer's package and any lower one.
 */
class PackageLayersTest {
    private static final Map<String, Integer> LAYER = Map.ofEntries(
            Map.entry("io", 0), Map.entry("text", 0), Map.entry("torch", 0),
            Map.entry("data", 1), Map.entry("embed", 2), Map.entry("kernels", 3),
            Map.entry("model", 4), Map.entry("train", 5), Map.entry("eval", 5),
            Map.entry("kernels.harness", 6), Map.entry("experiment", 6), Map.entry("bench", 7), Map.entry("cli", 8));
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.uem\\.([a-z.]+?)\\.[A-Z]", Pattern.MULTILINE);

    /** The layer key of a package below dev.uem: its first name, or kernels.harness. */
    private static String key(String pkg) {
        if (pkg.startsWith("kernels.harness")) return "kernels.harness";
        return pkg.contains(".") ? pkg.substring(0, pkg.indexOf('.')) : pkg;
    }

    @Test
    void noImportRunsUpwards() throws IOException {
        Path root = Path.of("src/main/java/dev/uem");
        List<String> bad = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                String from = key(root.relativize(f.getParent()).toString().replace('/', '.'));
                assertTrue(LAYER.containsKey(from), "package " + from + " has no layer in this test: add it");
                for (String v : upward(from, Files.readString(f))) bad.add(root.relativize(f) + " imports dev.uem." + v);
            }
        }
        assertTrue(files > 50, "found only " + files + " source files under " + root);
        assertEquals(List.of(), bad);
    }

    @Test
    void theCheckSeesAnUpwardImport() {
        assertEquals(List.of("train.Trainer"), upward("model", "package dev.uem.model;\nimport dev.uem.train.Trainer;\nimport dev.uem.data.Dataset;\n"));
        assertEquals(List.of("kernels.harness.KernelCheck"), upward("kernels", "import dev.uem.kernels.harness.KernelCheck;\n"));
        assertEquals(List.of(), upward("cli", "import dev.uem.experiment.Experiment;\nimport static dev.uem.io.AtomicFiles.write;\n"));
    }

    /** The imported dev.uem names of {@code source} that sit in a higher layer than package {@code from}. */
    private static List<String> upward(String from, String source) {
        List<String> out = new ArrayList<>();
        Matcher m = IMPORT.matcher(source);
        while (m.find()) {
            String to = key(m.group(1));
            Integer target = LAYER.get(to);
            if (target == null || (!to.equals(from) && target >= LAYER.get(from))) {
                int end = source.indexOf(';', m.start());
                out.add(source.substring(m.start(), end).replaceFirst("^import (static )?dev\\.uem\\.", ""));
            }
        }
        return out;
    }
}
