package dev.uem.model.uem;

import dev.uem.torch.TorchRuntime;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenreAttentionHeadTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    /**
     * Each row is a genre (one-hot, 3 genres) and a rating (+0.7 or -1); the target "likes g" is "g's rows have a
     * positive mean rating", "dislikes g" a negative one. That needs a per-genre mean over a varying number of rows,
     * which the genre queries give; after 300 steps the head must get 90% of unseen label decisions right.
     */
    @Test
    void learnsPerGenreMeansOverVaryingWindows() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(2);
            GenreAttentionHead head = new GenreAttentionHead(8, 6, false);
            AdamW opt = new AdamW(head.parameters(), new AdamWOptions(1e-2));
            Random r = new Random(3);
            for (int step = 0; step < 300; step++) {
                try (PointerScope inner = new PointerScope()) {
                    Tensor[] b = GenreWindows.batch(r, 32, 8, 1);
                    opt.zero_grad();
                    Tensor loss = torch.binary_cross_entropy_with_logits(head.forward(b[0], b[1]).select(1, PreferenceReadout.USER), b[2]);
                    loss.backward();
                    opt.step();
                }
            }
            double accuracy = GenreWindows.heldOutAccuracy(head, 8, 1);
            assertTrue(accuracy > 0.9, "accuracy " + accuracy);
        }
    }

    @Test
    void refusesOddLabelCounts() {
        assertThrows(IllegalArgumentException.class, () -> new GenreAttentionHead(8, 5, false));
        assertThrows(IllegalArgumentException.class, () -> new GenreAttentionHead(0, 6, false));
    }
}
