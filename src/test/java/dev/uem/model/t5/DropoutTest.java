package dev.uem.model.t5;

import dev.uem.torch.TorchRuntime;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DropoutTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @Test
    void dropsTheRequestedShareAndKeepsTheExpectation() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(1);
            Tensor x = torch.ones(1000, 1001); // odd size: the last 64-bit draw is only partly used
            Tensor y = Dropout.apply(x, 0.1, true);
            double zeroShare = y.eq(new Scalar(0.0)).to(torch.ScalarType.Float).mean().item_float();
            assertEquals(0.1, zeroShare, 0.002, "share of dropped elements");
            assertEquals(1.0, y.mean().item_float(), 0.003, "inverted dropout keeps the mean");
            double kept = y.max().item_float();
            assertEquals(65536.0 / (65536 - 6554), kept, 1e-6, "kept elements scaled by 1/(1-p)");
            // every position of every 16-bit lane is used: no lane (e.g. the int64 sign lane) is stuck at 'keep'
            for (int lane = 0; lane < 3; lane++) {
                Tensor col = y.reshape(-1).narrow(0, 0, 999_999).view(-1, 3).select(1, lane);
                double share = col.eq(new Scalar(0.0)).to(torch.ScalarType.Float).mean().item_float();
                assertEquals(0.1, share, 0.004, "lane " + lane);
            }
        }
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
            Tensor expected = y.detach().ne(new Scalar(0.0)).to(torch.ScalarType.Float).mul(new Scalar(65536.0 / (65536 - 16384)));
            assertTrue(torch.allclose(x.grad(), expected, 0, 0, false));
        }
    }
}
