package dev.uem.model;

import dev.uem.data.Examples;
import dev.uem.torch.ComputeDevice;
import java.util.List;

/** Turns (user, window) examples into the tensors one arm's model reads. */
public interface BatchSource {
    /** The windows with their users' target sentences; tensors are created in the caller's PointerScope. */
    Batch build(List<Examples.Window> windows);

    /**
     * What the model reads of the windows, without what training scores it on (decoding and the head's readout need
     * no targets); a source that cannot leave them out builds the whole batch.
     */
    default Batch inputs(List<Examples.Window> windows) {
        return build(windows);
    }

    /**
     * This source with every batch moved to {@code device} as it is built (once per step; the trainer and the
     * evaluator stay device-blind). The CPU needs no move: the source itself.
     */
    default BatchSource on(ComputeDevice device) {
        if (!device.isCuda()) return this;
        BatchSource host = this;
        return new BatchSource() {
            @Override
            public Batch build(List<Examples.Window> windows) {
                return host.build(windows).to(device);
            }

            @Override
            public Batch inputs(List<Examples.Window> windows) {
                return host.inputs(windows).to(device);
            }
        };
    }
}
