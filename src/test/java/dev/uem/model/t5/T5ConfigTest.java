package dev.uem.model.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class T5ConfigTest {
    @TempDir
    Path tmp;

    @Test
    void readsBothFamiliesLikeHf() {
        T5Config gated = T5Config.load(Golden.dir("t5_v1_1_gated_gelu").resolve("config.json"));
        assertTrue(gated.isGatedAct());
        assertEquals("gelu_new", gated.denseActFn());
        assertFalse(gated.tieWordEmbeddings());
        T5Config relu = T5Config.load(Golden.dir("t5_original_relu").resolve("config.json"));
        assertFalse(relu.isGatedAct());
        assertEquals("relu", relu.denseActFn());
        assertEquals(3, relu.numDecoderLayers());
        assertEquals(2, relu.numLayers());
        assertTrue(relu.tieWordEmbeddings());
    }

    @Test
    void hfDefaultsApplyToMissingKeys() throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, "{\"d_model\": 64, \"num_layers\": 3}");
        T5Config c = T5Config.load(f);
        assertEquals(3, c.numDecoderLayers(), "num_decoder_layers defaults to num_layers");
        assertTrue(c.tieWordEmbeddings(), "a missing tie_word_embeddings means tied");
        assertEquals("relu", c.denseActFn());
        assertEquals(32128, c.vocabSize());
    }

    @Test
    void badValuesNameTheFileAndKey() throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, "{\"d_model\": \"wide\"}");
        String msg = assertThrows(IllegalArgumentException.class, () -> T5Config.load(f))
                .getMessage();
        assertTrue(msg.contains(f.toString()) && msg.contains("d_model") && msg.contains("integer"), msg);
        Files.writeString(f, "{\"feed_forward_proj\": \"gated-swoosh\"}");
        msg = assertThrows(IllegalArgumentException.class, () -> T5Config.load(f))
                .getMessage();
        assertTrue(msg.contains("swoosh"), msg);
        Files.writeString(f, "{\"num_heads\": 0}");
        msg = assertThrows(IllegalArgumentException.class, () -> T5Config.load(f))
                .getMessage();
        assertTrue(msg.contains("num_heads"), msg);
    }

    @Test
    void writeThenLoadRoundTrips() throws IOException {
        Path f = tmp.resolve("out/config.json");
        T5Config.t5Mini().write(f);
        assertEquals(T5Config.t5Mini(), T5Config.load(f));
        assertEquals(
                "t5", new ObjectMapper().readTree(f.toFile()).get("model_type").asText());
    }
}
