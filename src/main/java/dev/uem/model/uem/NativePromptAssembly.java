package dev.uem.model.uem;

import dev.uem.kernels.NativeKernels;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Prompt assembly through the fused native kernels, bridged into autograd by hand (the preset has no Java {@code
 * autograd::Function}):
 * <ol>
 *   <li>forward: the kernel writes the encoder input from detached inputs; the output becomes a leaf that
 *       requires grad, so the LM's backward stops there and leaves its gradient in {@code out.grad()};</li>
 *   <li>{@link #backward}: after {@code loss.backward()}, the backward kernel turns {@code out.grad()} into the
 *       gradients of the prompts, the projection, the UEM's hidden rows and the token table; one
 *       {@code torch.backward} call pushes the hidden-row gradient through the UEM and accumulates the
 *       parameter gradients into their {@code .grad}. The table gradient is added straight into
 *       {@code table.grad()} when it exists (the decoder's own embedding gradient is already there).</li>
 * </ol>
 * Verified against {@link PromptAssembly#torchOps} by {@code NativePromptAssemblyTest} and {@code uem kernels --check}.
 */
final class NativePromptAssembly extends PromptAssembly {
    private record Pending(Tensor out, Inputs in) {}

    private final List<Pending> pending = new ArrayList<>();

    @Override
    public Kernels kernels() {
        return Kernels.NATIVE;
    }

    @Override
    public Assembled assemble(Inputs in) {
        // under bf16 autocast the UEM's rows may come out in another dtype than the (float32) weights: the kernels take
        // one
        if (in.hidden().scalar_type().value != in.weight().scalar_type().value)
            in = new Inputs(
                    in.prompts(),
                    in.hidden().to(in.weight().scalar_type()),
                    in.userMask(),
                    in.weight(),
                    in.bias(),
                    in.table(),
                    in.ids(),
                    in.idsMask());
        Tensor userMask = in.userMask().to(torch.ScalarType.Long),
                idsMask = in.idsMask().to(torch.ScalarType.Long);
        NativeKernels.Output o = NativeKernels.forward(
                in.prompts(), in.hidden(), userMask, in.weight(), in.bias(), in.table(), in.ids(), idsMask);
        boolean needsGrad = GradMode.is_enabled()
                && (in.prompts().requires_grad()
                        || in.hidden().requires_grad()
                        || in.weight().requires_grad()
                        || in.bias().requires_grad()
                        || in.table().requires_grad());
        if (needsGrad) {
            o.embeds().requires_grad_(true);
            pending.add(new Pending(
                    o.embeds(),
                    new Inputs(
                            in.prompts(),
                            in.hidden(),
                            userMask,
                            in.weight(),
                            in.bias(),
                            in.table(),
                            in.ids(),
                            idsMask)));
        }
        return new Assembled(o.embeds(), o.mask());
    }

    @Override
    public void backward(Tensor loss) {
        try {
            // keep the graph when an assembly is pending: the UEM's hidden rows may also feed the loss another way (the
            // preference head), and the second backward below runs through the UEM again
            if (pending.isEmpty()) loss.backward();
            else loss.backward(new Tensor(), new BoolOptional(true), false, new TensorArrayRefOptional());
            // an assembly whose loss was never back-propagated (a step abandoned on a NaN) was freed with its
            // PointerScope: skip it rather than read freed memory
            for (Pending p : pending) if (!p.out().isNull()) finish(p);
        } finally {
            pending.clear();
        }
    }

    private static void finish(Pending p) {
        Tensor g = p.out().grad();
        if (!g.defined()) return; // the loss did not depend on this assembly
        Inputs in = p.in();
        Tensor dP = zerosIf(in.prompts()),
                dU = zerosIf(in.hidden()),
                dW = zerosIf(in.weight()),
                dB = zerosIf(in.bias());
        Tensor dTable = null, tableBuffer = null;
        if (in.table().requires_grad()) {
            Tensor existing = in.table().grad();
            if (existing.defined() && existing.is_contiguous()) dTable = existing; // accumulate in place
            else dTable = tableBuffer = torch.zeros_like(in.table());
        }
        NativeKernels.backward(
                g,
                in.hidden(),
                in.userMask(),
                in.weight(),
                in.ids(),
                in.table().size(0),
                dP,
                dU,
                dW,
                dB,
                dTable,
                false);

        TensorVector tensors = new TensorVector(), grads = new TensorVector();
        add(tensors, grads, in.hidden(), dU);
        add(tensors, grads, in.prompts(), dP);
        add(tensors, grads, in.weight(), dW);
        add(tensors, grads, in.bias(), dB);
        add(tensors, grads, in.table(), tableBuffer);
        if (tensors.size() > 0) torch.backward(tensors, grads, new BoolOptional(), false, new TensorVector());
    }

    private static Tensor zerosIf(Tensor t) {
        return t.requires_grad() ? torch.zeros_like(t) : null;
    }

    private static void add(TensorVector tensors, TensorVector grads, Tensor t, Tensor grad) {
        if (grad == null) return;
        tensors.push_back(t);
        grads.push_back(grad);
    }
}
