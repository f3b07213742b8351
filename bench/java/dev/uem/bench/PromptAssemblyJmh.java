package dev.uem.bench;

import dev.uem.bench.kernels.AssemblyInputs;
import dev.uem.bench.kernels.KernelBench;
import dev.uem.bench.kernels.KernelCheck;
import dev.uem.kernels.NativeKernels;
import dev.uem.torch.TorchRuntime;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fused native prompt assembly against the libtorch-op composition, forward and forward+backward, on the
 * default CPU shape (B 16, k 20, p 50, n 32, e 256, 3s 1152) and the paper's (B 128, k 20, p 100, n 32, e 768,
 * 3s 2304). Each operation runs in its own PointerScope (see {@link AssemblyInputs}).
 *
 * <pre>java -cp target/uem.jar org.openjdk.jmh.Main PromptAssemblyJmh -f 1 -wi 3 -i 5</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PromptAssemblyJmh {
    @Param({"default", "paper"})
    public String shape;

    private AssemblyInputs in;

    @Setup(Level.Trial)
    public void setUp() {
        TorchRuntime.init();
        if (!NativeKernels.available()) throw new IllegalStateException(NativeKernels.unavailableReason());
        KernelCheck.Shape s = shape.equals("paper") ? KernelBench.PAPER : KernelBench.DEFAULT;
        in = new AssemblyInputs(s, 42, s.p() / 2);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        in.close();
    }

    @Benchmark
    public void forwardNative() {
        in.nativeForward();
    }

    @Benchmark
    public void forwardTorchOps() {
        in.torchForward();
    }

    @Benchmark
    public void forwardBackwardNative() {
        in.nativeForwardBackward();
    }

    @Benchmark
    public void forwardBackwardTorchOps() {
        in.torchForwardBackward();
    }
}
