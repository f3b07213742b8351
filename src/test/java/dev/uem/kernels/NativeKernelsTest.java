package dev.uem.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.bench.kernels.KernelCheck;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The native kernels against libtorch ops, forward and backward, on fresh random shapes each run. */
class NativeKernelsTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
        assertTrue(
                NativeKernels.available(),
                "mvn package builds the native library: " + NativeKernels.unavailableReason());
    }

    @AfterEach
    void restoreBlas() {
        NativeKernels.useBlas(true);
    }

    @ParameterizedTest(name = "OpenBLAS products: {0}")
    @ValueSource(booleans = {true, false})
    void everyOutputMatchesLibtorchOps(boolean blas) {
        NativeKernels.useBlas(blas);
        long seed = System.nanoTime();
        for (KernelCheck.Shape s : KernelCheck.shapes(seed)) {
            KernelCheck.Result r = KernelCheck.run(s, seed);
            assertEquals(7, r.errors().size());
            assertTrue(r.worst() <= 1e-5, "seed " + seed + ", shape " + s + ": " + r.errors());
        }
    }

    @Test
    void theComparisonSeesAWrongElement() {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(4, 5), b = a.clone();
            assertEquals(0.0, KernelCheck.relError(a, b));
            b.select(0, 3).select(0, 2).add_(new Scalar(1e-3));
            assertTrue(KernelCheck.relError(a, b) > 1e-5);
            assertEquals(Double.POSITIVE_INFINITY, KernelCheck.relError(a, torch.randn(5, 4)));
            a.select(0, 0).select(0, 0).fill_(new Scalar(Float.NaN));
            assertEquals(Double.POSITIVE_INFINITY, KernelCheck.relError(a, b));
        }
    }

    @Test
    void gradientsAccumulateIntoTheBuffers() {
        try (PointerScope scope = new PointerScope()) {
            Tensor user = torch.randn(2, 3, 4),
                    mask = Tensors.longs(new long[] {1, 1, 0, 1, 0, 0}, 2, 3),
                    w = torch.randn(5, 4);
            Tensor ids = Tensors.longs(new long[] {1, 2, 2, 0}, 2, 2), g = torch.randn(2, 1 + 3 + 2, 5);
            Tensor once = torch.zeros(4, 5), twice = torch.zeros(4, 5), dU = torch.zeros(2, 3, 4);
            NativeKernels.backward(g, user, mask, w, ids, 4, null, dU, null, null, once, false);
            NativeKernels.backward(g, user, mask, w, ids, 4, null, null, null, null, twice, false);
            NativeKernels.backward(g, user, mask, w, ids, 4, null, null, null, null, twice, false);
            assertTrue(torch.allclose(twice, once.mul(new Scalar(2)), 1e-6, 1e-6, false));
            assertEquals(0f, dU.select(0, 0).select(0, 2).abs().sum().item_float(), "padded rows get no gradient");
            assertEquals(0f, dU.select(0, 1).narrow(0, 1, 2).abs().sum().item_float());
            assertTrue(dU.select(0, 1).select(0, 0).abs().sum().item_float() > 0);
            assertEquals(0f, once.select(0, 3).abs().sum().item_float(), "unused table row");
        }
    }

    @Test
    void badInputIsRefusedWithItsName() {
        try (PointerScope scope = new PointerScope()) {
            Tensor prompts = torch.randn(2, 8),
                    user = torch.randn(3, 4, 6),
                    mask = torch.ones(new long[] {3, 4}, Tensors.LONG);
            Tensor w = torch.randn(8, 6),
                    b = torch.zeros(8),
                    table = torch.randn(10, 8),
                    tm = torch.ones(new long[] {3, 2}, Tensors.LONG);
            Tensor ids = Tensors.longs(new long[] {1, 2, 3, 4, 5, 10}, 3, 2);
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> NativeKernels.forward(prompts, user, mask, w, b, table, ids, tm));
            assertTrue(e.getMessage().contains("token id 10") && e.getMessage().contains("[0, 10)"), e.getMessage());
            e = assertThrows(
                    IllegalArgumentException.class,
                    () -> NativeKernels.forward(prompts, user, mask, torch.randn(8, 5), b, table, ids, tm));
            assertTrue(e.getMessage().startsWith("weight: expected shape [8, 6]"), e.getMessage());
            e = assertThrows(
                    IllegalArgumentException.class,
                    () -> NativeKernels.forward(prompts, user, mask.to(torch.ScalarType.Float), w, b, table, ids, tm));
            assertTrue(e.getMessage().contains("int64"), e.getMessage());
            e = assertThrows(
                    IllegalArgumentException.class,
                    () -> NativeKernels.forward(prompts.to(torch.ScalarType.Double), user, mask, w, b, table, ids, tm));
            assertTrue(e.getMessage().contains("dtype"), e.getMessage());
        }
    }
}
