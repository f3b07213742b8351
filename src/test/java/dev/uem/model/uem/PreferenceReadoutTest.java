package dev.uem.model.uem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What every kind of preference readout must do with user tokens, whatever it computes from them. */
class PreferenceReadoutTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @ParameterizedTest
    @EnumSource(PreferenceReadout.Kind.class)
    void outputsThreeRowsPerLabelAndIgnoresPaddingAndOrder(PreferenceReadout.Kind kind) {
        try (PointerScope s = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(1);
            PreferenceReadout head = kind.create(8, 6);
            Tensor rows = torch.randn(2, 5, 8);
            Tensor mask = Tensors.floats(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 5);
            Tensor out = head.forward(rows, mask);
            assertArrayEquals(new long[] {2, 3, 6}, out.shape());

            Tensor otherPadding = rows.clone();
            otherPadding.select(0, 1).narrow(0, 3, 2).fill_(new Scalar(100.0));
            assertEquals(
                    0.0,
                    head.forward(otherPadding, mask).sub(out).abs().max().item_float(),
                    1e-6,
                    "padded rows change nothing");

            Tensor reversed = rows.flip(1),
                    reversedMask = mask.flip(1); // the second user's real rows now sit at the end
            assertEquals(
                    0.0,
                    head.forward(reversed, reversedMask).sub(out).abs().max().item_float(),
                    1e-5,
                    "the readout is a set function");
        }
    }
}
