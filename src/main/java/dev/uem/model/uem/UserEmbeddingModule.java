package dev.uem.model.uem;

import dev.uem.torch.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LayerNormOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.ModuleListImpl;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The User Embedding Module (paper §3): one row per rated movie ({@code 3s} wide: title+genres, rating and
 * description embeddings), scaled to unit-size components, goes through a linear map to {@code h} plus a
 * title+genres × rating interaction, gets a learned position embedding, passes
 * L pre-norm transformer layers that attend only to real (unpadded) rows, and is projected to the LM width
 * {@code e}: one soft token per history entry. Padded rows come out as exact zeros.
 */
public final class UserEmbeddingModule extends Module {
    public final UemConfig config;
    final LinearImpl input, interactionItem, interactionRating, projection;
    final EmbeddingImpl positions;
    final List<EncoderLayer> layers = new ArrayList<>();
    final LayerNormImpl finalNorm;

    public UserEmbeddingModule(UemConfig c) {
        super("UserEmbeddingModule");
        this.config = c;
        input = register_module("input", new LinearImpl(c.inputWidth(), c.hidden()));
        int s = c.inputWidth() / 3;
        interactionItem = register_module("interaction_item", new LinearImpl(s, c.hidden()));
        interactionRating = register_module("interaction_rating", new LinearImpl(s, c.hidden()));
        positions = register_module("positions", new EmbeddingImpl(c.maxHistory(), c.hidden()));
        ModuleListImpl list = register_module("layers", new ModuleListImpl());
        for (int i = 0; i < c.layers(); i++) {
            EncoderLayer l = new EncoderLayer(c);
            list.push_back(l);
            layers.add(l);
        }
        finalNorm = register_module("final_norm", layerNorm(c.hidden()));
        projection = register_module("projection", new LinearImpl(c.hidden(), c.lmWidth()));
    }

    static LayerNormImpl layerNorm(long d) {
        org.bytedeco.pytorch.LongVector shape = new org.bytedeco.pytorch.LongVector(1); // LongVector(n) is n zeros
        shape.put(0, d);
        return new LayerNormImpl(new LayerNormOptions(shape));
    }

    /**
     * @param rows {@code [B, p, 3s]} history rows (padding rows may hold anything)
     * @param mask {@code [B, p]} 1 for real rows, 0 for padding
     * @return user tokens {@code [B, p, e]}, zero where {@code mask} is 0
     */
    public Tensor forward(Tensor rows, Tensor mask) {
        Tensor keep = mask.to(torch.ScalarType.Float).unsqueeze(-1);
        return projection.forward(hidden(rows, mask)).mul(keep);
    }

    /**
     * The transformer's output before the projection to the LM width, {@code [B, p, h]}: the prompt assembly
     * applies the projection itself, fused with the concatenation ({@link PromptAssembly}).
     */
    public Tensor hidden(Tensor rows, Tensor mask) {
        long p = rows.size(1);
        if (p > config.maxHistory())
            throw new IllegalArgumentException("history of " + p + " rows exceeds max_history " + config.maxHistory());
        // Sentence embeddings are unit vectors (components ~ s^-1/2): unscaled, the linear map's output started ~30x
        // smaller than the N(0, 1) positions, so the rows' content was noise beside where they sit.
        long s = config.inputWidth() / 3;
        Tensor x = rows.mul(new Scalar(Math.sqrt(s)));
        // The label rule averages ratings per genre: a product of what the first part says (genres) and what the
        // second says (stars) is one layer here instead of something the MLPs must approximate (bench/RESULTS.md,
        // "Quality").
        Tensor interaction =
                interactionItem.forward(x.narrow(2, 0, s)).mul(interactionRating.forward(x.narrow(2, s, s)));
        Tensor h = input.forward(x)
                .add(interaction)
                .add(positions.forward(Tensors.onDeviceOf(rows, torch.arange(new Scalar(p), Tensors.LONG))));
        Tensor keep = mask.to(torch.ScalarType.Float).unsqueeze(-1); // [B, p, 1]
        // additive key mask [B, 1, 1, p]: padding keys get -inf-like scores; real queries always see >= 0 real keys
        Tensor keyBias = keep.squeeze(-1)
                .neg()
                .add(new Scalar(1.0))
                .mul(new Scalar(-1e9))
                .unsqueeze(1)
                .unsqueeze(1);
        h = dropout(h);
        for (EncoderLayer l : layers) h = l.forward(h, keyBias);
        return finalNorm.forward(h);
    }

    /**
     * The user tokens of {@link #hidden}'s output (the projection to the LM width), {@code [B, p, e]}; padding rows not
     * zeroed.
     */
    public Tensor project(Tensor hidden) {
        return projection.forward(hidden);
    }

    /** The projection to the LM width: weight {@code [e, h]}. */
    public Tensor projectionWeight() {
        return projection.weight();
    }

    /** The projection's bias {@code [e]}. */
    public Tensor projectionBias() {
        return projection.bias();
    }

    private Tensor dropout(Tensor x) {
        return is_training() && config.dropout() > 0 ? torch.dropout(x, config.dropout(), true) : x;
    }

    /** A pre-norm transformer encoder layer: x + MHA(LN(x)), then x + MLP(LN(x)) with GELU. */
    static final class EncoderLayer extends Module {
        final LayerNormImpl norm1, norm2;
        final LinearImpl qkv, out, fc1, fc2;
        final int heads;
        final double dropout;

        EncoderLayer(UemConfig c) {
            this(c.hidden(), c.heads(), c.mlp(), c.dropout());
        }

        EncoderLayer(long width, int heads, long mlp, double dropout) {
            super("EncoderLayer");
            this.heads = heads;
            this.dropout = dropout;
            norm1 = register_module("norm1", layerNorm(width));
            qkv = register_module("qkv", new LinearImpl(width, 3L * width));
            out = register_module("out", new LinearImpl(width, width));
            norm2 = register_module("norm2", layerNorm(width));
            fc1 = register_module("fc1", new LinearImpl(width, mlp));
            fc2 = register_module("fc2", new LinearImpl(mlp, width));
        }

        /**
         * @param keyBias additive attention bias {@code [B, 1, 1, p]} (padding keys very negative), or null: every key
         * is real
         */
        Tensor forward(Tensor x, Tensor keyBias) {
            long b = x.size(0), p = x.size(1), d = x.size(2), hd = d / heads;
            // [3, B, H, p, hd]
            Tensor qkvOut =
                    qkv.forward(norm1.forward(x)).view(b, p, 3, heads, hd).permute(2, 0, 3, 1, 4);
            Tensor q = qkvOut.select(0, 0), k = qkvOut.select(0, 1), v = qkvOut.select(0, 2);
            Tensor scores = q.matmul(k.transpose(-2, -1)).mul(new Scalar(1.0 / Math.sqrt(hd)));
            if (keyBias != null) scores = scores.add(keyBias);
            // softmax in float32 whatever the scores' dtype (bf16 autocast), as the T5's attention does
            Tensor attn =
                    drop(torch.softmax(scores, -1, new org.bytedeco.pytorch.ScalarTypeOptional(torch.ScalarType.Float))
                            .type_as(scores));
            Tensor ctx = attn.matmul(v).transpose(1, 2).reshape(b, p, d);
            x = x.add(drop(out.forward(ctx)));
            return x.add(drop(fc2.forward(drop(torch.gelu(fc1.forward(norm2.forward(x)))))));
        }

        private Tensor drop(Tensor t) {
            return is_training() && dropout > 0 ? torch.dropout(t, dropout, true) : t;
        }
    }
}
