package dev.uem.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void badValuesAreNamed() {
        String e = fails("train", "--kernels", "cuda", "--out", tmp.resolve("a").toString());
        assertTrue(e.contains("kernels") && e.contains("cuda"), e);
        e = fails("train", "--arm", "graph", "--out", tmp.resolve("b").toString());
        assertTrue(e.contains("--arm") && e.contains("graph"), e);
        e = fails("sweep", "--checkpoint-every", "0", "--out", tmp.resolve("c").toString());
        assertTrue(e.contains("checkpoint_every"), e);
        e = fails("train", "--preference-weight", "-1", "--out", tmp.resolve("d").toString());
        assertTrue(e.contains("preference_weight") && e.contains("-1"), e);
        e = fails("train", "--uem-warmup", "-5", "--out", tmp.resolve("e").toString());
        assertTrue(e.contains("uem_warmup") && e.contains("-5"), e);
        e = fails("sweep", "--seeds", "0", "--out", tmp.resolve("f").toString());
        assertTrue(e.contains("--seeds") && e.contains("0"), e);
        for (String d : new String[] {"a", "c", "d", "e", "f"})
            assertTrue(Files.notExists(tmp.resolve(d)), "nothing is written before the options are valid: " + d);
    }
}
