package dev.uem.model.t5;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** T5's RMSNorm: scale only, no mean subtraction and no bias: {@code w * x / sqrt(mean(x^2) + eps)}. */
final class T5LayerNorm extends Module {
    final Tensor weight;
    private final long[] normalizedShape;
    private final double eps;

    T5LayerNorm(int dModel, double eps) {
        super("T5LayerNorm");
        this.weight = register_parameter("weight", torch.ones(dModel));
        this.normalizedShape = new long[] {dModel};
        this.eps = eps;
    }

    Tensor forward(Tensor x) {
        // libtorch's fused rms_norm computes exactly HF's formula (variance in float32) in one pass
        return torch.rms_norm(x, normalizedShape, new TensorOptional(weight), new DoubleOptional(eps));
    }
}
