package dev.uem.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /** Embeds like {@code inner} but fails on its {@code failAt}-th call (a run stopped while embedding). */
    private record Interrupted(FakeEncoder inner, int failAt, java.util.concurrent.atomic.AtomicInteger calls)
            implements SentenceEncoder {
        @Override
        public String id() {
            return inner.id();
        }

        @Override
        public int dimension() {
            return inner.dimension();
        }

        @Override
        public float[][] embed(List<String> texts) {
            if (calls.incrementAndGet() == failAt) throw new IllegalStateException("killed");
            return inner.embed(texts);
        }
    }

    private static List<String> texts(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> "text " + i).toList();
    }

    @Test
    void aStoppedBuildContinuesWithoutEmbeddingAnyTextTwice() throws IOException {
        List<String> texts = texts(300); // 5 chunks of 64
        FakeEncoder first = new FakeEncoder("fake");
        Interrupted stopped = new Interrupted(first, 3, new java.util.concurrent.atomic.AtomicInteger());
        assertThrows(IllegalStateException.class, () -> EmbeddingCache.open(dir, texts, stopped, false));
        assertEquals(128, first.calls.get(), "two chunks embedded before the stop");
        Path partial;
        try (var files = Files.list(dir)) {
            partial = files.filter(p -> p.toString().endsWith(".partial"))
                    .findFirst()
                    .orElseThrow();
        }
        Files.write(partial, new byte[] {1, 2, 3, 4, 5}, java.nio.file.StandardOpenOption.APPEND); // a torn row
        FakeEncoder second = new FakeEncoder("fake");
        EmbeddingCache resumed = EmbeddingCache.open(dir, texts, second, false);
        assertEquals(300 - 128, second.calls.get(), "only the texts not yet embedded");
        assertEquals(300 - 128, resumed.embeddedNow());
        assertFalse(Files.exists(partial), "the finished cache replaced the partial file");
        EmbeddingCache clean = EmbeddingCache.open(dir.resolve("clean"), texts, new FakeEncoder("fake"), false);
        for (String t : texts) assertArrayEquals(clean.vector(t), resumed.vector(t), t);
    }

    @Test
    void aPartialFileOfOtherTextsStartsAfresh() throws IOException {
        List<String> texts = texts(200);
        Interrupted stopped =
                new Interrupted(new FakeEncoder("fake"), 2, new java.util.concurrent.atomic.AtomicInteger());
        assertThrows(IllegalStateException.class, () -> EmbeddingCache.open(dir, texts, stopped, false));
        Path partial;
        try (var files = Files.list(dir)) {
            partial = files.filter(p -> p.toString().endsWith(".partial"))
                    .findFirst()
                    .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(partial);
        bytes[20] ^= 1; // another header: not these texts' rows
        Files.write(partial, bytes);
        FakeEncoder again = new FakeEncoder("fake");
        EmbeddingCache.open(dir, texts, again, false);
        assertEquals(200, again.calls.get(), "nothing of a foreign file is reused");
    }
}
