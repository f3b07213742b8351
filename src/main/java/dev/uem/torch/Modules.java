package dev.uem.torch;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** Helpers over libtorch modules. */
public final class Modules {
    private Modules() {}

    /** Parameters by dotted name (HF style), in registration order. */
    public static Map<String, Tensor> namedParameters(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        StringTensorDict np = m.named_parameters(true);
        for (long i = 0; i < np.size(); i++) out.put(np.get(i).key().getString(), np.get(i).value());
        return out;
    }
}
