package dev.uem.model.uem;

import dev.uem.kernels.NativeKernels;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Builds the encoder input {@code [P_e; UEM(U); X_e]} and its single attention mask (docs/TASK.md §6): the k prompts
 * (always attended), the p user tokens (the UEM's hidden rows projected to the LM width, padded rows zero and
 * masked), the embedded instruction tokens (padding masked).
 *
 * <p>Two implementations of the same function: {@link Kernels#TORCH} composes libtorch ops (projection, gather,
 * broadcast, concatenation: four passes, three temporaries) and leaves the gradient to autograd;
 * {@link Kernels#NATIVE} writes the result in one pass with {@code native/} kernels and, having no autograd node
 * of its own, finishes the backward pass in {@link #backward}. Callers therefore always train with
 * {@code assembly.backward(loss)} instead of {@code loss.backward()}.
 */
public abstract class PromptAssembly {
    /** Which implementation assembles the encoder input. */
    public enum Kernels {
        NATIVE,
        TORCH;

        /** NATIVE when the native library loaded, TORCH otherwise. */
        public static Kernels best() {
            return NativeKernels.available() ? NATIVE : TORCH;
        }
    }

    /** Encoder input {@code [B, k+p+n, e]} and mask {@code [B, k+p+n]} (int64 0/1). */
    public record Assembled(Tensor inputsEmbeds, Tensor attentionMask) {}

    /**
     * @param prompts  {@code [k, e]} soft prompts         @param hidden   {@code [B, p, d]} UEM rows before projection
     * @param userMask {@code [B, p]} int64, 1 = real row   @param weight   {@code [e, d]} projection, {@code bias [e]}
     * @param table    {@code [V, e]} token embeddings      @param ids      {@code [B, n]} int64, {@code idsMask [B, n]}
     */
    public record Inputs(
            Tensor prompts,
            Tensor hidden,
            Tensor userMask,
            Tensor weight,
            Tensor bias,
            Tensor table,
            Tensor ids,
            Tensor idsMask) {}

    public static PromptAssembly create(Kernels kernels) {
        if (kernels == Kernels.NATIVE && !NativeKernels.available())
            throw new IllegalStateException(NativeKernels.unavailableReason() + " (use --kernels torch)");
        return kernels == Kernels.NATIVE ? new NativePromptAssembly() : new TorchOps();
    }

    public abstract Kernels kernels();

    public abstract Assembled assemble(Inputs in);

    /** {@code loss.backward()}, plus whatever gradient the assembly owes its inputs. */
    public abstract void backward(Tensor loss);

    /** The libtorch-op composition (autograd records it). */
    public static Assembled torchOps(Inputs in) {
        long b = in.hidden().size(0), k = in.prompts().size(0);
        if (in.ids().size(0) != b || in.userMask().size(0) != b || in.idsMask().size(0) != b)
            throw new IllegalArgumentException(
                    "batch sizes differ: user " + b + ", tokens " + in.ids().size(0) + ", masks "
                            + in.userMask().size(0) + "/" + in.idsMask().size(0));
        Tensor keep = in.userMask().to(in.hidden().scalar_type()).unsqueeze(-1);
        Tensor user = torch.linear(in.hidden(), in.weight(), new TensorOptional(in.bias()))
                .mul(keep);
        Tensor tokens = torch.embedding(in.table(), in.ids());
        Tensor embeds = torch.cat(
                new TensorVector(
                        in.prompts().unsqueeze(0).expand(b, k, in.prompts().size(1)), user, tokens),
                1);
        Tensor mask = torch.cat(
                new TensorVector(
                        in.userMask().new_ones(b, k).to(torch.ScalarType.Long),
                        in.userMask().to(torch.ScalarType.Long),
                        in.idsMask().to(torch.ScalarType.Long)),
                1);
        return new Assembled(embeds, mask);
    }

    private static final class TorchOps extends PromptAssembly {
        @Override
        public Kernels kernels() {
            return Kernels.TORCH;
        }

        @Override
        public Assembled assemble(Inputs in) {
            return torchOps(in);
        }

        @Override
        public void backward(Tensor loss) {
            loss.backward();
        }
    }
}
