package dev.uem.torch;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

/**
 * One place that configures libtorch for this process.
 *
 * <p>Why threads matter: on a 2-core box libtorch's OpenMP pool (2 spinning workers) fights OpenBLAS's own
 * pthread pool and a training step gets 3.5x slower. With {@code set_num_threads(1)} the element-wise ops run
 * on one thread while GEMMs still use both cores through OpenBLAS; {@code uem bench t5-step} measures this
 * (see bench/RESULTS.md). {@code UEM_TORCH_THREADS} overrides the choice.
 */
public final class TorchRuntime {
    private static volatile boolean initialised;

    private TorchRuntime() {}

    public static synchronized void init() {
        if (initialised) return;
        Loader.load(torch.class);
        String env = System.getenv("UEM_TORCH_THREADS");
        int threads = env != null && !env.isBlank() ? Integer.parseInt(env.trim()) : defaultThreads();
        torch.set_num_threads(threads);
        initialised = true;
    }

    /** One intra-op thread unless OpenMP was told not to spin (then all cores are safe to use). */
    static int defaultThreads() {
        String policy = System.getenv("OMP_WAIT_POLICY");
        return policy != null && policy.equalsIgnoreCase("PASSIVE") ? Runtime.getRuntime().availableProcessors() : 1;
    }

    public static String describe() {
        return "torch threads=" + torch.get_num_threads() + ", cores=" + Runtime.getRuntime().availableProcessors()
                + ", OMP_WAIT_POLICY=" + System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)")
                + ", OPENBLAS_NUM_THREADS=" + System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "(unset)");
    }
}
