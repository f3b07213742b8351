package dev.uem.model.t5;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The feed-forward activations HF's {@code ACT2FN} offers for T5 checkpoints. */
enum Activation {
    RELU,
    GELU_NEW,
    GELU,
    SILU;

    static Activation of(String hfName) {
        return switch (hfName) {
            case "relu" -> RELU;
            case "gelu_new", "gelu_pytorch_tanh" -> GELU_NEW; // tanh approximation
            case "gelu" -> GELU; // exact erf form
            case "silu", "swish" -> SILU;
            default ->
                throw new IllegalArgumentException("dense_act_fn: unsupported activation '" + hfName
                        + "' (expected relu, gelu_new, gelu or silu)");
        };
    }

    Tensor apply(Tensor x) {
        return switch (this) {
            case RELU -> torch.relu(x);
            case GELU_NEW -> torch.gelu(x, "tanh");
            case GELU -> torch.gelu(x);
            case SILU -> torch.silu(x);
        };
    }
}
