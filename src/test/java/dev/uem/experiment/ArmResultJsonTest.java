package dev.uem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The typed result lines against their files: round trips, the keys and their order, older files. */
class ArmResultJsonTest {
    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A trained UEM arm's line with every field set, as {@code Experiment} builds it. */
    private static ArmResult trainedArm() {
        ArmResult lm = ResultsAndConfigTest.line(Arm.uemLm(5), 0.4).withDecoding(3, 0.25, 4);
        TrainingFigures figures = new TrainingFigures(20, 1.5, 1.25, 10, 9.5, null, null, null, null)
                .withEvaluation(5.5, 1389.0, 127.25, phases());
        return ResultsAndConfigTest.line(Arm.uem(5), 0.3)
                .withDecoding(7, 0.5, 6)
                .withTrainedArm(1.0, LmOnly.of(lm), figures);
    }

    /** Phase times in the order a run has them. */
    private static java.util.Map<String, Double> phases() {
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("windows", 0.5);
        m.put("training", 100.25);
        m.put("decoding_test", 10.0);
        return m;
    }

    private static List<String> keys(String json) throws Exception {
        List<String> keys = new ArrayList<>();
        ((ObjectNode) JSON.readTree(json)).fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void anArmResultRoundTripsWithTheKeysArmJsonHas() throws Exception {
        ArmResult arm = trainedArm();
        Path f = tmp.resolve("arm.json");
        Files.writeString(f, arm.toJson());
        assertEquals(arm, ArmResult.read(f));
        assertEquals(
                List.of(
                        "name",
                        "kind",
                        "history",
                        "precision",
                        "recall",
                        "f1",
                        "micro",
                        "macro",
                        "likes",
                        "dislikes",
                        "unparseable",
                        "examples",
                        "distinct_outputs",
                        "validation_f1",
                        "validation_distinct_outputs",
                        "head_fusion",
                        "lm_only",
                        "training"),
                keys(arm.toJson()));
        ObjectNode tree = (ObjectNode) JSON.readTree(arm.toJson());
        assertEquals(
                List.of("f1", "distinct_outputs", "validation_f1", "validation_distinct_outputs"),
                keys(tree.get("lm_only").toString()));
        assertEquals(
                List.of(
                        "steps",
                        "last_loss",
                        "best_validation_loss",
                        "best_step",
                        "train_examples_per_s",
                        "eval_examples_per_s",
                        "peak_rss_mib",
                        "seconds",
                        "phase_seconds"),
                keys(tree.get("training").toString()));
        assertEquals(
                List.of("windows", "training", "decoding_test"),
                keys(tree.get("training").get("phase_seconds").toString()));
        assertEquals(
                100.25,
                tree.get("training").get("phase_seconds").get("training").asDouble());
        assertEquals(
                List.of("precision", "recall", "f1", "support"),
                keys(tree.get("micro").toString()));
        assertEquals(10, tree.get("examples").asLong());
        assertTrue(
                tree.get("examples").isIntegralNumber() && tree.get("history").asInt() == 5);

        ArmResult head = ResultsAndConfigTest.line(Arm.uemHead(5), 0.3).withThreshold(0.35, 0.5);
        assertEquals(
                List.of(
                        "name",
                        "kind",
                        "history",
                        "precision",
                        "recall",
                        "f1",
                        "micro",
                        "macro",
                        "likes",
                        "dislikes",
                        "unparseable",
                        "examples",
                        "threshold",
                        "validation_f1"),
                keys(head.toJson()));
        assertEquals(head, JSON.readValue(head.toJson(), ArmResult.class));
        // a history-independent arm writes its history as null rather than leaving it out
        ArmResult prior = ResultsAndConfigTest.line(Arm.prior(), 0.1);
        assertTrue(JSON.readTree(prior.toJson()).get("history").isNull(), prior.toJson());
        assertEquals(prior, JSON.readValue(prior.toJson(), ArmResult.class));
    }

    @Test
    void anOlderArmJsonWithoutTheNewerFieldsStillReads() throws Exception {
        ObjectNode old = (ObjectNode) JSON.readTree(trainedArm().toJson());
        old.remove(List.of("lm_only", "head_fusion", "validation_distinct_outputs"));
        ((ObjectNode) old.get("training")).remove(List.of("eval_examples_per_s", "peak_rss_mib", "seconds"));
        old.put("retired_field", "ignored");
        Path f = tmp.resolve("arm.json");
        Files.writeString(f, old.toString());
        ArmResult read = ArmResult.read(f);
        assertNull(read.lmOnly());
        assertNull(read.headFusion());
        assertNull(read.validationDistinctOutputs());
        assertNull(read.training().peakRssMib());
        assertEquals(10, read.training().bestStep());
        assertEquals(trainedArm().f1(), read.f1(), 0.0);
        assertEquals(7L, read.distinctOutputs());
        // written again, the missing fields stay absent (no nulls appear)
        assertEquals(
                List.of(
                        "name",
                        "kind",
                        "history",
                        "precision",
                        "recall",
                        "f1",
                        "micro",
                        "macro",
                        "likes",
                        "dislikes",
                        "unparseable",
                        "examples",
                        "distinct_outputs",
                        "validation_f1",
                        "training"),
                keys(read.toJson()));
        assertTrue(Results.table(List.of(read)).contains("uem-5"));
    }

    @Test
    void resultsJsonReadsBackEachLineAsItsType() throws Exception {
        ArmResult a = trainedArm(),
                b = ResultsAndConfigTest.line(Arm.uem(5), 0.5).withDecoding(2, 0.1, 3);
        SeedMean mean = SeedMean.of(List.of(a, b));
        Path f = tmp.resolve("results.json");
        RunResults.onTestUsers("data/x", List.of(mean, ResultsAndConfigTest.line(Arm.prior(), 0.1)))
                .write(f);
        RunResults read = RunResults.read(f);
        assertEquals("test", read.split());
        assertEquals(mean, read.arms().get(0));
        assertEquals(ArmResult.class, read.arms().get(1).getClass());
        assertEquals(
                List.of(
                        "name",
                        "kind",
                        "history",
                        "precision",
                        "recall",
                        "f1",
                        "unparseable",
                        "f1_std",
                        "seeds",
                        "f1_per_seed",
                        "distinct_outputs",
                        "examples"),
                keys(JSON.readTree(Files.readString(f)).get("arms").get(0).toString()));
        assertEquals(4.5, mean.distinctOutputs(), 1e-12);
        assertEquals(10.0, mean.examples(), 0.0);
    }
}
