package dev.uem.model.uem;

import dev.uem.torch.Tensors;
import java.util.Random;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Synthetic windows for the genre heads' learning tests: each row is a genre (one-hot over 3 genres, features 0-2) and
 * a rating (+0.7 or -1, feature 3), 8 features wide, 4 to {@code p} real rows per window. "likes g" is "g has at least
 * {@code minCount} rows and a positive mean rating", "dislikes g" the same with a negative one: a per-genre mean over a
 * varying number of rows, and with {@code minCount > 1} the label rule's count threshold too.
 */
final class GenreWindows {
    private GenreWindows() {}

    /**
     * @return rows {@code [n, p, 8]}, mask {@code [n, p]}, targets {@code [n, 6]} (likes of genres 0-2, then dislikes)
     *         and the window statistics {@code [n, 9]} laid out as {@code LabelSpace.windowStats} (share × 5, mean
     *         rating, presence)
     */
    static Tensor[] batch(Random r, int n, int p, int minCount) {
        float[] rows = new float[n * p * 8],
                mask = new float[n * p],
                targets = new float[n * 6],
                stats = new float[n * 9];
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
                if (count[g] < minCount) continue; // minCount >= 1: a genre without rows is no label
                targets[i * 6 + (sum[g] > 0 ? g : 3 + g)] = 1;
            }
        }
        return new Tensor[] {
            Tensors.floats(rows, n, p, 8),
            Tensors.floats(mask, n, p),
            Tensors.floats(targets, n, 6),
            Tensors.floats(stats, n, 9)
        };
    }

    /** The share of user-label decisions {@code head} gets right on 256 unseen windows (drawn as {@link #batch}, seed 4). */
    static double heldOutAccuracy(PreferenceReadout head, int p, int minCount) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor[] b = batch(new Random(4), 256, p, minCount);
            Tensor predicted =
                    head.forward(b[0], b[1]).select(1, PreferenceReadout.USER).gt(new Scalar(0.0));
            return predicted
                    .eq(b[2].gt(new Scalar(0.5)))
                    .to(torch.ScalarType.Float)
                    .mean()
                    .item_double();
        }
    }
}
