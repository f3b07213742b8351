package dev.uem.torch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/** Helpers over libtorch modules. */
public final class Modules {
    private Modules() {}

    /**
     * Parameters by dotted name (HF style), in registration order. Each is its own reference to the parameter (not a
     * view into the temporary dictionary libtorch returns), so the map may be kept for as long as the module lives.
     */
    /**
     * The tensors of {@code v}, each as its own reference: an element read from a {@code TensorVector} points into the
     * vector's storage, which may be freed before the list is done with.
     */
    public static List<Tensor> handles(TensorVector v) {
        List<Tensor> out = new ArrayList<>();
        for (long i = 0; i < v.size(); i++) out.add(new Tensor(v.get(i)));
        return out;
    }

    public static Map<String, Tensor> namedParameters(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        StringTensorDict np = m.named_parameters(true);
        for (long i = 0; i < np.size(); i++)
            out.put(np.get(i).key().getString(), new Tensor(np.get(i).value()));
        return out;
    }
}
