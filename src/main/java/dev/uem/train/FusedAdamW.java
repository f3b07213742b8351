package dev.uem.train;

import dev.uem.kernels.NativeKernels;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.io.SafetensorsWriter;
import dev.uem.torch.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * AdamW with its gradient clipping, owned by uem instead of libtorch: the update of {@code torch.optim.AdamW}
 * (decoupled weight decay, bias-corrected moments, β = (0.9, 0.999), ε = 1e-8), for parameter groups that share the
 * weight decay and have their own learning rates.
 *
 * <p>Why not libtorch's {@code AdamW}: on the CPU it makes ~9 passes over every parameter's four buffers (25.9 M
 * floats each for t5-mini) and clipping two more; the preset exposes neither {@code _fused_adamw_} nor the foreach
 * ops, and libtorch keeps its moments where Java cannot reach them. Here a float32 CPU parameter takes one pass of
 * the native kernel ({@code uem_adamw_f32}) with the clipping factor folded in; any other parameter (CUDA, a
 * non-contiguous tensor, native kernels unavailable) takes the same update as libtorch ops.
 *
 * <p>Like libtorch's optimisers, a parameter without a gradient in a step (the LM during the UEM warm-up stage) is
 * left alone, and its moments and step count start at its first gradient. {@link #state()} is what a checkpoint
 * keeps ({@code g<group>.<index>.exp_avg}, {@code .exp_avg_sq}, {@code .step}); the groups must be built the same
 * way to load it back.
 */
public final class FusedAdamW implements AutoCloseable {
    static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;

    /** A parameter and its optimiser state (null moments until its first gradient). */
    private static final class Slot {
        final Tensor param;
        Tensor expAvg, expAvgSq;
        long step;

        Slot(Tensor param) {
            this.param = param;
        }

        void release() {
            if (expAvg != null) {
                expAvg.releaseReference();
                expAvgSq.releaseReference();
            }
            expAvg = expAvgSq = null;
        }
    }

    private final List<List<Slot>> groups = new ArrayList<>();
    private final double[] lr;
    private final double weightDecay;
    private boolean nativeKernel = true;

    /** One group per list of parameters, with its base learning rate ({@link #setLearningRate} changes it). */
    public FusedAdamW(List<List<Tensor>> parameterGroups, double[] learningRates, double weightDecay) {
        if (parameterGroups.size() != learningRates.length)
            throw new IllegalArgumentException(
                    parameterGroups.size() + " groups but " + learningRates.length + " learning rates");
        for (List<Tensor> g : parameterGroups) {
            List<Slot> slots = new ArrayList<>();
            for (Tensor p : g) slots.add(new Slot(p));
            groups.add(slots);
        }
        this.lr = learningRates.clone();
        this.weightDecay = weightDecay;
    }

    /** Every update through libtorch ops, as on a CUDA device (tests compare the two paths on the CPU). */
    FusedAdamW withoutNativeKernel() {
        nativeKernel = false;
        return this;
    }

    public void setLearningRate(int group, double value) {
        lr[group] = value;
    }

    /**
     * The 2-norm over all gradients (as {@code clip_grad_norm_} measures it: the norm of the per-parameter norms);
     * parameters without a gradient count as zero.
     */
    public double gradientNorm() {
        try (PointerScope scope = new PointerScope()) {
            List<Tensor> norms = new ArrayList<>();
            for (List<Slot> g : groups)
                for (Slot s : g) {
                    Tensor grad = s.param.grad();
                    if (grad.defined()) norms.add(torch.linalg_vector_norm(grad));
                }
            if (norms.isEmpty()) return 0;
            return torch.stack(new TensorVector(norms.toArray(new Tensor[0])))
                    .norm()
                    .item_double();
        }
    }

    /**
     * {@code clip_grad_norm_}'s factor: 1 when {@code norm} is within {@code maxNorm}, else {@code maxNorm / (norm +
     * 1e-6)}.
     */
    public static double clipScale(double norm, double maxNorm) {
        return Math.min(1.0, maxNorm / (norm + 1e-6));
    }

    /** One AdamW step of every parameter that has a gradient, each gradient first multiplied by {@code gradScale}. */
    public void step(double gradScale) {
        try (PointerScope scope = new PointerScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            for (int g = 0; g < groups.size(); g++)
                for (Slot s : groups.get(g)) {
                    Tensor grad = s.param.grad();
                    if (!grad.defined()) continue;
                    if (s.expAvg == null) {
                        s.expAvg = placed(torch.zeros_like(s.param), s.param);
                        s.expAvgSq = placed(torch.zeros_like(s.param), s.param);
                    }
                    s.step++;
                    update(s, grad, lr[g], gradScale);
                }
        }
    }

    private void update(Slot s, Tensor grad, double lr, double gradScale) {
        double decay = 1 - lr * weightDecay;
        double stepSize = lr / (1 - Math.pow(BETA1, s.step));
        double invSqrtBc2 = 1 / Math.sqrt(1 - Math.pow(BETA2, s.step));
        if (nativeKernel && NativeKernels.available() && NativeKernels.fitsAdamW(s.param, grad, s.expAvg, s.expAvgSq)) {
            NativeKernels.adamW(
                    s.param, grad, s.expAvg, s.expAvgSq, decay, BETA1, BETA2, stepSize, invSqrtBc2, EPS, gradScale);
            return;
        }
        Tensor g = gradScale == 1 ? grad : grad.mul(new Scalar(gradScale));
        s.param.mul_(new Scalar(decay));
        s.expAvg.mul_(new Scalar(BETA1)).add_(g, new Scalar(1 - BETA1));
        s.expAvgSq.mul_(new Scalar(BETA2)).addcmul_(g, g, new Scalar(1 - BETA2));
        Tensor denom = s.expAvgSq.sqrt().mul_(new Scalar(invSqrtBc2)).add_(new Scalar(EPS));
        s.param.addcdiv_(s.expAvg, denom, new Scalar(-stepSize));
    }

    /** Drops every parameter's gradient (as libtorch's {@code zero_grad()}: undefined, not zero-filled). */
    public void zeroGrad() {
        for (List<Slot> g : groups) for (Slot s : g) s.param.mutable_grad().reset();
    }

    /** The state a checkpoint keeps: each stepped parameter's moments and step count, by group and position. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int g = 0; g < groups.size(); g++)
            for (int i = 0; i < groups.get(g).size(); i++) {
                Slot s = groups.get(g).get(i);
                if (s.expAvg == null) continue;
                out.put(key(g, i, "exp_avg"), s.expAvg);
                out.put(key(g, i, "exp_avg_sq"), s.expAvgSq);
                out.put(key(g, i, "step"), torch.full(new long[] {}, new Scalar(s.step), Tensors.LONG));
            }
        return out;
    }

    /** Writes {@link #state()} to a safetensors file. */
    public void save(Path file) {
        try (PointerScope scope = new PointerScope()) {
            SafetensorsWriter.write(file, state());
        }
    }

    /**
     * Loads a file written by {@link #save} into this optimiser's slots, placed on each parameter's device; a slot the
     * file does not name has not been stepped yet. A moment whose shape differs from its parameter's names the file and
     * key (the groups were built another way).
     */
    public void load(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file);
                PointerScope scope = new PointerScope()) {
            for (int g = 0; g < groups.size(); g++)
                for (int i = 0; i < groups.get(g).size(); i++) {
                    Slot s = groups.get(g).get(i);
                    if (!f.names().contains(key(g, i, "step"))) continue;
                    Tensor m = f.read(key(g, i, "exp_avg")), v = f.read(key(g, i, "exp_avg_sq"));
                    if (!Arrays.equals(m.shape(), s.param.shape()) || !Arrays.equals(v.shape(), s.param.shape()))
                        throw new IllegalArgumentException(file + ": " + key(g, i, "exp_avg") + " has shape "
                                + Arrays.toString(m.shape()) + ", expected " + Arrays.toString(s.param.shape())
                                + " (the optimiser's groups were built differently)");
                    s.release();
                    s.expAvg = placed(m, s.param);
                    s.expAvgSq = placed(v, s.param);
                    s.step = f.read(key(g, i, "step")).item_long();
                }
        }
    }

    /**
     * {@code t} contiguous on {@code param}'s device and dtype, kept beyond the caller's PointerScope until {@link
     * #close}.
     */
    private static Tensor placed(Tensor t, Tensor param) {
        Tensor p = t.to(param.device(), param.scalar_type()).contiguous();
        p.retainReference();
        return p;
    }

    /** Frees the moments (native memory the optimiser kept alive). */
    @Override
    public void close() {
        for (List<Slot> g : groups) for (Slot s : g) s.release();
    }

    private static String key(int group, int index, String what) {
        return "g" + group + "." + index + "." + what;
    }
}
