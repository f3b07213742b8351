package dev.uem.embed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddingCacheTest {
    @TempDir
    Path dir;

    /** A deterministic stand-in encoder that counts how many texts it was asked to embed. */
    static final class CountingEncoder implements SentenceEncoder {
        final AtomicInteger calls = new AtomicInteger();
        final String id;

        CountingEncoder(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public int dimension() {
            return 3;
        }

        public float[][] embed(List<String> texts) {
            calls.addAndGet(texts.size());
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) out[i] = new float[] {texts.get(i).length(), texts.get(i).hashCode(), id.length()};
            return out;
        }
    }

    @Test
    void buildsOnceThenHitsAndRebuildsWhenStale() throws IOException {
        List<String> texts = List.of("a", "bb", "ccc");
        CountingEncoder enc = new CountingEncoder("fake");
        EmbeddingCache cold = EmbeddingCache.open(dir, texts, enc, false);
        assertTrue(cold.wasBuilt());
        assertEquals(3, enc.calls.get());
        assertArrayEquals(new float[] {2, "bb".hashCode(), 4}, cold.vector("bb"));
        assertFalse(Files.exists(cold.file().resolveSibling(cold.file().getFileName() + ".tmp")));

        EmbeddingCache warm = EmbeddingCache.open(dir, texts, enc, false);
        assertFalse(warm.wasBuilt());
        assertEquals(3, enc.calls.get(), "a warm cache embeds nothing");
        assertArrayEquals(cold.vector("ccc"), warm.vector("ccc"));

        // other texts or another encoder: another file; a corrupted file: rebuilt
        assertTrue(EmbeddingCache.open(dir, List.of("a", "bb"), enc, false).wasBuilt());
        assertTrue(EmbeddingCache.open(dir, texts, new CountingEncoder("other"), false).wasBuilt());
        byte[] bytes = Files.readAllBytes(cold.file());
        bytes[10] ^= 1;
        Files.write(cold.file(), bytes);
        EmbeddingCache rebuilt = EmbeddingCache.open(dir, texts, enc, false);
        assertTrue(rebuilt.wasBuilt());
        assertArrayEquals(new float[] {1, "a".hashCode(), 4}, rebuilt.vector("a"));
    }

    @Test
    void miniLmGivesNormalisedVectorsThatSeparateMeanings() {
        try (MiniLmEncoder enc = new MiniLmEncoder()) {
            float[][] v = enc.embed(List.of("The movie is rated with 5 stars", "The movie is rated with 4.5 stars", "A shark attacks a beach town."));
            assertEquals(384, v[0].length);
            double n = 0;
            for (float x : v[0]) n += x * x;
            assertEquals(1.0, n, 1e-4, "unit length");
            assertTrue(dot(v[0], v[1]) > dot(v[0], v[2]) + 0.2, "similar sentences are closer");
        }
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
