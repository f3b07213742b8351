package dev.uem.torch;

import org.bytedeco.openblas.global.openblas;
import org.bytedeco.pytorch.global.torch;

/**
 * One place that configures libtorch for this process.
 *
 * <p>Why threads matter: on a 2-core box libtorch's OpenMP pool (2 spinning workers) fights OpenBLAS's own
 * pthread pool and a training step gets 3.5x slower. With {@code set_num_threads(1)} the element-wise ops run
 * on one thread while GEMMs still use both cores through OpenBLAS; {@code uem bench t5-step} measures this
 * (see bench/RESULTS.md). {@code UEM_TORCH_THREADS} overrides the choice.
 *
 * <p>Why denormals are flushed: a freshly initialised LM head gives softmax probabilities below 1e-38, and the
 * backward GEMM over those denormal floats ran 17x slower (2.2 s instead of 0.13 s for the t5-mini head).
 * Flushing them to zero (FTZ/DAZ, as {@code torch.set_flush_denormal(True)}) changes no result above 1e-38.
 * The flag lives in the CPU's per-thread control register: call {@link #init()} on the thread that trains.
 */
public final class TorchRuntime {
    private static volatile boolean initialised;
    private static volatile boolean freedMemoryKept;
    private static int blasStartThreads;

    private TorchRuntime() {}

    public static synchronized void init() {
        if (initialised) return;
        java.util.List<String> classPath = LibtorchClasspath.current();
        String conflict = LibtorchClasspath.conflict(classPath);
        if (conflict != null) throw new IllegalStateException(conflict);
        if (LibtorchClasspath.cuda(classPath) && !LibtorchClasspath.nvidiaDriverPresent())
            // loading CUDA libtorch without a driver ends in a native crash inside System.load (no Java error to catch)
            throw new IllegalStateException("this uem.jar was built with -Pgpu (CUDA libtorch) and "
                    + "this host has no NVIDIA driver (/proc/driver/nvidia and /dev/nvidiactl "
                    + "absent); for CPU hosts build it with 'mvn -B -q package -DskipTests' (no -Pgpu)");
        try {
            NativeLibraries.load(torch.class, NativeHeap.class);
        } catch (LinkageError e) {
            throw new IllegalStateException(
                    LibtorchClasspath.cuda(classPath)
                            ? "this uem.jar was built with -Pgpu (CUDA libtorch) and cannot load here ("
                                    + e.getMessage() + "); on a host without a CUDA 13 driver and runtime, "
                                    + "build it with 'mvn package' (no -Pgpu)"
                            : "libtorch did not load: " + e.getMessage(),
                    e);
        }
        initThread();
        freedMemoryKept = keepFreedMemory();
        initialised = true;
    }

    /**
     * Applies the thread count and the denormal flush to the calling thread: both live in per-thread state (OpenMP's
     * and the CPU's), so a thread other than the one that called {@link #init()} that runs models calls this first.
     */
    public static void initThread() {
        String env = System.getenv("UEM_TORCH_THREADS");
        int threads = env != null && !env.isBlank() ? Integer.parseInt(env.trim()) : defaultThreads();
        torch.set_num_threads(threads);
        org.bytedeco.pytorch.Context.setFlushDenormal(true);
    }

    /**
     * Sets how many threads OpenBLAS, which runs libtorch's CPU matrix products, uses from now on, for the whole
     * process (OpenBLAS's count is global, not per thread); at most {@link #blasStartThreads()}.
     */
    public static synchronized void blasThreads(int threads) {
        openBlas();
        openblas.blas_set_num_threads(threads);
    }

    /** The threads OpenBLAS uses now. */
    public static synchronized int blasThreads() {
        openBlas();
        return openblas.blas_get_num_threads();
    }

    /** The threads OpenBLAS started with: {@code OPENBLAS_NUM_THREADS}, or one per core. */
    public static synchronized int blasStartThreads() {
        openBlas();
        return blasStartThreads;
    }

    private static void openBlas() {
        if (blasStartThreads > 0) return;
        NativeLibraries.load(openblas.class);
        blasStartThreads = openblas.blas_get_num_threads();
    }

    /**
     * Tells glibc to keep freed memory for the next allocation instead of handing it back to the kernel; false where
     * that could not be done (not glibc, or a jar built without the JNI glue), and nothing changes then.
     *
     * <p>Why: libtorch frees a step's activations and gradients and allocates them again in the next step. With glibc's
     * defaults the large ones (a t5-mini step has several of 31 MiB: logits, their gradient, the vocabulary-sized
     * weight gradients) come from blocks that are unmapped on free, and the per-thread heaps of the JVM's threads are
     * trimmed or deleted when they empty, so every step faults the same memory in again, page by page, zeroed by the
     * kernel: 20,000-30,000 page faults a step, ~5 % of it. Blocks up to 32 MiB now come from the heap (a per-thread
     * heap holds 64 MiB, so larger ones are mapped on their own either way), and a 64 MiB top pad keeps those heaps
     * from shrinking or being deleted. The high-water mark is unchanged (the same blocks are live at the peak); memory
     * freed after it stays with the process until it ends. {@code UEM_KEEP_FREED_MEMORY=0} leaves glibc's defaults.
     */
    static boolean keepFreedMemory() {
        if ("0".equals(System.getenv("UEM_KEEP_FREED_MEMORY"))) return false;
        try {
            return NativeHeap.mallopt(NativeHeap.M_MMAP_THRESHOLD, 32 << 20) == 1
                    & NativeHeap.mallopt(NativeHeap.M_TRIM_THRESHOLD, Integer.MAX_VALUE) == 1
                    & NativeHeap.mallopt(NativeHeap.M_TOP_PAD, 64 << 20) == 1;
        } catch (LinkageError e) {
            return false;
        }
    }

    /** One intra-op thread unless OpenMP was told not to spin (then all cores are safe to use). */
    static int defaultThreads() {
        String policy = System.getenv("OMP_WAIT_POLICY");
        return policy != null && policy.equalsIgnoreCase("PASSIVE")
                ? Runtime.getRuntime().availableProcessors()
                : 1;
    }

    public static String describe() {
        return "torch threads=" + torch.get_num_threads() + ", cores="
                + Runtime.getRuntime().availableProcessors()
                + ", OMP_WAIT_POLICY=" + System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)")
                + ", OPENBLAS_NUM_THREADS=" + System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "(unset)")
                // a pinned core type changes the matrix products' speed 2x on AVX-512 CPUs (bench/RESULTS.md)
                + ", OPENBLAS_CORETYPE="
                + System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(unset: OpenBLAS detects the CPU)")
                + ", freed memory " + (freedMemoryKept ? "kept" : "returned (glibc's defaults)");
    }
}
