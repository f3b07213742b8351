package dev.uem.testing;

import dev.uem.model.t5.T5Config;

/** The tests' tiny T5 v1.1 (d_model 32, d_kv 8, d_ff 64, 1 + 1 layers, 4 heads, gated GELU, untied head): fast to build and train. */
public final class TinyT5 {
    private TinyT5() {}

    /** Without dropout, over {@code vocab} tokens (32128: the bundled tokenizer's; smaller for synthetic ids). */
    public static T5Config config(int vocab) {
        return config(vocab, 0.0);
    }

    public static T5Config config(int vocab, double dropout) {
        return new T5Config(
                vocab, 32, 8, 64, 1, 1, 4, 32, 128, dropout, 1e-6, 1.0, "gated-gelu", "gelu_new", true, false, 0, 1, 0);
    }
}
