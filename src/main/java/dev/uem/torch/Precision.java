package dev.uem.torch;

import org.bytedeco.pytorch.global.torch;

/**
 * The arithmetic of a run's forward passes ({@code --precision fp32|bf16}). {@link #BF16} is libtorch's autocast:
 * matrix products and the other ops on autocast's lower-precision list run in bfloat16, the rest (norms, softmax,
 * losses) in float32; parameters, gradients and AdamW's moments stay float32 ("master weights"), so checkpoints are
 * the same files either way. On CPUs libtorch runs bfloat16 through oneDNN (fast where the CPU has AVX-512 BF16 or
 * AMX).
 */
public enum Precision {
    FP32,
    BF16;

    /**
     * Autocast switched on for this precision on {@code device} until {@link Scope#close}; a no-op for {@link #FP32}.
     */
    public Scope autocast(ComputeDevice device) {
        if (this == FP32) return () -> {};
        torch.DeviceType type = device.isCuda() ? torch.DeviceType.CUDA : torch.DeviceType.CPU;
        boolean wasEnabled = torch.is_autocast_enabled(type);
        torch.ScalarType wasType = torch.get_autocast_dtype(type);
        torch.set_autocast_dtype(type, torch.ScalarType.BFloat16);
        torch.set_autocast_enabled(type, true);
        torch.increment_nesting();
        return () -> {
            // leaving the outermost autocast region frees autocast's cache of bfloat16 weight copies
            if (torch.decrement_nesting() == 0) torch.clear_cache();
            torch.set_autocast_enabled(type, wasEnabled);
            torch.set_autocast_dtype(type, wasType);
        };
    }

    /** An autocast region; closing it restores the state before it. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
