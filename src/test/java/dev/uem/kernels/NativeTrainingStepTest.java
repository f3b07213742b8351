package dev.uem.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.bench.kernels.KernelCheck;
import dev.uem.model.Batch;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.model.uem.SoftPrompts;
import dev.uem.model.uem.UemConfig;
import dev.uem.model.uem.UemLanguageModel;
import dev.uem.model.uem.UserEmbeddingModule;
import dev.uem.testing.TinyT5;
import dev.uem.torch.Modules;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A whole training step through the native path leaves the same parameters as through libtorch ops. */
class NativeTrainingStepTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    private static UemLanguageModel model(PromptAssembly.Kernels kernels) {
        T5Config c = TinyT5.config(300);
        T5Model t5 = T5Model.create(c, 7);
        torch.manual_seed(7);
        UemConfig uc = new UemConfig(24, 32, 1, 4, 64, 0.0, 8, 32, 4);
        UemLanguageModel m = new UemLanguageModel(
                        t5, new UserEmbeddingModule(uc), new SoftPrompts(4, 32).initRandom(0.5))
                .useKernels(kernels);
        m.train(true);
        return m;
    }

    private static Batch batch() {
        torch.manual_seed(11);
        Tensor rows = torch.randn(3, 6, 24);
        Tensor userMask = Tensors.longs(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0}, 3, 6);
        Tensor ids = Tensors.longs(new long[] {5, 17, 99, 1, 5, 8, 250, 1, 42, 1, 0, 0}, 3, 4);
        Tensor idsMask = Tensors.longs(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 3, 4);
        Tensor labels = Tensors.longs(new long[] {8, 9, 1, 17, 5, 1, 3, 1, -100}, 3, 3);
        return new Batch(rows, userMask, ids, idsMask, labels);
    }

    private static Map<String, Tensor> stepped(PromptAssembly.Kernels kernels, double[] lossOut) {
        UemLanguageModel m = model(kernels);
        assertEquals(kernels, m.kernels());
        AdamW opt = new AdamW(m.parameters(), new AdamWOptions(1e-2));
        for (int step = 0; step < 2; step++) { // two steps: AdamW's moments see the gradients twice
            opt.zero_grad();
            Tensor loss = m.loss(batch());
            lossOut[step] = loss.item_double();
            m.backward(loss);
            opt.step();
        }
        return Modules.namedParameters(m);
    }

    @Test
    void nativeAndTorchPathsGiveTheSameParametersAfterTrainingSteps() {
        try (PointerScope scope = new PointerScope()) {
            double[] lossNative = new double[2], lossTorch = new double[2];
            Map<String, Tensor> viaNative = stepped(PromptAssembly.Kernels.NATIVE, lossNative);
            Map<String, Tensor> viaTorch = stepped(PromptAssembly.Kernels.TORCH, lossTorch);
            assertEquals(viaTorch.keySet(), viaNative.keySet());
            for (int i = 0; i < 2; i++)
                assertEquals(lossTorch[i], lossNative[i], 1e-5 * Math.abs(lossTorch[i]), "loss at step " + i);
            UemLanguageModel fresh = model(PromptAssembly.Kernels.TORCH);
            Map<String, Tensor> start = Modules.namedParameters(fresh);
            int moved = 0;
            for (String name : viaTorch.keySet()) {
                double err = KernelCheck.relError(viaNative.get(name), viaTorch.get(name));
                assertTrue(err <= 1e-5, name + ": native vs torch differ by " + err);
                if (!torch.equal(start.get(name), viaTorch.get(name))) moved++;
            }
            assertTrue(
                    moved >= viaTorch.size() - 1,
                    "the steps moved " + moved + " of " + viaTorch.size() + " parameters");
        }
    }
}
