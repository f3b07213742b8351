package dev.uem.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.eval.MultiLabelMetrics;
import dev.uem.model.uem.PromptAssembly;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsAndConfigTest {
    @TempDir
    Path tmp;

    private static ExperimentConfig config(int steps, int batch, PromptAssembly.Kernels kernels, int budget) {
        return new ExperimentConfig("data", List.of(), false, "t5-mini", "mini", steps, batch, 1, 5e-3, 2e-3, 40, 100, 50, false, 0,
                kernels, 32, budget, "cache", 1.0, 0, 20, false, ExperimentConfig.OutputVocabulary.TASK, null, null, 0.0, null);
    }

    @Test
    void badFieldsAreNamed() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> config(0, 16, PromptAssembly.Kernels.NATIVE, 512)).getMessage().contains("steps"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> config(10, 0, PromptAssembly.Kernels.NATIVE, 512)).getMessage().contains("batch_size"));
        // a config.json without kernels (or null) takes the best available, as the command line does
        assertEquals(PromptAssembly.Kernels.best(), config(10, 16, null, 512).kernels());
        // configs written when kernels was a string ("torch") still read
        Path f = tmp.resolve("config.json");
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(java.util.Map.of("experiment", config(10, 16, PromptAssembly.Kernels.TORCH, 512)));
        java.nio.file.Files.writeString(f, json.replace("\"TORCH\"", "\"torch\""));
        assertEquals(PromptAssembly.Kernels.TORCH, dev.uem.io.JsonConfig.read(f).get("experiment", ExperimentConfig.class).kernels());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> config(10, 16, PromptAssembly.Kernels.TORCH, 4)).getMessage().contains("text_budget"));
        ExperimentConfig ok = config(10, 16, PromptAssembly.Kernels.TORCH, 512);
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class, () -> new ExperimentConfig("data", List.of(), false, "t5-mini", "mini",
                10, 16, 1, 5e-3, 2e-3, 40, 100, 50, false, 0, PromptAssembly.Kernels.TORCH, 32, 512, "cache", -0.5, 0, 20, false, null, null, null, 0.0, null));
        assertTrue(w.getMessage().contains("preference_weight") && w.getMessage().contains("-0.5"), w.getMessage());
        w = assertThrows(IllegalArgumentException.class, () -> new ExperimentConfig("data", List.of(), false, "t5-mini", "mini",
                10, 16, 1, 5e-3, 2e-3, 40, 100, 50, false, 0, PromptAssembly.Kernels.TORCH, 32, 512, "cache", 1.0, -3, 20, false, null, null, null, 0.0, null));
        assertTrue(w.getMessage().contains("uem_warmup") && w.getMessage().contains("-3"), w.getMessage());
        w = assertThrows(IllegalArgumentException.class, () -> new ExperimentConfig("data", List.of(), false, "t5-mini", "mini",
                10, 16, 1, 5e-3, 2e-3, 40, 100, 50, false, 0, PromptAssembly.Kernels.TORCH, 32, 512, "cache", 1.0, 0, -1, false, null, null, null, 0.0, null));
        assertTrue(w.getMessage().contains("train_windows") && w.getMessage().contains("-1"), w.getMessage());
        w = assertThrows(IllegalArgumentException.class, () -> new ExperimentConfig("data", List.of(), false, "t5-mini", "mini",
                10, 16, 1, 5e-3, 2e-3, 40, 100, 50, false, 0, PromptAssembly.Kernels.TORCH, 32, 512, "cache", 1.0, 0, 1, false, null, null, null, -0.25, null));
        assertTrue(w.getMessage().contains("head_fusion") && w.getMessage().contains("-0.25"), w.getMessage());
        assertTrue(ok.preferenceHead() && !ok.withSeed(3).equals(ok) && ok.withSeed(3).seed() == 3);
        assertEquals(ExperimentConfig.OutputVocabulary.TASK, ok.withSeed(3).outputVocabulary());
        // a config.json written before --output-vocab existed trained on the whole vocabulary
        assertEquals(ExperimentConfig.OutputVocabulary.FULL, new ExperimentConfig("data", List.of(), false, "t5-mini", "mini",
                10, 16, 1, 5e-3, 2e-3, 40, 100, 50, false, 0, PromptAssembly.Kernels.TORCH, 32, 512, "cache", 1.0, 0, 1, false, null, null, null, 0.0, null).outputVocabulary());
        // a config.json written before --head existed trained the mean head, and a run rebuilds exactly that model
        assertEquals(dev.uem.model.uem.PreferenceReadout.Kind.MEAN, ok.headKind());
        com.fasterxml.jackson.databind.node.ObjectNode old = new ObjectMapper().valueToTree(ok.withSeed(1));
        old.remove("headKind");
        assertEquals(dev.uem.model.uem.PreferenceReadout.Kind.MEAN, new ObjectMapper().treeToValue(old, ExperimentConfig.class).headKind());
        // warm-up longer than a short run is clipped rather than refused
        assertEquals(10, config(10, 16, PromptAssembly.Kernels.TORCH, 512).settings().warmupSteps());
    }

    @Test
    void configSurvivesItsJsonRoundTripForResume() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ExperimentConfig c = config(123, 8, PromptAssembly.Kernels.TORCH, 300);
        assertEquals(c, json.treeToValue(json.valueToTree(c), ExperimentConfig.class));
        Arm a = Arm.uem(50);
        assertEquals(a, json.treeToValue(json.valueToTree(a), Arm.class));
    }

    private static ObjectNode line(Arm arm, double hit) {
        MultiLabelMetrics m = new MultiLabelMetrics();
        for (int i = 0; i < 10; i++) m.add(List.of("likes:Drama"), i < hit * 10 ? List.of("likes:Drama") : List.of("likes:Comedy"));
        return Experiment.armJson(arm, m.report());
    }

    @Test
    void tablesCsvAndPlotCarryEveryArm() throws Exception {
        List<ObjectNode> arms = new ArrayList<>(List.of(line(Arm.text(5), 0.2), line(Arm.uem(5), 0.3), line(Arm.uem(50), 0.6),
                line(Arm.countingHistory(), 0.1), line(Arm.countingWindow(5), 0.1), line(Arm.countingWindow(50), 0.1)));
        assertEquals(0.75, arms.get(2).get("f1").asDouble(), 1e-12, "only likes:Drama has support: P 1, R 0.6, F1 0.75");
        assertTrue(arms.get(3).get("history").isNull() && arms.get(2).get("history").asInt() == 50);

        String csv = Results.csv(arms);
        List<String> rows = csv.lines().toList();
        assertEquals(7, rows.size());
        assertTrue(rows.get(3).startsWith("uem-50,uem,50,1.000000,0.600000,0.750000,"), rows.get(3));
        assertTrue(rows.get(4).startsWith("counting-history,counting,,"), rows.get(4));
        String md = Results.markdown(arms);
        assertTrue(md.contains("| uem-50 | 50 | 1.000 | 0.600 | **0.750** |"), md);
        assertTrue(Results.table(arms).lines().anyMatch(l -> l.startsWith("text-5") && l.contains("0.200")));

        Path png = tmp.resolve("plot.png");
        SweepPlot.write(png, arms, "test");
        BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(560, img.getHeight());
        assertTrue(Files.list(tmp).noneMatch(p -> p.toString().endsWith(".tmp")), "written atomically");
        // the UEM series is drawn in its colour somewhere in the plot area
        boolean blue = false;
        for (int x = 0; x < img.getWidth() && !blue; x++)
            for (int y = 0; y < img.getHeight() && !blue; y++) blue = (img.getRGB(x, y) & 0xFFFFFF) == 0x1f77b4;
        assertTrue(blue, "UEM line drawn");
        assertNotEquals(Results.csv(arms), Results.csv(arms.subList(0, 3)));
    }

    private static ObjectNode seedLine(String name, String kind, Integer history, double f1) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("name", name).put("kind", kind);
        if (history == null) n.putNull("history");
        else n.put("history", history);
        n.put("precision", f1).put("recall", f1).put("f1", f1).put("unparseable", 0.0).put("examples", 10);
        return n;
    }

    @Test
    void seedsAreAveragedWithTheirSpread() throws Exception {
        List<List<ObjectNode>> perSeed = List.of(
                List.of(seedLine("uem-50", "uem", 50, 0.2), seedLine("uem-head-50", "head", 50, 0.3), seedLine("prior", "reference", null, 0.1)),
                List.of(seedLine("uem-50", "uem", 50, 0.4), seedLine("uem-head-50", "head", 50, 0.3), seedLine("prior", "reference", null, 0.1)));
        List<ObjectNode> mean = Sweep.aggregate(perSeed);
        assertEquals(List.of("uem-50", "uem-head-50", "prior"), mean.stream().map(n -> n.get("name").asText()).toList());
        assertEquals(0.3, mean.get(0).get("f1").asDouble(), 1e-12);
        assertEquals(Math.sqrt(0.02), mean.get(0).get("f1_std").asDouble(), 1e-12, "sample standard deviation of 0.2 and 0.4");
        assertEquals(0.0, mean.get(1).get("f1_std").asDouble(), 1e-12);
        assertEquals(2, mean.get(0).get("seeds").asInt());
        assertEquals(0.4, mean.get(0).get("f1_per_seed").get(1).asDouble(), 1e-12);
        assertTrue(mean.get(2).get("history").isNull());
        assertTrue(Results.markdown(mean).contains("**0.300 ± 0.141**"), Results.markdown(mean));
        assertTrue(Results.csv(mean).lines().skip(1).findFirst().orElseThrow().startsWith("uem-50,uem,50,0.300000,0.300000,0.300000,0.141421,"));
        Path png = tmp.resolve("seeds.png");
        SweepPlot.write(png, mean, "seeds");
        assertEquals(900, javax.imageio.ImageIO.read(png.toFile()).getWidth());
    }
}
