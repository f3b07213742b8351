package dev.uem.model.uem;

import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
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

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenreCountHeadTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @Test
    void outputsThreeRowsPerLabelAndIgnoresPaddingAndOrder() {
        for (boolean interaction : new boolean[] {false, true}) {
            try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                torch.manual_seed(1);
                GenreCountHead head = new GenreCountHead(8, 6, interaction);
                Tensor rows = torch.randn(2, 5, 8);
                Tensor mask = Tensors.floats(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 5);
                Tensor out = head.forward(rows, mask);
                assertArrayEquals(new long[] {2, 3, 6}, out.shape());

                Tensor otherPadding = rows.clone();
                otherPadding.select(0, 1).narrow(0, 3, 2).fill_(new Scalar(100.0));
                assertEquals(0.0, head.forward(otherPadding, mask).sub(out).abs().max().item_float(), 1e-6, "padded rows change nothing");

                Tensor reversed = rows.flip(1), reversedMask = mask.flip(1);
                assertEquals(0.0, head.forward(reversed, reversedMask).sub(out).abs().max().item_float(), 1e-5, "the readout is a set function");
            }
        }
    }

    /**
     * With the keys at zero every gate is sigmoid(offset) = sigmoid(-1) for a real row: the share output is 5 · that
     * whatever the window's length, and the mean-rating output is the plain mean of the per-row ratings (here row
     * feature 0 times 2, plus 0.5) once the gates add up to at least one item; below that it is shrunk toward 0.
     */
    @Test
    void statisticsAreGatedCountsAndMeansComputedByHand() {
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
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
            float[] stats = Tensors.toFloats(out.select(1, PreferenceReadout.STATS).contiguous());  // [2, 4]: share g0, g1, rating g0, g1
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
                    Tensor[] b = batch(r, 32);
                    opt.zero_grad();
                    PreferenceReadout.loss(head.forward(b[0], b[1]), b[2], b[2], b[3]).backward();
                    opt.step();
                }
            }
            try (NoGradGuard g = new NoGradGuard()) {
                Tensor[] b = batch(new Random(4), 256);
                Tensor predicted = head.forward(b[0], b[1]).select(1, PreferenceReadout.USER).gt(new Scalar(0.0));
                double accuracy = predicted.eq(b[2].gt(new Scalar(0.5))).to(torch.ScalarType.Float).mean().item_double();
                assertTrue(accuracy > 0.9, "accuracy " + accuracy);
            }
        }
    }

    /** rows [B, 40, 8], mask [B, 40] (4 to 40 real rows), targets [B, 6], stats [B, 9] as LabelSpace.windowStats. */
    private static Tensor[] batch(Random r, int n) {
        int p = 40;
        float[] rows = new float[n * p * 8], mask = new float[n * p], targets = new float[n * 6], stats = new float[n * 9];
        for (int i = 0; i < n; i++) {
            int real = 4 + r.nextInt(p - 3);
            double[] sum = new double[3];
            int[] count = new int[3];
            for (int j = 0; j < real; j++) {
                int genre = r.nextInt(3);
                float rating = r.nextBoolean() ? 0.7f : -1f;
                rows[(i * p + j) * 8 + genre] = 1;
                rows[(i * p + j) * 8 + 3] = rating;
                mask[i * p + j] = 1;
                sum[genre] += rating;
                count[genre]++;
            }
            for (int g = 0; g < 3; g++) {
                stats[i * 9 + g] = 5f * count[g] / real;
                stats[i * 9 + 3 + g] = count[g] > 0 ? (float) (sum[g] / count[g]) : 0f;
                stats[i * 9 + 6 + g] = count[g] > 0 ? 1f : 0f;
                if (count[g] < 3) continue;
                targets[i * 6 + (sum[g] > 0 ? g : 3 + g)] = 1;
            }
        }
        return new Tensor[] {Tensors.floats(rows, n, p, 8), Tensors.floats(mask, n, p), Tensors.floats(targets, n, 6), Tensors.floats(stats, n, 9)};
    }

    @Test
    void refusesOddLabelCounts() {
        assertThrows(IllegalArgumentException.class, () -> new GenreCountHead(8, 5, false));
        assertThrows(IllegalArgumentException.class, () -> new GenreCountHead(0, 6, false));
    }
}
