package dev.uem.kernels;

import dev.uem.model.uem.PromptAssembly;
import dev.uem.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/**
 * Fused native prompt assembly against the libtorch-op composition, forward and forward+backward, timed in
 * alternation (native, torch, native, …) so both see the same machine state; reports medians. Backward on both
 * sides produces every gradient into fresh buffers (autograd allocates its own; the native side zero-fills).
 * The JMH benchmark {@code bench/java/dev/uem/bench/PromptAssemblyJmh} measures the same four operations.
 */
public final class KernelBench {
    /** The default CPU shape (t5-mini, MiniLM rows) and the paper's (Flan-T5-base, sentence-T5-base rows). */
    public static final KernelCheck.Shape DEFAULT = new KernelCheck.Shape("default", 16, 20, 50, 32, 1152, 256, 32128, false);
    public static final KernelCheck.Shape PAPER = new KernelCheck.Shape("paper", 128, 20, 100, 32, 2304, 768, 32128, false);

    /** Medians; the matmul-only times are the projection's matrix products alone (1 forward, 3 forward+backward): the floor both paths share. */
    public record Result(KernelCheck.Shape shape, double forwardNativeMs, double forwardTorchMs, double fullNativeMs, double fullTorchMs,
                         double forwardMatmulMs, double fullMatmulMs) {
        public double forwardRatio() {
            return forwardTorchMs / forwardNativeMs;
        }

        public double fullRatio() {
            return fullTorchMs / fullNativeMs;
        }
    }

    /** Inputs of one shape, histories padded at the end to random lengths (as batches are). */
    public static final class Inputs implements AutoCloseable {
        final PointerScope scope = new PointerScope();
        public final Tensor prompts, hidden, userMask, weight, bias, table, ids, textMask, gradOut;
        public final KernelCheck.Shape shape;

        public Inputs(KernelCheck.Shape s, long seed) {
            shape = s;
            torch.manual_seed(seed);
            java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
            prompts = torch.randn(s.k(), s.e());
            hidden = torch.randn(s.B(), s.p(), s.d());
            weight = torch.randn(s.e(), s.d()).mul(new Scalar(0.02));
            bias = torch.zeros(s.e());
            table = torch.randn(s.vocab(), s.e());
            long[] um = new long[s.B() * s.p()], ids = new long[s.B() * s.n()], tm = new long[s.B() * s.n()];
            for (int b = 0; b < s.B(); b++) {
                int real = s.p() / 2 + r.nextInt(s.p() / 2 + 1);
                for (int j = 0; j < real; j++) um[b * s.p() + j] = 1;
                for (int t = 0; t < s.n(); t++) {
                    ids[b * s.n() + t] = r.nextInt(s.vocab());
                    tm[b * s.n() + t] = 1;
                }
            }
            userMask = Tensors.longs(um, s.B(), s.p());
            this.ids = Tensors.longs(ids, s.B(), s.n());
            textMask = Tensors.longs(tm, s.B(), s.n());
            gradOut = torch.randn(s.B(), s.k() + s.p() + s.n(), s.e());
        }

        public void nativeForward() {
            try (PointerScope s = new PointerScope()) {
                NativeKernels.forward(prompts, hidden, userMask, weight, bias, table, ids, textMask);
            }
        }

        public void torchForward() {
            try (PointerScope s = new PointerScope()) {
                PromptAssembly.torchOps(new PromptAssembly.Inputs(prompts, hidden, userMask, weight, bias, table, ids, textMask));
            }
        }

        public void nativeForwardBackward() {
            try (PointerScope s = new PointerScope()) {
                NativeKernels.forward(prompts, hidden, userMask, weight, bias, table, ids, textMask);
                NativeKernels.backward(gradOut, hidden, userMask, weight, ids, table.size(0), torch.zeros_like(prompts), torch.zeros_like(hidden),
                        torch.zeros_like(weight), torch.zeros_like(bias), torch.zeros_like(table), false);
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
                Tensor h = hidden.view(-1, shape.d()), g = gradOut.narrow(1, shape.k(), shape.p()).reshape(-1, shape.e());
                h.mm(weight.t());
                g.mm(weight);
                g.t().mm(h);
            }
        }

        public void torchForwardBackward() {
            try (PointerScope s = new PointerScope()) {
                PromptAssembly.Assembled a = PromptAssembly.torchOps(new PromptAssembly.Inputs(leaf(prompts), leaf(hidden), userMask, leaf(weight),
                        leaf(bias), leaf(table), ids, textMask));
                a.inputsEmbeds().backward(gradOut, new BoolOptional(), false, new TensorArrayRefOptional());
            }
        }

        private static Tensor leaf(Tensor t) {
            return t.detach().requires_grad_(true);  // a fresh leaf each call: gradients start from none
        }

        @Override public void close() {
            scope.close();
        }
    }

    private KernelBench() {}

    public static Result run(KernelCheck.Shape shape, int reps, Runnable tick) {
        try (Inputs in = new Inputs(shape, 42)) {
            in.nativeForwardBackward();  // warm-up: first-touch page faults, BLAS buffers
            in.torchForwardBackward();
            double[] fn = new double[reps], ft = new double[reps], bn = new double[reps], bt = new double[reps], fm = new double[reps], bm = new double[reps];
            for (int i = 0; i < reps; i++) {
                fn[i] = time(in::nativeForward);
                ft[i] = time(in::torchForward);
                bn[i] = time(in::nativeForwardBackward);
                bt[i] = time(in::torchForwardBackward);
                fm[i] = time(in::matmulForward);
                bm[i] = time(in::matmulForwardBackward);
                tick.run();
            }
            return new Result(shape, median(fn), median(ft), median(bn), median(bt), median(fm), median(bm));
        }
    }

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
