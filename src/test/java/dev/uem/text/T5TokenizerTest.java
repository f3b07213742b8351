package dev.uem.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class T5TokenizerTest {
    @Test
    void bundledVocabularyGivesT5Ids() {
        try (T5Tokenizer tok = T5Tokenizer.bundled()) {
            // ids of T5's SentencePiece vocabulary (as T5TokenizerFast gives them): "▁Hello" 8774, "▁world" 296, "</s>"
            // 1
            assertArrayEquals(new long[] {8774, 296, 1}, tok.encode("Hello world"));
            long[] ids = tok.encode("The user likes War, Crime, Drama and doesn't like Horror.");
            assertEquals(1, ids[ids.length - 1], "ends with </s>");
            assertEquals("The user likes War, Crime, Drama and doesn't like Horror.", tok.decode(ids));
        }
    }

    @Test
    void batchesArePaddedAndTruncatedKeepingEos() {
        try (T5Tokenizer tok = T5Tokenizer.forCheckpoint(Path.of("does-not-exist"))) {
            T5Tokenizer.Batch b = tok.encodeBatch(List.of("Hello world", "Hi", "one two three four five six seven"), 5);
            assertEquals(3, b.ids().length);
            assertEquals(5, b.ids()[2].length);
            assertEquals(1, b.ids()[2][4], "a truncated row still ends with </s>");
            assertArrayEquals(new long[] {8774, 296, 1, 0, 0}, b.ids()[0]);
            assertArrayEquals(new long[] {1, 1, 1, 0, 0}, b.mask()[0]);
            assertTrue(b.mask()[1][0] == 1 && b.ids()[1][b.ids()[1].length - 1] == 0);
        }
    }
}
