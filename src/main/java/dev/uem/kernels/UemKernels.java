package dev.uem.kernels;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of {@code native/include/uem_kernels.h}, the fused prompt-assembly kernels. The C ABI takes raw
 * contiguous buffers ({@code Tensor.data_ptr()}), because binding {@code at::Tensor} itself would need libtorch's
 * exact C++ headers, which the preset does not ship. Semantics of every argument are documented in the header.
 *
 * <p>{@code mvn package} builds {@code libuem_kernels.so} with CMake and the JNI glue with JavaCPP's builder, and
 * packs both (plus {@code libuem_kernels_cuda.so} when nvcc was found) under
 * {@code dev/uem/kernels/linux-x86_64/} in the jar. Use {@link NativeKernels} rather than this class: it loads the
 * library once, reports why it could not, and checks tensors before their pointers reach C.
 */
@Platform(include = "uem_kernels.h", link = "uem_kernels")
public final class UemKernels {
    static {
        Loader.load();
    }

    private UemKernels() {}

    public static final int UEM_F32 = 0, UEM_BF16 = 1;

    public static native @Cast("const char*") org.bytedeco.javacpp.BytePointer uem_last_error();

    public static native int uem_abi_version();

    public static native int uem_cpu_blas(int mode);

    public static native int uem_assemble_forward_f32(
            @Cast("const float*") Pointer prompts,
            @Cast("const float*") Pointer user,
            @Cast("const int64_t*") Pointer userMask,
            @Cast("const float*") Pointer weight,
            @Cast("const float*") Pointer bias,
            @Cast("const float*") Pointer table,
            @Cast("const int64_t*") Pointer ids,
            @Cast("const int64_t*") Pointer textMask,
            @Cast("float*") Pointer out,
            @Cast("int64_t*") Pointer outMask,
            long B,
            long k,
            long p,
            long n,
            long d,
            long e,
            long vocab);

    public static native int uem_assemble_backward_f32(
            @Cast("const float*") Pointer gradOut,
            @Cast("const float*") Pointer user,
            @Cast("const int64_t*") Pointer userMask,
            @Cast("const float*") Pointer weight,
            @Cast("const int64_t*") Pointer ids,
            @Cast("float*") Pointer gradPrompts,
            @Cast("float*") Pointer gradUser,
            @Cast("float*") Pointer gradWeight,
            @Cast("float*") Pointer gradBias,
            @Cast("float*") Pointer gradTable,
            long B,
            long k,
            long p,
            long n,
            long d,
            long e,
            long vocab);

    public static native int uem_dropout_scale_f32(
            @Cast("float*") Pointer scale, long n, @Cast("uint64_t") long seed, int dropped, float keepScale);

    public static native int uem_adamw_f32(
            @Cast("float*") Pointer param,
            @Cast("const float*") Pointer grad,
            @Cast("float*") Pointer expAvg,
            @Cast("float*") Pointer expAvgSq,
            long n,
            float decay,
            float beta1,
            float beta2,
            float stepSize,
            float invSqrtBc2,
            float eps,
            float gradScale);

    public static native int uem_cuda_load(String libraryPath);

    public static native @Cast("const char*") org.bytedeco.javacpp.BytePointer uem_cuda_last_error();

    public static native int uem_cuda_device_count();

    public static native int uem_assemble_forward_cuda(
            int dtype,
            @Cast("const void*") Pointer prompts,
            @Cast("const void*") Pointer user,
            @Cast("const int64_t*") Pointer userMask,
            @Cast("const void*") Pointer weight,
            @Cast("const void*") Pointer bias,
            @Cast("const void*") Pointer table,
            @Cast("const int64_t*") Pointer ids,
            @Cast("const int64_t*") Pointer textMask,
            @Cast("void*") Pointer out,
            @Cast("int64_t*") Pointer outMask,
            long B,
            long k,
            long p,
            long n,
            long d,
            long e,
            long vocab,
            @Cast("void*") Pointer stream);

    public static native int uem_assemble_backward_cuda(
            int dtype,
            @Cast("const void*") Pointer gradOut,
            @Cast("const void*") Pointer user,
            @Cast("const int64_t*") Pointer userMask,
            @Cast("const void*") Pointer weight,
            @Cast("const int64_t*") Pointer ids,
            @Cast("void*") Pointer gradPrompts,
            @Cast("void*") Pointer gradUser,
            @Cast("void*") Pointer gradWeight,
            @Cast("void*") Pointer gradBias,
            @Cast("void*") Pointer gradTable,
            long B,
            long k,
            long p,
            long n,
            long d,
            long e,
            long vocab,
            int deterministic,
            @Cast("void*") Pointer stream);
}
