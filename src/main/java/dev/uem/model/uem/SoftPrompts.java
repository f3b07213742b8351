package dev.uem.model.uem;

import dev.uem.torch.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The {@code k} trainable task soft prompts {@code P_e} ({@code [k, e]}) put before the user tokens.
 * Initialised as PEFT's prompt tuning offers: random, from sampled vocabulary rows, or from a text's token
 * embeddings (repeated to length {@code k}).
 */
public final class SoftPrompts extends Module {
    public enum Init {
        RANDOM,
        VOCAB,
        TEXT
    }

    final Tensor prompts;

    public SoftPrompts(int k, int width) {
        super("SoftPrompts");
        prompts = register_parameter("prompts", torch.zeros(k, width));
    }

    public Tensor weight() {
        return prompts;
    }

    public long length() {
        return prompts.size(0);
    }

    /** N(0, std) rows. */
    public SoftPrompts initRandom(double std) {
        try (NoGradGuard g = new NoGradGuard()) {
            prompts.normal_(0.0, std, new org.bytedeco.pytorch.GeneratorOptional());
        }
        return this;
    }

    /** Rows copied from random vocabulary rows of {@code table [V, e]} (ids drawn from libtorch's generator). */
    public SoftPrompts initFromVocab(Tensor table, long maxId) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor ids = torch.randint(Math.min(maxId, table.size(0)), new long[] {length()}, Tensors.LONG);
            prompts.copy_(table.index_select(0, ids));
        }
        return this;
    }

    /** Rows from the token embeddings {@code [n, e]} of a text, repeated or cut to length {@code k}. */
    public SoftPrompts initFromText(Tensor textEmbeddings) {
        long n = textEmbeddings.size(0);
        if (n == 0) throw new IllegalArgumentException("prompt init text has no tokens");
        try (NoGradGuard g = new NoGradGuard()) {
            for (long i = 0; i < length(); i++) prompts.select(0, i).copy_(textEmbeddings.select(0, i % n));
        }
        return this;
    }
}
