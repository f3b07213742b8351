package dev.uem.model.uem;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The UEM's preference readout ({@link PreferenceReadout.Kind#GENRE_COUNT_INTERACTION}): it computes the label rule's
 * own quantities. Every label genre has a learned query, and a sigmoid gate per (genre, user token) says whether that
 * token's movie lists the genre. The gates' sum is the genre's item count, the gated mean of a per-token rating is its
 * mean rating: a sum divided by a count, exactly what docs/TASK.md §3 computes, at any history length (a softmax over
 * the window leaks weight onto the other items the more of them there are). The window statistics' targets supervise
 * the count and the mean rating directly (share = 5 · count / items, rating = the gated mean), so the gates learn to
 * recognise the genre. One MLP shared by the genres (told which by a learned vector) reads the count, the share, the
 * mean rating and the gated mean of the tokens; the genres' readings then attend to each other (optional, for tests of
 * the gates alone) (the rule keeps a user's three best-rated genres) before the four label logits (user and window,
 * likes and dislikes).
 */
public final class GenreCountHead extends Module implements PreferenceReadout {
    static final int KEY = 64, VALUE = 64, GENRE = 16, HIDDEN = 128;
    final LinearImpl key, value, rating, fc1, fc2;
    final Tensor queries, offset, genre;
    /** One transformer layer over the genres' readings, or null. */
    final UserEmbeddingModule.EncoderLayer interaction;

    public final int labels;

    public GenreCountHead(long width, int labels, boolean interaction) {
        super("GenreCountHead");
        PreferenceReadout.checkShape(width, labels);
        this.labels = labels;
        int g = labels / 2;
        key = register_module("key", new LinearImpl(width, KEY));
        value = register_module("value", new LinearImpl(width, VALUE));
        rating = register_module("rating", new LinearImpl(width, 1));
        // register_parameter returns a reference into the module's parameter table, which the next registration may
        // move: each is copied into a handle of its own at once (the same tensor, shared storage and gradient)
        queries = new Tensor(register_parameter("queries", torch.zeros(g, KEY)));
        // gates start near 0.27
        offset = new Tensor(register_parameter("offset", torch.full(new long[] {g}, new Scalar(-1.0))));
        genre = new Tensor(register_parameter("genre", torch.zeros(g, GENRE)));
        fc1 = register_module("fc1", new LinearImpl(VALUE + 3 + GENRE, HIDDEN));
        fc2 = register_module("fc2", new LinearImpl(HIDDEN, 4));
        this.interaction = interaction
                ? register_module("interaction", new UserEmbeddingModule.EncoderLayer(HIDDEN, 4, 2 * HIDDEN, 0.0))
                : null;
        try (NoGradGuard ng = new NoGradGuard()) {
            queries.normal_(0.0, 0.1, new org.bytedeco.pytorch.GeneratorOptional());
        }
    }

    @Override
    public int labels() {
        return labels;
    }

    @Override
    public Tensor forward(Tensor rows, Tensor mask) {
        long b = rows.size(0), g = labels / 2;
        // [B, p, 64], [B, p, 1]
        Tensor k = key.forward(rows), v = value.forward(rows), r = rating.forward(rows);
        Tensor keep = mask.to(k.scalar_type()).unsqueeze(1); // [B, 1, p]
        Tensor gates = gatesOf(k, keep);
        Tensor count = gates.sum(new long[] {2}, true, new ScalarTypeOptional()); // [B, G, 1]
        // [B, 1, 1]
        Tensor items = keep.sum(new long[] {2}, true, new ScalarTypeOptional()).clamp_min(new Scalar(1.0));
        Tensor perItem = count.clamp_min(new Scalar(1.0)); // a mean below one item's weight is no genre's mean
        Tensor pooled = gates.matmul(v).div(perItem); // [B, G, 64]
        Tensor meanRating = gates.matmul(r).div(perItem); // [B, G, 1]
        // as LabelSpace.windowStats
        Tensor share = count.div(items).mul(new Scalar(5.0));
        Tensor features = torch.cat(
                new TensorVector(
                        pooled,
                        torch.log1p(count),
                        share,
                        meanRating,
                        genre.type_as(v).unsqueeze(0).expand(b, g, GENRE)),
                2);
        Tensor h = torch.gelu(fc1.forward(features), "tanh"); // [B, G, 128]
        // every genre sees every genre
        if (interaction != null) h = interaction.forward(h, null);
        Tensor out = torch.cat(new TensorVector(fc2.forward(h), share, meanRating), 2); // [B, G, 6]
        // [B, G, 6] -> [B, 6, G] -> [B, 3, 2G]: USER (likes, dislikes), WINDOW (likes, dislikes), STATS (share, rating)
        return out.transpose(1, 2).reshape(b, 3, 2 * g);
    }

    /**
     * Each user token's gate per genre, {@code [B, G, p]} in (0, 1), 0 on padding: how much the head counts that
     * token's movie as one of the genre's items (the "why" of a prediction).
     */
    public Tensor gates(Tensor rows, Tensor mask) {
        Tensor k = key.forward(rows);
        return gatesOf(k, mask.to(k.scalar_type()).unsqueeze(1));
    }

    private Tensor gatesOf(Tensor keys, Tensor keep) {
        long g = labels / 2;
        return torch.sigmoid(queries.type_as(keys)
                        .matmul(keys.transpose(1, 2))
                        .mul(new Scalar(1.0 / Math.sqrt(KEY)))
                        .add(offset.type_as(keys).view(1, g, 1)))
                .mul(keep);
    }
}
