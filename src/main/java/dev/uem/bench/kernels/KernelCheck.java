package dev.uem.bench.kernels;

import dev.uem.kernels.NativeKernels;
import dev.uem.model.uem.PromptAssembly;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Native kernels against the libtorch-op composition ({@link PromptAssembly#torchOps}, differentiated by
 * autograd) on random inputs: every output of the forward (embeddings, mask) and of the backward (gradients of
 * prompts, UEM rows, projection weight and bias, token table) is compared as {@code max|a-b| / max|b|}.
 * Used by {@code uem kernels --check} and by the tests.
 */
public final class KernelCheck {
    /**
     * One case: batch, prompts, history rows, tokens, row width, LM width, vocabulary; allPadding blanks row 0's
     * history.
     */
    public record Shape(String name, int B, int k, int p, int n, int d, int e, int vocab, boolean allPadding) {}

    /** The largest relative error per output of one shape. */
    public record Result(Shape shape, Map<String, Double> errors) {
        public double worst() {
            return errors.values().stream()
                    .mapToDouble(Double::doubleValue)
                    .max()
                    .orElse(0);
        }
    }

    private KernelCheck() {}

    /**
     * The edge cases the issue names (k = 0, p = 0, n = 1, all-padding rows, large e) plus odd and default sizes, fresh
     * sizes each seed.
     */
    public static List<Shape> shapes(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Shape> s = new ArrayList<>();
        s.add(new Shape(
                "k=0",
                2 + r.nextInt(3),
                0,
                3 + r.nextInt(5),
                2 + r.nextInt(4),
                8 + r.nextInt(16),
                8 + r.nextInt(24),
                40,
                false));
        s.add(new Shape(
                "p=0",
                2 + r.nextInt(3),
                1 + r.nextInt(5),
                0,
                2 + r.nextInt(4),
                8 + r.nextInt(16),
                8 + r.nextInt(24),
                40,
                false));
        s.add(new Shape(
                "n=1",
                2 + r.nextInt(3),
                1 + r.nextInt(5),
                3 + r.nextInt(5),
                1,
                8 + r.nextInt(16),
                8 + r.nextInt(24),
                40,
                false));
        s.add(new Shape(
                "B=1",
                1,
                1 + r.nextInt(5),
                3 + r.nextInt(5),
                2 + r.nextInt(4),
                8 + r.nextInt(16),
                8 + r.nextInt(24),
                40,
                false));
        s.add(new Shape(
                "all-padding row",
                3 + r.nextInt(3),
                1 + r.nextInt(5),
                3 + r.nextInt(5),
                2 + r.nextInt(4),
                8 + r.nextInt(16),
                8 + r.nextInt(24),
                40,
                true));
        s.add(new Shape("large e", 2, 2, 3, 3, 16, 3000 + r.nextInt(2000), 30, false));
        s.add(new Shape(
                "odd sizes",
                3 + r.nextInt(5),
                1 + r.nextInt(7),
                20 + r.nextInt(40),
                3 + r.nextInt(9),
                33 + r.nextInt(60),
                50 + r.nextInt(90),
                300,
                true));
        s.add(new Shape("default", 16, 20, 50, 32, 1152, 256, 32128, false));
        return s;
    }

    /** Runs one shape, both paths, forward and backward, inside its own PointerScope. */
    public static Result run(Shape s, long seed) {
        try (PointerScope scope = new PointerScope();
                AssemblyInputs in = new AssemblyInputs(s, seed, 0)) {
            // reference: libtorch ops + autograd
            Tensor[] leaves = {
                AssemblyInputs.leaf(in.prompts),
                AssemblyInputs.leaf(in.hidden),
                AssemblyInputs.leaf(in.weight),
                AssemblyInputs.leaf(in.bias),
                AssemblyInputs.leaf(in.table)
            };
            PromptAssembly.Assembled ref =
                    PromptAssembly.torchOps(in.torchInputs(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4]));
            ref.inputsEmbeds().backward(in.gradOut, new BoolOptional(), false, new TensorArrayRefOptional());

            // native
            NativeKernels.Output out = NativeKernels.forward(
                    in.prompts, in.hidden, in.userMask, in.weight, in.bias, in.table, in.ids, in.textMask);
            Tensor dP = torch.zeros_like(in.prompts),
                    dU = torch.zeros_like(in.hidden),
                    dW = torch.zeros_like(in.weight),
                    dB = torch.zeros_like(in.bias),
                    dT = torch.zeros_like(in.table);
            NativeKernels.backward(
                    in.gradOut, in.hidden, in.userMask, in.weight, in.ids, s.vocab(), dP, dU, dW, dB, dT, true);

            Map<String, Double> err = new LinkedHashMap<>();
            err.put("embeds", relError(out.embeds(), ref.inputsEmbeds()));
            err.put("mask", torch.equal(out.mask(), ref.attentionMask()) ? 0.0 : Double.POSITIVE_INFINITY);
            err.put("d_prompts", relError(dP, gradOrZero(leaves[0])));
            err.put("d_user", relError(dU, gradOrZero(leaves[1])));
            err.put("d_weight", relError(dW, gradOrZero(leaves[2])));
            err.put("d_bias", relError(dB, gradOrZero(leaves[3])));
            err.put("d_table", relError(dT, gradOrZero(leaves[4])));
            return new Result(s, err);
        }
    }

    private static Tensor gradOrZero(Tensor leaf) {
        return leaf.grad().defined() ? leaf.grad() : torch.zeros_like(leaf);
    }

    /** {@code max|a-b| / max(max|b|, 1e-12)}; infinity for a shape mismatch or a non-finite value. */
    public static double relError(Tensor a, Tensor b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) return Double.POSITIVE_INFINITY;
        if (b.numel() == 0) return 0;
        double diff = a.sub(b).abs().max().item_double(),
                scale = Math.max(b.abs().max().item_double(), 1e-12);
        double r = diff / scale;
        return Double.isFinite(r) ? r : Double.POSITIVE_INFINITY;
    }
}
