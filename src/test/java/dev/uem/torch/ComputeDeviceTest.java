package dev.uem.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code --device} values, the error on a host without CUDA, and what {@code --precision bf16} switches on. */
class ComputeDeviceTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @Test
    void readsTheDeviceForms() {
        assertEquals(ComputeDevice.CPU, ComputeDevice.resolve("cpu"));
        assertEquals(ComputeDevice.CPU, ComputeDevice.resolve(" CPU "));
        assertEquals(
                torch.cuda_is_available() ? ComputeDevice.Kind.CUDA : ComputeDevice.Kind.CPU,
                ComputeDevice.resolve("auto").kind());
        for (String bad : new String[] {"gpu", "cpu:1", "cuda:x", "cuda:", "", "auto:0"}) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> ComputeDevice.resolve(bad), bad);
            assertTrue(
                    e.getMessage().contains("expected cpu, cuda, cuda:N or auto")
                            && e.getMessage().contains("'" + bad + "'"),
                    e.getMessage());
        }
    }

    @Test
    void cudaWithoutADeviceIsOneClearError() {
        assumeFalse(torch.cuda_is_available(), "this host has CUDA");
        for (String d : new String[] {"cuda", "cuda:0", "cuda:3"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ComputeDevice.resolve(d));
            assertTrue(
                    e.getMessage().startsWith("--device cuda: libtorch sees no CUDA device here")
                            && !e.getMessage().contains("\n"),
                    e.getMessage());
        }
    }

    @Test
    void movingToTheCpuKeepsTheTensor() {
        try (PointerScope s = new PointerScope()) {
            Tensor t = Tensors.floats(new float[] {1, 2, 3}, 3);
            Tensor moved = ComputeDevice.CPU.move(t);
            assertEquals(t.data_ptr().address(), moved.data_ptr().address(), "no copy on the device it is on");
            assertEquals(ComputeDevice.CPU, ComputeDevice.of(moved));
            assertSame(null, ComputeDevice.CPU.move(null));
        }
    }

    @Test
    void bf16AutocastRunsMatrixProductsInBfloat16OnlyInsideItsScope() {
        try (PointerScope s = new PointerScope()) {
            Tensor a = torch.randn(4, 8), b = torch.randn(8, 3);
            try (Precision.Scope ignored = Precision.BF16.autocast(ComputeDevice.CPU)) {
                Tensor p = a.matmul(b);
                assertEquals(torch.ScalarType.BFloat16.value, p.scalar_type().value);
                assertTrue(torch.is_autocast_enabled(torch.DeviceType.CPU));
                // bfloat16 keeps 8 significant bits: close to the float32 product, not equal to it
                Tensor exact = a.to(torch.ScalarType.Double).matmul(b.to(torch.ScalarType.Double));
                double
                        err =
                                p.to(torch.ScalarType.Double)
                                        .sub(exact)
                                        .abs()
                                        .max()
                                        .item_double(),
                        scale = exact.abs().max().item_double();
                assertTrue(err > 0 && err < 0.02 * scale, "bf16 error " + err + " of " + scale);
            }
            assertEquals(
                    torch.ScalarType.Float.value,
                    a.matmul(b).scalar_type().value,
                    "autocast is off again after the scope");
            assertTrue(!torch.is_autocast_enabled(torch.DeviceType.CPU));
            try (Precision.Scope ignored = Precision.FP32.autocast(ComputeDevice.CPU)) {
                assertEquals(torch.ScalarType.Float.value, a.matmul(b).scalar_type().value);
            }
        }
    }
}
