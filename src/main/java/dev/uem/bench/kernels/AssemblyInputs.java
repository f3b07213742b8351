package dev.uem.bench.kernels;

import dev.uem.kernels.NativeKernels;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.torch.Tensors;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Random inputs of one prompt assembly, shared by {@link KernelCheck} and {@link KernelBench}: prompts, UEM rows,
 * projection, token table, ids, and a {@code grad_out} for the backward. Histories are padded at the end to
 * random lengths of at least {@code minRealRows} (none for row 0 when the shape asks for an all-padding row),
 * instructions to random lengths of at least one token. Owns its tensors (one PointerScope); close it.
 *
 * <p>The four operations are the two paths, forward and forward+backward, as the benchmarks time them; each
 * runs in its own PointerScope and, on the backward, produces every gradient into fresh buffers.
 */
public final class AssemblyInputs implements AutoCloseable {
    private final PointerScope scope = new PointerScope();
    public final KernelCheck.Shape shape;
    public final Tensor prompts, hidden, userMask, weight, bias, table, ids, textMask, gradOut;

    public AssemblyInputs(KernelCheck.Shape s, long seed, int minRealRows) {
        shape = s;
        torch.manual_seed(seed);
        SplittableRandom r = new SplittableRandom(seed);
        prompts = torch.randn(s.k(), s.e());
        hidden = torch.randn(s.B(), s.p(), s.d());
        weight = torch.randn(s.e(), s.d()).div(new Scalar(Math.sqrt(Math.max(1, s.d()))));
        bias = torch.randn(s.e());
        table = torch.randn(s.vocab(), s.e());
        long[] um = new long[s.B() * s.p()], id = new long[s.B() * s.n()], tm = new long[s.B() * s.n()];
        for (int b = 0; b < s.B(); b++) {
            int real = s.allPadding() && b == 0 ? 0 : minRealRows + r.nextInt(s.p() - minRealRows + 1);
            for (int j = 0; j < real; j++) um[b * s.p() + j] = 1;
            int tl = 1 + r.nextInt(Math.max(1, s.n()));
            for (int t = 0; t < s.n(); t++) {
                id[b * s.n() + t] = r.nextInt(s.vocab());
                tm[b * s.n() + t] = t < tl ? 1 : 0;
            }
        }
        userMask = Tensors.longs(um, s.B(), s.p());
        ids = Tensors.longs(id, s.B(), s.n());
        textMask = Tensors.longs(tm, s.B(), s.n());
        gradOut = torch.randn(s.B(), s.k() + s.p() + s.n(), s.e());
    }

    /** The libtorch-op composition over these inputs (pass leaves that require grad to record autograd). */
    public PromptAssembly.Inputs torchInputs(Tensor prompts, Tensor hidden, Tensor weight, Tensor bias, Tensor table) {
        return new PromptAssembly.Inputs(prompts, hidden, userMask, weight, bias, table, ids, textMask);
    }

    public void nativeForward() {
        try (PointerScope s = new PointerScope()) {
            NativeKernels.forward(prompts, hidden, userMask, weight, bias, table, ids, textMask);
        }
    }

    public void torchForward() {
        try (PointerScope s = new PointerScope()) {
            PromptAssembly.torchOps(torchInputs(prompts, hidden, weight, bias, table));
        }
    }

    public void nativeForwardBackward() {
        try (PointerScope s = new PointerScope()) {
            NativeKernels.forward(prompts, hidden, userMask, weight, bias, table, ids, textMask);
            NativeKernels.backward(
                    gradOut,
                    hidden,
                    userMask,
                    weight,
                    ids,
                    table.size(0),
                    torch.zeros_like(prompts),
                    torch.zeros_like(hidden),
                    torch.zeros_like(weight),
                    torch.zeros_like(bias),
                    torch.zeros_like(table),
                    false);
        }
    }

    public void torchForwardBackward() {
        try (PointerScope s = new PointerScope()) {
            PromptAssembly.Assembled a = PromptAssembly.torchOps(
                    torchInputs(leaf(prompts), leaf(hidden), leaf(weight), leaf(bias), leaf(table)));
            a.inputsEmbeds().backward(gradOut, new BoolOptional(), false, new TensorArrayRefOptional());
        }
    }

    /** The projection's forward product alone, over all B*p rows. */
    public void matmulForward() {
        try (PointerScope s = new PointerScope()) {
            hidden.view(-1, shape.d()).mm(weight.t());
        }
    }

    /** The three products of the projection's forward and backward (out, dU, dW). */
    public void matmulForwardBackward() {
        try (PointerScope s = new PointerScope()) {
            Tensor h = hidden.view(-1, shape.d()),
                    g = gradOut.narrow(1, shape.k(), shape.p()).reshape(-1, shape.e());
            h.mm(weight.t());
            g.mm(weight);
            g.t().mm(h);
        }
    }

    /** A fresh leaf over the same data: its gradient starts from none. */
    static Tensor leaf(Tensor t) {
        return t.detach().requires_grad_(true);
    }

    @Override
    public void close() {
        scope.close();
    }
}
