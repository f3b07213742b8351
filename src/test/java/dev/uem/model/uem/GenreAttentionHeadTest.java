package dev.uem.model.uem;

import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenreAttentionHeadTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @Test
    void outputsThreeRowsPerLabelAndIgnoresPaddingAndOrder() {
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(1);
            GenreAttentionHead head = new GenreAttentionHead(8, 6, false);
            Tensor rows = torch.randn(2, 5, 8);
            Tensor mask = Tensors.floats(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 5);
            Tensor out = head.forward(rows, mask);
            assertArrayEquals(new long[] {2, 3, 6}, out.shape());

            Tensor otherPadding = rows.clone();
            otherPadding.select(0, 1).narrow(0, 3, 2).fill_(new org.bytedeco.pytorch.Scalar(100.0));
            assertEquals(0.0, head.forward(otherPadding, mask).sub(out).abs().max().item_float(), 1e-6, "padded rows change nothing");

            Tensor reversed = rows.flip(1), reversedMask = mask.flip(1);  // the second user's real rows now sit at the end
            assertEquals(0.0, head.forward(reversed, reversedMask).sub(out).abs().max().item_float(), 1e-5, "the readout is a set function");
        }
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
                    Tensor[] b = batch(r, 32);
                    opt.zero_grad();
                    Tensor loss = torch.binary_cross_entropy_with_logits(head.forward(b[0], b[1]).select(1, PreferenceReadout.USER), b[2]);
                    loss.backward();
                    opt.step();
                }
            }
            try (NoGradGuard g = new NoGradGuard()) {
                Tensor[] b = batch(new Random(4), 256);
                Tensor predicted = head.forward(b[0], b[1]).select(1, PreferenceReadout.USER).gt(new org.bytedeco.pytorch.Scalar(0.0));
                double accuracy = predicted.eq(b[2].gt(new org.bytedeco.pytorch.Scalar(0.5))).to(torch.ScalarType.Float).mean().item_double();
                assertTrue(accuracy > 0.9, "accuracy " + accuracy);
            }
        }
    }

    /** rows [B, 8, 8], mask [B, 8] (4 to 8 real rows), targets [B, 6] (likes of genres 0-2, then dislikes). */
    private static Tensor[] batch(Random r, int n) {
        int p = 8;
        float[] rows = new float[n * p * 8], mask = new float[n * p], targets = new float[n * 6];
        for (int i = 0; i < n; i++) {
            int real = 4 + r.nextInt(5);
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
                if (count[g] == 0) continue;
                targets[i * 6 + (sum[g] > 0 ? g : 3 + g)] = 1;
            }
        }
        return new Tensor[] {Tensors.floats(rows, n, p, 8), Tensors.floats(mask, n, p), Tensors.floats(targets, n, 6)};
    }

    @Test
    void refusesOddLabelCounts() {
        assertThrows(IllegalArgumentException.class, () -> new GenreAttentionHead(8, 5, false));
        assertThrows(IllegalArgumentException.class, () -> new GenreAttentionHead(0, 6, false));
    }
}
