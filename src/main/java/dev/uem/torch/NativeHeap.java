package dev.uem.torch;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * glibc's {@code mallopt}: the native heap's settings for this process ({@link TorchRuntime#keepFreedMemory}).
 * JavaCPP's builder makes the JNI glue during {@code mvn package}, as for the kernels.
 */
@Platform(include = "<malloc.h>")
final class NativeHeap {
    static {
        Loader.load();
    }

    /** {@code mallopt}'s parameter numbers (glibc's malloc.h). */
    static final int M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_THRESHOLD = -3;

    private NativeHeap() {}

    /** 1 when glibc took the value, 0 when it refused it. */
    static native int mallopt(int param, int value);
}
