package dev.uem.model.uem;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Builds the encoder input {@code [P_e; UEM(U); X_e]} and its single attention mask (TASK.md §6): the k prompts
 * (always attended), the p user tokens (padded history rows masked), the embedded instruction tokens (padding
 * masked). This is the libtorch-op path; the fused native kernel computes the same thing in one pass.
 */
public final class PromptAssembly {
    /** Encoder input {@code [B, k+p+n, e]} and mask {@code [B, k+p+n]} (int64 0/1). */
    public record Assembled(Tensor inputsEmbeds, Tensor attentionMask) {}

    private PromptAssembly() {}

    /**
     * @param prompts   {@code [k, e]}
     * @param user      {@code [B, p, e]} (zero on padded rows)
     * @param userMask  {@code [B, p]}
     * @param tokens    {@code [B, n, e]}
     * @param tokenMask {@code [B, n]}
     */
    public static Assembled assemble(Tensor prompts, Tensor user, Tensor userMask, Tensor tokens, Tensor tokenMask) {
        long b = user.size(0), k = prompts.size(0);
        if (tokens.size(0) != b || userMask.size(0) != b || tokenMask.size(0) != b)
            throw new IllegalArgumentException("batch sizes differ: user " + b + ", tokens " + tokens.size(0) + ", masks " + userMask.size(0) + "/" + tokenMask.size(0));
        Tensor embeds = torch.cat(new TensorVector(prompts.unsqueeze(0).expand(b, k, prompts.size(1)), user, tokens), 1);
        Tensor mask = torch.cat(new TensorVector(torch.ones(new long[] {b, k}, dev.uem.torch.Tensors.LONG),
                userMask.to(torch.ScalarType.Long), tokenMask.to(torch.ScalarType.Long)), 1);
        return new Assembled(embeds, mask);
    }
}
