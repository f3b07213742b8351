package dev.uem.model.uem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GenreCountHeadTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    /**
     * With the keys at zero every gate is sigmoid(offset) = sigmoid(-1) for a real row: the share output is 5 · that
     * whatever the window's length, and the mean-rating output is the plain mean of the per-row ratings (here row
     * feature 0 times 2, plus 0.5) once the gates add up to at least one item; below that it is shrunk toward 0.
     */
    @Test
    void statisticsAreGatedCountsAndMeansComputedByHand() {
        try (PointerScope s = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            GenreCountHead head = new GenreCountHead(4, 4, false);
            head.key.weight().zero_();
            head.key.bias().zero_();
            head.rating.weight().zero_();
            head.rating.weight().narrow(1, 0, 1).fill_(new Scalar(2.0));
            head.rating.bias().fill_(new Scalar(0.5));
            float[] rows = new float[2 * 6 * 4], mask = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
            float[] feature = {1, 2, 3, 4, 5, 6, 0.5f, 1.5f, 9, 9, 9, 9};
            for (int i = 0; i < 12; i++) rows[i * 4] = feature[i];
            Tensor out = head.forward(Tensors.floats(rows, 2, 6, 4), Tensors.floats(mask, 2, 6));
            double gate = 1 / (1 + Math.exp(1.0));
            float[] stats = Tensors.toFloats(
                    out.select(1, PreferenceReadout.STATS).contiguous()); // [2, 4]: share g0, g1, rating g0, g1
            assertEquals(5 * gate, stats[0], 1e-5);
            assertEquals(5 * gate, stats[1], 1e-5);
            assertEquals(5 * gate, stats[4], 1e-5, "the share does not depend on the window's length");
            assertEquals(2 * 3.5 + 0.5, stats[2], 1e-4, "six rows, gates summing to 1.6: the plain mean");
            // two real rows: the gates sum to 0.54 < 1, so the sum is divided by 1, not by 0.54
            assertEquals(gate * (2 * 0.5 + 0.5 + 2 * 1.5 + 0.5), stats[6], 1e-4);
        }
    }

    /**
     * Rows are a genre (one-hot, 3 genres) and a rating (+0.7 or -1) over windows of 4 to 40 rows; "likes g" is "g has
     * at least 3 rows and a positive mean rating", "dislikes g" at least 3 and negative: the count threshold and the
     * per-genre mean of the label rule. Trained on the labels and the window statistics, after 300 steps the head must
     * get 90% of unseen label decisions right, with and without the layer across genres.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void learnsTheCountThresholdAndPerGenreMeans(boolean interaction) {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(2);
            GenreCountHead head = new GenreCountHead(8, 6, interaction);
            AdamW opt = new AdamW(head.parameters(), new AdamWOptions(1e-2));
            Random r = new Random(3);
            for (int step = 0; step < 300; step++) {
                try (PointerScope inner = new PointerScope()) {
                    Tensor[] b = GenreWindows.batch(r, 32, 40, 3);
                    opt.zero_grad();
                    PreferenceReadout.loss(head.forward(b[0], b[1]), b[2], b[2], b[3])
                            .backward();
                    opt.step();
                }
            }
            double accuracy = GenreWindows.heldOutAccuracy(head, 40, 3);
            assertTrue(accuracy > 0.9, "accuracy " + accuracy);
        }
    }

    @Test
    void refusesOddLabelCounts() {
        assertThrows(IllegalArgumentException.class, () -> new GenreCountHead(8, 5, false));
        assertThrows(IllegalArgumentException.class, () -> new GenreCountHead(0, 6, false));
    }
}
