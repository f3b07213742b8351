package dev.uem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.eval.MultiLabelMetrics;
import dev.uem.model.uem.PromptAssembly;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsAndConfigTest {
    @TempDir
    Path tmp;

    private static RunConfig config(int steps, int batch, PromptAssembly.Kernels kernels, int budget) {
        RunConfig d = RunConfig.defaults();
        ModelConfig m = d.model();
        return d.withModel(new ModelConfig(
                        "t5-mini", "mini", m.head(), false, m.outputVocabulary(), null, kernels, budget))
                .withTrain(d.train()
                        .withSchedule(new Schedule(steps, 0, 40, 100, 50))
                        .withBatchSize(batch));
    }

    @Test
    void badFieldsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> config(0, 16, null, 512))
                .getMessage()
                .contains("steps"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> config(10, 0, null, 512))
                .getMessage()
                .contains("batch_size"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> config(10, 16, null, 4))
                .getMessage()
                .contains("text_budget"));
        RunConfig ok = config(10, 16, PromptAssembly.Kernels.TORCH, 512);
        TrainConfig t = ok.train();
        String w = assertThrows(
                        IllegalArgumentException.class,
                        () -> new TrainConfig(t.schedule(), 16, 1, 5e-3, 1e-3, false, -0.5, null))
                .getMessage();
        assertTrue(w.contains("preference_weight") && w.contains("-0.5"), w);
        w = assertThrows(IllegalArgumentException.class, () -> new Schedule(10, -3, 40, 100, 50))
                .getMessage();
        assertTrue(w.contains("uem_warmup") && w.contains("-3"), w);
        w = assertThrows(IllegalArgumentException.class, () -> ok.data().withTrainWindows(-1))
                .getMessage();
        assertTrue(w.contains("train_windows") && w.contains("-1"), w);
        w = assertThrows(IllegalArgumentException.class, () -> new EvalConfig(32, -0.25))
                .getMessage();
        assertTrue(w.contains("head_fusion") && w.contains("-0.25"), w);
        assertTrue(ok.preferenceHead()
                && !ok.withSeed(3).equals(ok)
                && ok.withSeed(3).seed() == 3);
        // warm-up longer than a short run is clipped rather than refused
        assertEquals(10, ok.settings().warmupSteps());
    }

    @Test
    void configSurvivesItsJsonRoundTripInSnakeCase() throws Exception {
        ObjectMapper json = new ObjectMapper();
        RunConfig c = config(123, 8, PromptAssembly.Kernels.TORCH, 300);
        ObjectNode tree = json.valueToTree(c);
        assertEquals(c, json.treeToValue(tree, RunConfig.class));
        assertEquals(123, tree.path("train").path("schedule").path("steps").asInt(), tree.toString());
        assertEquals(8, tree.path("train").path("batch_size").asInt(), tree.toString());
        assertEquals(300, tree.path("model").path("text_budget").asInt(), tree.toString());
        Arm a = Arm.uem(50);
        assertEquals(a, json.treeToValue(json.valueToTree(a), Arm.class));
    }

    @Test
    void aVersion1ConfigIsMigratedAndANewerOneRefused() throws Exception {
        // layout 1: camelCase under "experiment"; missing keys meant the mean head, the whole vocabulary, fp32
        String v1 = """
                {"arm": {"name": "uem-5", "kind": "UEM", "history": 5}, "encoder": "all-MiniLM-L6-v2",
                 "train_examples": 7, "validation_examples": 2, "test_examples": 3,
                 "model": {"lmConfig": {"dModel": 32}, "headLabels": 4, "headWeight": 1.0, "decoderHead": false},
                 "experiment": {"dataset": "d", "descriptions": [], "skipBadRows": true, "lm": "t5-mini", "uem": "mini",
                  "steps": 10, "batchSize": 4, "accumulation": 1, "lrUser": 0.005, "lrLm": 0.002, "warmup": 3,
                  "evalEvery": 5, "checkpointEvery": 5, "freezeLm": false, "seed": 7, "kernels": "torch",
                  "maxNewTokens": 20, "textBudget": 512, "cache": "c", "preferenceWeight": 1.0, "uemWarmup": 4,
                  "trainWindows": 2, "decoderHead": false, "dropout": null}}
                """;
        Path f = tmp.resolve("config.json");
        Files.writeString(f, v1);
        dev.uem.io.JsonConfig c = dev.uem.io.ConfigMigration.read(f);
        RunConfig run = c.get("run", RunConfig.class);
        assertEquals(RunConfig.SCHEMA_VERSION, c.path("schema_version").asInt());
        assertEquals(dev.uem.model.uem.PreferenceReadout.Kind.MEAN, run.model().head());
        assertEquals(ModelConfig.OutputVocabulary.FULL, run.model().outputVocabulary());
        assertEquals(dev.uem.torch.Precision.FP32, run.train().precision());
        assertEquals(0.0, run.eval().headFusion());
        assertEquals(PromptAssembly.Kernels.TORCH, run.model().kernels());
        assertEquals(new Schedule(10, 4, 3, 5, 5), run.train().schedule());
        assertEquals(7, run.seed());
        assertTrue(run.data().skipBadRows() && run.data().trainWindows() == 2);
        assertEquals(
                32,
                c.path("network").path("lm_config").path("d_model").asInt(),
                c.path("network").toString());
        assertEquals("MEAN", c.path("network").path("head_kind").asText());
        assertEquals(5, c.path("arm").path("history").asInt());
        assertEquals(7, c.path("examples").path("train").asInt());
        Files.writeString(
                f,
                v1.replace(
                        "\"decoderHead\": false, \"dropout\"",
                        "\"decoderHead\": false, \"headKind\": \"GENRE_ATTENTION\", \"dropout\""));
        String retired = assertThrows(IllegalArgumentException.class, () -> dev.uem.io.ConfigMigration.read(f))
                .getMessage();
        assertTrue(retired.contains("run.model.head GENRE_ATTENTION") && retired.contains("no longer builds"), retired);
        Files.writeString(f, "{\"schema_version\": 3, \"run\": {}}");
        String e = assertThrows(IllegalArgumentException.class, () -> dev.uem.io.ConfigMigration.read(f))
                .getMessage();
        assertTrue(e.contains("config.json") && e.contains("schema_version 3"), e);
    }

    static ArmResult line(Arm arm, double hit) {
        MultiLabelMetrics m = new MultiLabelMetrics();
        for (int i = 0; i < 10; i++)
            m.add(List.of("likes:Drama"), i < hit * 10 ? List.of("likes:Drama") : List.of("likes:Comedy"));
        return ArmResult.of(arm, m.report());
    }

    @Test
    void tablesCsvAndPlotCarryEveryArm() throws Exception {
        List<ArmResult> arms = new ArrayList<>(List.of(
                line(Arm.text(5), 0.2),
                line(Arm.uem(5), 0.3),
                line(Arm.uem(50), 0.6),
                line(Arm.countingHistory(), 0.1),
                line(Arm.countingWindow(5), 0.1),
                line(Arm.countingWindow(50), 0.1)));
        assertEquals(0.75, arms.get(2).f1(), 1e-12, "only likes:Drama has support: P 1, R 0.6, F1 0.75");
        assertTrue(arms.get(3).label().history() == null && arms.get(2).label().history() == 50);

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

    private static ArmResult seedLine(String name, String kind, Integer history, double f1) {
        return new ArmResult(
                new ArmLabel(name, kind, history),
                new Scores(f1, f1, f1, null, null, null, null, 0.0, 10),
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    @Test
    void seedsAreAveragedWithTheirSpread() throws Exception {
        List<List<ArmResult>> perSeed = List.of(
                List.of(
                        seedLine("uem-50", "uem", 50, 0.2),
                        seedLine("uem-head-50", "head", 50, 0.3),
                        seedLine("prior", "reference", null, 0.1)),
                List.of(
                        seedLine("uem-50", "uem", 50, 0.4),
                        seedLine("uem-head-50", "head", 50, 0.3),
                        seedLine("prior", "reference", null, 0.1)));
        List<SeedMean> mean = Sweep.aggregate(perSeed);
        assertEquals(
                List.of("uem-50", "uem-head-50", "prior"),
                mean.stream().map(n -> n.label().name()).toList());
        assertEquals(0.3, mean.get(0).f1(), 1e-12);
        assertEquals(Math.sqrt(0.02), mean.get(0).f1Std(), 1e-12, "sample standard deviation of 0.2 and 0.4");
        assertEquals(0.0, mean.get(1).f1Std(), 1e-12);
        assertEquals(2, mean.get(0).seeds());
        assertEquals(0.4, mean.get(0).f1PerSeed().get(1), 1e-12);
        assertTrue(mean.get(2).label().history() == null);
        assertTrue(Results.markdown(mean).contains("**0.300 ± 0.141**"), Results.markdown(mean));
        assertTrue(Results.csv(mean)
                .lines()
                .skip(1)
                .findFirst()
                .orElseThrow()
                .startsWith("uem-50,uem,50,0.300000,0.300000,0.300000,0.141421,"));
        Path png = tmp.resolve("seeds.png");
        SweepPlot.write(png, mean, "seeds");
        assertEquals(900, javax.imageio.ImageIO.read(png.toFile()).getWidth());
    }
}
