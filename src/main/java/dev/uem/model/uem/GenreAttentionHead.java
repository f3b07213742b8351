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
 * The {@link PreferenceReadout.Kind#GENRE_ATTENTION} and {@link PreferenceReadout.Kind#GENRE_INTERACTION} readouts (label-wise attention, as in multi-label text
 * classification): every label genre has a learned query that attends over the user's tokens and over one "none"
 * slot of its own. The attention average of a genre's items is what the label rule needs — their mean rating, which a
 * mean over the whole window cannot give (it would have to divide a sum by a count) — and the weight left on the
 * "none" slot says how few items list the genre. One small MLP, shared by all genres and told which genre it reads by
 * a learned genre vector, turns that into the genre's six outputs (likes and dislikes of the user, of the window, and
 * the window's share and mean rating).
 *
 * <p>Measured in a probe on the exported rows (bench/probes/labelwise.py; validation / test weighted F1 at p = 50):
 * 0.434 / 0.393 against 0.335 / 0.300 for the mean readout (bench/RESULTS.md).
 */
public final class GenreAttentionHead extends Module implements PreferenceReadout {
    static final int KEY = 64, VALUE = 64, GENRE = 16, HIDDEN = 128;
    final LinearImpl key, value, fc1, fc2;
    final Tensor queries, none, genre;
    /** One transformer layer over the genres' readings, or null ({@link PreferenceReadout.Kind#GENRE_ATTENTION}). */
    final UserEmbeddingModule.EncoderLayer interaction;
    public final int labels;

    /**
     * @param interaction whether the genres' readings attend to each other before the outputs: the label rule keeps a
     *                    user's three best-rated genres, so whether a genre is a label depends on the others' ratings
     */
    public GenreAttentionHead(long width, int labels, boolean interaction) {
        super("GenreAttentionHead");
        PreferenceReadout.checkShape(width, labels);
        this.labels = labels;
        int g = labels / 2;
        key = register_module("key", new LinearImpl(width, KEY));
        value = register_module("value", new LinearImpl(width, VALUE));
        // register_parameter returns a reference into the module's parameter table, which the next registration may
        // move: each is copied into a handle of its own at once (the same tensor, shared storage and gradient)
        queries = new Tensor(register_parameter("queries", torch.zeros(g, KEY)));
        none = new Tensor(register_parameter("none", torch.zeros(g)));
        genre = new Tensor(register_parameter("genre", torch.zeros(g, GENRE)));
        fc1 = register_module("fc1", new LinearImpl(VALUE + 1 + GENRE, HIDDEN));
        fc2 = register_module("fc2", new LinearImpl(HIDDEN, 6));
        this.interaction = interaction ? register_module("interaction", new UserEmbeddingModule.EncoderLayer(HIDDEN, 4, 2 * HIDDEN, 0.0)) : null;
        try (NoGradGuard ng = new NoGradGuard()) {
            queries.normal_(0.0, 0.1, new org.bytedeco.pytorch.GeneratorOptional());  // small: attention starts near uniform
        }
    }

    @Override public int labels() {
        return labels;
    }

    @Override public Tensor forward(Tensor rows, Tensor mask) {
        long b = rows.size(0), p = rows.size(1), g = labels / 2;
        Tensor k = key.forward(rows), v = value.forward(rows);                                   // [B, p, 64]
        Tensor scores = queries.type_as(k).matmul(k.transpose(1, 2)).mul(new Scalar(1.0 / Math.sqrt(KEY)));  // [B, G, p]
        Tensor padding = mask.to(scores.scalar_type()).neg().add(new Scalar(1.0)).mul(new Scalar(-1e9)).unsqueeze(1);
        scores = torch.cat(new TensorVector(scores.add(padding), none.type_as(scores).view(1, g, 1).expand(b, g, 1)), 2);
        // softmax in float32 whatever the scores' dtype (bf16 autocast), as the UEM's own attention does
        Tensor attn = torch.softmax(scores, -1, new ScalarTypeOptional(torch.ScalarType.Float)).type_as(v);
        Tensor pooled = attn.narrow(2, 0, p).matmul(v);                                          // [B, G, 64]
        Tensor present = attn.narrow(2, p, 1).neg().add(new Scalar(1.0));                        // [B, G, 1]
        Tensor features = torch.cat(new TensorVector(pooled, present, genre.type_as(v).unsqueeze(0).expand(b, g, GENRE)), 2);
        Tensor h = torch.gelu(fc1.forward(features), "tanh");                                   // [B, G, 128]
        if (interaction != null) h = interaction.forward(h, null);                               // every genre sees every genre
        Tensor out = fc2.forward(h);                                                             // [B, G, 6]
        // [B, G, 6] -> [B, 6, G] -> [B, 3, 2G]: USER (likes, dislikes), WINDOW (likes, dislikes), STATS (share, rating)
        return out.transpose(1, 2).reshape(b, 3, 2 * g);
    }
}
