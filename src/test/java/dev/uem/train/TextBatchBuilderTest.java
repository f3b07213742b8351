package dev.uem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.Examples;
import dev.uem.data.ItemTexts;
import dev.uem.data.ReadOptions;
import dev.uem.model.Batch;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TextBatchBuilderTest {
    static Dataset data;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
        data = DatasetReader.read(Path.of("data", "movielens", "ml-latest-small"), ReadOptions.defaults());
    }

    private static String item(Dataset.Entry e) {
        return TextBatchBuilder.itemText(data.movie(e.movieId()), e.rating());
    }

    @Test
    void keepsTheMostRecentItemsThatFitWholeInChronologicalOrder() {
        Examples.Window w = new Examples.Window(1, 10, 30);
        List<Dataset.Entry> window = data.history(1).subList(10, 40);
        try (T5Tokenizer tok = T5Tokenizer.bundled()) {
            int budget = 300;
            String text = new TextBatchBuilder(data, tok, budget).text(w);
            String prefix = ItemTexts.INSTRUCTION + " History: ";
            assertTrue(text.startsWith(prefix), text);
            String[] items = text.substring(prefix.length()).split(" \\| ");
            int k = items.length;
            assertTrue(k >= 1 && k < 30, "a 300-token budget keeps some but not all of 30 items: " + k);
            for (int i = 0; i < k; i++)
                assertEquals(
                        item(window.get(30 - k + i)), items[i], "item " + i + " is the " + (k - i) + "-th most recent");
            assertTrue(tok.encode(text).length <= budget, "fits the budget");
            String oneMore = prefix + item(window.get(30 - k - 1)) + " | " + String.join(" | ", items);
            assertTrue(tok.encode(oneMore).length > budget, "one more item would not fit");
            assertTrue(
                    items[0].matches(
                            "The movie .+ is listed with genres .+\\. The movie is rated with [0-9.]+ stars\\. .+"),
                    items[0]);
        }
    }

    @Test
    void batchesPadTheTextAndTheTargets() {
        try (T5Tokenizer tok = T5Tokenizer.bundled();
                PointerScope scope = new PointerScope()) {
            TextBatchBuilder tb = new TextBatchBuilder(data, tok, 512);
            List<Examples.Window> ws = List.of(new Examples.Window(1, 0, 5), new Examples.Window(2, 0, 1));
            Batch b = tb.build(ws);
            assertEquals(2, b.textIds().size(0));
            long len0 = tok.encode(tb.text(ws.get(0))).length, len1 = tok.encode(tb.text(ws.get(1))).length;
            assertEquals(Math.max(len0, len1), b.textIds().size(1));
            assertEquals(len0 + len1, b.textMask().sum().item_long());
            assertTrue(b.rows() == null && b.userMask() == null);
            // each row: the user's target sentence, then -100 up to the longer one
            long[] t0 = new TargetSentences(data, tok).of(1), t1 = new TargetSentences(data, tok).of(2);
            int t = Math.max(t0.length, t1.length);
            long[] expected = new long[2 * t];
            java.util.Arrays.fill(expected, -100L);
            System.arraycopy(t0, 0, expected, 0, t0.length);
            System.arraycopy(t1, 0, expected, t, t1.length);
            assertArrayEquals(expected, dev.uem.torch.Tensors.toLongs(b.labels()));
            assertEquals(t, b.labels().size(1));
        }
        try (T5Tokenizer tok = T5Tokenizer.bundled()) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> new TextBatchBuilder(data, tok, 3));
            assertTrue(e.getMessage().contains("budget"), e.getMessage());
        }
    }
}
