package dev.uem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Option errors of train and sweep come before any work and name what is wrong. */
class TrainAndSweepOptionsTest {
    @TempDir
    Path tmp;

    private String fails(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertNotEquals(0, cl.execute(args), String.join(" ", args));
        return err.toString();
    }

    @Test
    void resumeTakesItsOptionsFromTheRunFolder() throws Exception {
        Files.writeString(tmp.resolve("config.json"), "{\"experiment\": {}, \"arm\": {}}");
        String e = fails("train", "--resume", tmp.toString(), "--steps", "5");
        assertTrue(e.contains("--steps") && e.contains("config.json"), e);
        e = fails("sweep", "--resume", tmp.resolve("nothing").toString());
        assertTrue(e.contains("not found"), e);
    }

    @Test
    void cudaOnAHostWithoutOneFailsBeforeWritingAnything() {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                org.bytedeco.pytorch.global.torch.cuda_is_available(), "this host has CUDA");
        for (String command : new String[] {"train", "sweep"}) {
            Path out = tmp.resolve("cuda-" + command);
            String e = fails(command, "--device", "cuda", "--out", out.toString());
            assertEquals(1, e.strip().lines().count(), "one line: " + e);
            assertTrue(e.startsWith("uem " + command + ": --device cuda: libtorch sees no CUDA device here"), e);
            assertTrue(Files.notExists(out), "nothing written");
        }
        String e = fails(
                "predict", "--device", "cuda:1", "--run", tmp.resolve("none").toString(), "--user", "1");
        assertTrue(e.contains("--device cuda") && e.contains("no CUDA device"), e);
        e = fails("train", "--device", "tpu");
        assertTrue(e.contains("expected cpu, cuda, cuda:N or auto") && e.contains("'tpu'"), e);
    }

    @Test
    void evaluateNeedsAFinishedRunFolder() {
        String e = fails("evaluate", "--run", tmp.resolve("nothing").toString());
        assertTrue(e.contains("config.json: not found"), e);
        e = fails("evaluate", "--head-fusion", "1");
        assertTrue(e.contains("--run"), e);
    }

    @Test
    void badValuesAreNamed() {
        String e = fails("train", "--kernels", "cuda", "--out", tmp.resolve("a").toString());
        assertTrue(e.contains("kernels") && e.contains("cuda"), e);
        e = fails("train", "--arm", "graph", "--out", tmp.resolve("b").toString());
        assertTrue(e.contains("--arm") && e.contains("graph"), e);
        e = fails("sweep", "--checkpoint-every", "0", "--out", tmp.resolve("c").toString());
        assertTrue(e.contains("checkpoint_every"), e);
        e = fails(
                "train", "--preference-weight", "-1", "--out", tmp.resolve("d").toString());
        assertTrue(e.contains("preference_weight") && e.contains("-1"), e);
        e = fails("train", "--uem-warmup", "-5", "--out", tmp.resolve("e").toString());
        assertTrue(e.contains("uem_warmup") && e.contains("-5"), e);
        e = fails("sweep", "--seeds", "0", "--out", tmp.resolve("f").toString());
        assertTrue(e.contains("--seeds") && e.contains("0"), e);
        e = fails("train", "--head-fusion", "-0.5", "--out", tmp.resolve("j").toString());
        assertTrue(e.contains("head_fusion") && e.contains("-0.5"), e);
        for (String d : new String[] {"a", "c", "d", "e", "f", "j", "k"})
            assertTrue(Files.notExists(tmp.resolve(d)), "nothing is written before the options are valid: " + d);
    }

    @Test
    void historiesAreBoundedByTheCapAndByTheData() throws Exception {
        String e =
                fails("train", "--history", "100000", "--out", tmp.resolve("g").toString());
        assertTrue(e.contains("history must be in [1, 2048]") && e.contains("100000"), e);
        e = fails("sweep", "--histories", "5,0", "--out", tmp.resolve("h").toString());
        assertTrue(e.contains("history must be in") && e.contains("found 0"), e);
        Path data = Files.createDirectories(tmp.resolve("tiny"));
        Files.writeString(
                data.resolve("movies.csv"),
                "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,Heat (1995),Action|Crime\n");
        Files.writeString(
                data.resolve("ratings.csv"),
                "userId,movieId,rating,timestamp\n1,1,4.0,100\n1,2,3.0,101\n2,1,5.0,100\n");
        e = fails(
                "train",
                "--data",
                data.toString(),
                "--history",
                "30",
                "--out",
                tmp.resolve("i").toString());
        assertTrue(e.contains("history 30") && e.contains("longest user history") && e.contains("2 ratings"), e);
        for (String d : new String[] {"g", "h", "i"})
            assertTrue(Files.notExists(tmp.resolve(d)), "nothing is written: " + d);
    }

    @Test
    void runCommandsCheckTheirNumbersBeforeOpeningTheRun() {
        String e = fails(
                "export-user-embeddings",
                "--run",
                tmp.resolve("none").toString(),
                "--out",
                tmp.resolve("x.safetensors").toString(),
                "--batch-size",
                "0");
        assertTrue(e.contains("--batch-size") && e.contains("found 0"), e);
        e = fails(
                "export-user-embeddings",
                "--run",
                tmp.resolve("none").toString(),
                "--out",
                tmp.resolve("x.safetensors").toString(),
                "--users",
                "everyone");
        assertTrue(e.contains("--users") && e.contains("everyone"), e);
        e = fails("predict", "--run", tmp.resolve("none").toString(), "--user", "1", "--max-new-tokens", "0");
        assertTrue(e.contains("--max-new-tokens") && e.contains("found 0"), e);
    }

    @Test
    void aRunRecordsAbsolutePathsSoItWorksFromAnyFolder() {
        TrainCommand t = new TrainCommand();
        new CommandLine(t)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setDefaultValueProvider(new ConfigDefaults())
                .parseArgs("--cache", "some/cache", "--data", "some/data", "--descriptions", "d.csv");
        dev.uem.experiment.DataConfig c = t.options.config().data();
        for (String p : new String[] {c.cache(), c.dataset(), c.descriptions().get(0)})
            assertTrue(Path.of(p).isAbsolute(), p);
        assertTrue(c.cache().endsWith("some/cache") && c.dataset().endsWith("some/data"), c.toString());
        String lm = t.options.config().model().lm();
        assertTrue(lm.equals("t5-compact"), "a built-in LM stays a name: " + lm);
    }
}
