package dev.uem.model.uem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class UserEmbeddingModuleTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    static final UemConfig SMALL = new UemConfig(12, 16, 2, 4, 24, 0.0, 10, 8, 3);

    @Test
    void shapesAndZeroedPaddingRows() {
        try (PointerScope s = new PointerScope();
                UserEmbeddingModule uem = new UserEmbeddingModule(SMALL);
                NoGradGuard g = new NoGradGuard()) {
            uem.eval();
            Tensor rows = torch.randn(2, 5, 12);
            Tensor mask = Tensors.longs(new long[] {1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, 2, 5);
            Tensor out = uem.forward(rows, mask);
            assertArrayEquals(new long[] {2, 5, 8}, out.shape());
            assertEquals(
                    0.0, out.select(0, 1).narrow(0, 2, 3).abs().sum().item_float(), 0.0, "padded rows are exact zeros");
            assertTrue(out.select(0, 1).narrow(0, 0, 2).abs().sum().item_float() > 0);
        }
    }

    @Test
    void paddingContentDoesNotLeakIntoRealRows() {
        try (PointerScope s = new PointerScope();
                UserEmbeddingModule uem = new UserEmbeddingModule(SMALL);
                NoGradGuard g = new NoGradGuard()) {
            uem.eval();
            Tensor rows = torch.randn(1, 6, 12);
            Tensor mask = Tensors.longs(new long[] {1, 1, 1, 1, 0, 0}, 1, 6);
            Tensor a = uem.forward(rows, mask);
            Tensor other = rows.clone();
            other.narrow(1, 4, 2).copy_(torch.randn(1, 2, 12).mul(new Scalar(100.0)));
            Tensor b = uem.forward(other, mask);
            assertTrue(torch.allclose(a, b, 1e-6, 1e-6, false), "padded rows must not influence the real ones");
            // and a batch row alone equals the same row inside a padded batch
            Tensor alone = uem.forward(rows.narrow(1, 0, 4), Tensors.longs(new long[] {1, 1, 1, 1}, 1, 4));
            assertTrue(torch.allclose(alone, a.narrow(1, 0, 4), 1e-5, 1e-6, false));
        }
    }

    @ParameterizedTest
    @EnumSource(PromptAssembly.Kernels.class)
    void gradientsReachEveryParameterAndPromptsAssemble(PromptAssembly.Kernels kernels) {
        try (PointerScope s = new PointerScope();
                UserEmbeddingModule uem = new UserEmbeddingModule(SMALL)) {
            uem.train(true);
            SoftPrompts prompts = new SoftPrompts(3, 8).initRandom(0.5);
            Tensor rows = torch.randn(2, 4, 12);
            Tensor userMask = Tensors.longs(new long[] {1, 1, 1, 1, 1, 1, 0, 0}, 2, 4);
            Tensor table = torch.randn(20, 8).requires_grad_(true);
            Tensor ids = Tensors.longs(new long[] {5, 7, 9, 1, 0, 0}, 2, 3);
            Tensor tokenMask = Tensors.longs(new long[] {1, 1, 1, 1, 1, 0}, 2, 3);
            PromptAssembly assembly = PromptAssembly.create(kernels);
            PromptAssembly.Assembled a = assembly.assemble(new PromptAssembly.Inputs(
                    prompts.weight(),
                    uem.hidden(rows, userMask),
                    userMask,
                    uem.projectionWeight(),
                    uem.projectionBias(),
                    table,
                    ids,
                    tokenMask));
            assertArrayEquals(new long[] {2, 10, 8}, a.inputsEmbeds().shape());
            assertArrayEquals(
                    new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0},
                    Tensors.toLongs(a.attentionMask()));
            assertTrue(
                    torch.equal(a.inputsEmbeds().select(0, 1).narrow(0, 0, 3), prompts.weight()),
                    "prompts first in every row");
            assertTrue(
                    torch.equal(a.inputsEmbeds().select(0, 1).narrow(0, 5, 2), torch.zeros(2, 8)),
                    "padded history rows are zero");
            assertTrue(
                    torch.equal(a.inputsEmbeds().select(0, 0).select(0, 8), table.select(0, 7)),
                    "tokens gathered by id");
            assertTrue(
                    torch.allclose(a.inputsEmbeds().narrow(1, 3, 4), uem.forward(rows, userMask), 1e-6, 1e-6, false),
                    "user slice = UEM.forward");
            assembly.backward(a.inputsEmbeds().pow(new Scalar(2)).sum());
            assertTrue(prompts.weight().grad().abs().sum().item_float() > 0);
            assertTrue(table.grad().select(0, 7).abs().sum().item_float() > 0, "table row 7 gets a gradient");
            assertEquals(0f, table.grad().select(0, 3).abs().sum().item_float(), "unused table row 3 gets none");
            var params = uem.named_parameters(true);
            assertTrue(params.size() > 10);
            for (long i = 0; i < params.size(); i++) {
                Tensor grad = params.get(i).value().grad();
                assertTrue(
                        grad.defined() && grad.abs().sum().item_float() > 0,
                        "no gradient for " + params.get(i).key().getString());
            }
        }
    }

    @Test
    void configValidationNamesTheField() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new UemConfig(12, 16, 2, 5, 24, 0.0, 10, 8, 3));
        assertTrue(e.getMessage().contains("heads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> UemConfig.named("huge", 1, 1, 1));
        assertTrue(e.getMessage().contains("huge"), e.getMessage());
        assertEquals(768, UemConfig.paper(1152, 256, 100).hidden());
        assertEquals(12, UemConfig.paper(1152, 256, 100).heads());
        assertEquals(20, UemConfig.paper(1152, 256, 100).promptLength());
    }
}
