package dev.uem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.kernels.NativeKernels;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.OptimizerParamGroupVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fused AdamW takes libtorch's AdamW + clip_grad_norm_ steps, on both its paths, and resumes exactly from its state. */
class FusedAdamWTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    /** Two groups of parameters (lrs 1e-2 and 3e-3), the second group's last parameter without a gradient until step 3. */
    private static List<List<Tensor>> params(long seed) {
        torch.manual_seed(seed);
        List<List<Tensor>> g = new ArrayList<>();
        g.add(List.of(torch.randn(7, 5).requires_grad_(true), torch.randn(5).requires_grad_(true)));
        g.add(List.of(torch.randn(3, 4, 2).requires_grad_(true), torch.randn(6).requires_grad_(true)));
        return g;
    }

    /** A loss whose gradients are large enough at some steps for clipping to 1.0 to act, and small at others. */
    private static void backward(List<List<Tensor>> g, int step) {
        Tensor loss = g.get(0)
                .get(0)
                .pow(new org.bytedeco.pytorch.Scalar(2))
                .sum()
                .add(g.get(0).get(1).sum())
                .add(g.get(1).get(0).sin().sum());
        if (step >= 3)
            loss = loss.add(
                    g.get(1).get(1).pow(new org.bytedeco.pytorch.Scalar(3)).sum());
        loss = loss.mul(new org.bytedeco.pytorch.Scalar(step % 2 == 0 ? 0.01 : 1.0));
        loss.backward();
    }

    private static List<Tensor> flat(List<List<Tensor>> g) {
        List<Tensor> out = new ArrayList<>();
        g.forEach(out::addAll);
        return out;
    }

    private static AdamW libtorch(List<List<Tensor>> g, double[] lrs, double wd) {
        AdamW opt = new AdamW(new OptimizerParamGroupVector(), options(lrs[0], wd));
        for (int i = 0; i < g.size(); i++)
            opt.add_param_group(
                    new OptimizerParamGroup(new TensorVector(g.get(i).toArray(new Tensor[0])), options(lrs[i], wd)));
        return opt;
    }

    private static AdamWOptions options(double lr, double wd) {
        AdamWOptions o = new AdamWOptions(lr);
        o.weight_decay().put(wd);
        return o;
    }

    private static void assertStepsLikeLibtorch(boolean nativeKernel) {
        try (PointerScope s = new PointerScope()) {
            double[] lrs = {1e-2, 3e-3};
            List<List<Tensor>> a = params(1), b = params(1);
            AdamW ref = libtorch(a, lrs, 0.01);
            TensorVector refParams = new TensorVector(flat(a).toArray(new Tensor[0]));
            try (FusedAdamW ours = new FusedAdamW(b, lrs, 0.01)) {
                if (!nativeKernel) ours.withoutNativeKernel();
                boolean clipped = false, unclipped = false;
                for (int step = 1; step <= 6; step++) {
                    backward(a, step);
                    backward(b, step);
                    double refNorm = torch.clip_grad_norm_(refParams, 1.0);
                    ref.step();
                    ref.zero_grad();
                    double norm = ours.gradientNorm();
                    assertEquals(refNorm, norm, 1e-5 * refNorm, "gradient norm at step " + step);
                    clipped |= FusedAdamW.clipScale(norm, 1.0) < 1;
                    unclipped |= FusedAdamW.clipScale(norm, 1.0) == 1;
                    ours.step(FusedAdamW.clipScale(norm, 1.0));
                    ours.zeroGrad();
                    for (int i = 0; i < flat(a).size(); i++) {
                        Tensor x = flat(a).get(i), y = flat(b).get(i);
                        assertTrue(
                                torch.allclose(x, y, 1e-5, 1e-6, false),
                                "parameter " + i + " at step " + step + ": max diff "
                                        + x.sub(y).abs().max().item_double());
                    }
                    assertFalse(
                            flat(b).get(0).grad().defined(), "zeroGrad leaves no gradient, as libtorch's zero_grad");
                }
                assertTrue(clipped && unclipped, "the steps must exercise clipping on and off");
                // the parameter without gradients before step 3 started its moments there: 4 steps, not 6
                assertEquals(4L, ours.state().get("g1.1.step").item_long());
                assertEquals(6L, ours.state().get("g0.0.step").item_long());
            }
        }
    }

    @Test
    void theNativeKernelStepsLikeLibtorchsAdamWWithClipping() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeKernels.available(), NativeKernels.unavailableReason());
        assertStepsLikeLibtorch(true);
    }

    @Test
    void theLibtorchOpsPathStepsLikeLibtorchsAdamWWithClipping() {
        assertStepsLikeLibtorch(false);
    }

    @Test
    void savedStateResumesExactly() {
        try (PointerScope s = new PointerScope()) {
            double[] lrs = {1e-2, 3e-3};
            List<List<Tensor>> a = params(2), b = params(2);
            Path file = tmp.resolve("optimizer.safetensors");
            try (FusedAdamW first = new FusedAdamW(a, lrs, 0.01);
                    FusedAdamW second = new FusedAdamW(b, lrs, 0.01)) {
                for (int step = 1; step <= 4; step++) {
                    backward(a, step);
                    first.step(FusedAdamW.clipScale(first.gradientNorm(), 1.0));
                    first.zeroGrad();
                }
                first.save(file);
                try (NoGradGuard g = new NoGradGuard()) {
                    for (int i = 0; i < flat(a).size(); i++) flat(b).get(i).copy_(flat(a).get(i));
                }
                second.load(file);
                for (int step = 5; step <= 7; step++) {
                    backward(a, step);
                    backward(b, step);
                    first.step(FusedAdamW.clipScale(first.gradientNorm(), 1.0));
                    second.step(FusedAdamW.clipScale(second.gradientNorm(), 1.0));
                    first.zeroGrad();
                    second.zeroGrad();
                }
                for (int i = 0; i < flat(a).size(); i++)
                    assertTrue(
                            torch.equal(flat(a).get(i), flat(b).get(i)), "parameter " + i + " differs after resuming");
            }
        }
    }
}
