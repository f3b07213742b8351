package dev.uem.model.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.torch.TorchRuntime;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DropoutTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @Test
    void dropsTheRequestedShareAndKeepsTheExpectation() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(1);
            Tensor x = torch.ones(1000, 1001); // odd size: the last draw is only partly used
            Tensor y = Dropout.apply(x, 0.1, true);
            double zeroShare =
                    y.eq(new Scalar(0.0)).to(torch.ScalarType.Float).mean().item_float();
            assertEquals(0.1, zeroShare, 0.002, "share of dropped elements");
            assertEquals(1.0, y.mean().item_float(), 0.003, "inverted dropout keeps the mean");
            double kept = y.max().item_float();
            assertEquals(65536.0 / (65536 - 6554), kept, 1e-6, "kept elements scaled by 1/(1-p)");
        }
    }

    /** Both mask generators: the native one (4 lanes per hash) and the libtorch one (3 lanes per draw) use every lane. */
    @Test
    void everyLaneOfBothMaskGeneratorsIsUniform() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(2);
            int dropped = 6554;
            Tensor torchMask = Dropout.torchMask(torch.ones(999_999), dropped);
            assertLanes(torchMask, 3);
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    dev.uem.kernels.NativeKernels.available(), "native kernels not built");
            Tensor nativeMask = Dropout.nativeMask(new long[] {1_000_000}, dropped);
            assertLanes(nativeMask, 4);
            // a new draw of the seed gives another mask; the same torch seed gives the same one
            assertTrue(!torch.equal(nativeMask, Dropout.nativeMask(new long[] {1_000_000}, dropped)));
            torch.manual_seed(2);
            Dropout.torchMask(torch.ones(999_999), dropped);
            assertTrue(torch.equal(nativeMask, Dropout.nativeMask(new long[] {1_000_000}, dropped)));
            // no correlation between neighbours (a broken hash repeats or alternates)
            Tensor keep = nativeMask.gt(new Scalar(0)).to(torch.ScalarType.Float);
            double both = keep.narrow(0, 0, 999_999)
                    .mul(keep.narrow(0, 1, 999_999))
                    .mean()
                    .item_float();
            assertEquals(0.9 * 0.9, both, 0.003, "P(keep i and keep i+1)");
        }
    }

    private static void assertLanes(Tensor mask, int lanes) {
        long n = mask.numel() / lanes * lanes;
        for (int lane = 0; lane < lanes; lane++) {
            Tensor col = mask.reshape(-1).narrow(0, 0, n).view(-1, lanes).select(1, lane);
            double share =
                    col.eq(new Scalar(0.0)).to(torch.ScalarType.Float).mean().item_float();
            assertEquals(0.1, share, 0.004, "lane " + lane + " of " + lanes);
        }
        assertEquals(65536.0 / (65536 - 6554), mask.max().item_float(), 1e-6);
    }

    @Test
    void evalModeAndZeroRateAreIdentityAndSeedsReproduce() {
        try (PointerScope s = new PointerScope()) {
            Tensor x = torch.randn(4, 5);
            assertSame(x, Dropout.apply(x, 0.1, false));
            assertSame(x, Dropout.apply(x, 0.0, true));
            torch.manual_seed(5);
            Tensor a = Dropout.apply(x, 0.3, true);
            torch.manual_seed(5);
            Tensor b = Dropout.apply(x, 0.3, true);
            assertTrue(torch.equal(a, b));
        }
    }

    @Test
    void gradientIsTheScaledMask() {
        try (PointerScope s = new PointerScope()) {
            Tensor x = torch.randn(64, 33).requires_grad_(true);
            Tensor y = Dropout.apply(x, 0.25, true);
            y.sum().backward();
            Tensor expected = y.detach()
                    .ne(new Scalar(0.0))
                    .to(torch.ScalarType.Float)
                    .mul(new Scalar(65536.0 / (65536 - 16384)));
            assertTrue(torch.allclose(x.grad(), expected, 0, 0, false));
        }
    }
}
