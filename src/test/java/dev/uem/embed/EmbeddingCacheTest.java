package dev.uem.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.testing.FakeEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingCacheTest {
    @TempDir
    Path dir;

    @Test
    void buildsOnceThenHitsAndRebuildsWhenStale() throws IOException {
        List<String> texts = List.of("a", "bb", "ccc");
        FakeEncoder enc = new FakeEncoder("fake");
        EmbeddingCache cold = EmbeddingCache.open(dir, texts, enc, false);
        assertTrue(cold.wasBuilt());
        assertEquals(3, enc.calls.get());
        assertArrayEquals(new float[] {2, "bb".hashCode(), 4}, cold.vector("bb"));
        try (var files = Files.list(cold.file().getParent())) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary file left");
        }

        EmbeddingCache warm = EmbeddingCache.open(dir, texts, enc, false);
        assertFalse(warm.wasBuilt());
        assertEquals(3, enc.calls.get(), "a warm cache embeds nothing");
        assertArrayEquals(cold.vector("ccc"), warm.vector("ccc"));

        // other texts or another encoder: another file; a corrupted file: rebuilt
        assertTrue(EmbeddingCache.open(dir, List.of("a", "bb"), enc, false).wasBuilt());
        assertTrue(
                EmbeddingCache.open(dir, texts, new FakeEncoder("other"), false).wasBuilt());
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
            float[][] v = enc.embed(List.of(
                    "The movie is rated with 5 stars",
                    "The movie is rated with 4.5 stars",
                    "A shark attacks a beach town."));
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
