package dev.uem.kernels;

import dev.uem.torch.NativeLibraries;
import dev.uem.torch.Tensors;
import java.io.File;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Tensor-level entry to the fused prompt-assembly kernels ({@code native/include/uem_kernels.h}): loads the
 * library once, checks every tensor's shape, dtype, device and layout before its pointer reaches C (a wrong
 * shape there would be a silent out-of-bounds write), and turns a non-zero return code into an exception that
 * carries the kernel's own message.
 *
 * <p>Nothing here records autograd history; {@code NativePromptAssembly} bridges these calls into training.
 */
public final class NativeKernels {
    private static final int ABI_VERSION = 3;
    private static final String LOAD_ERROR = load();
    private static boolean cudaLoaded;

    private NativeKernels() {}

    private static String load() {
        try {
            NativeLibraries.load(UemKernels.class);
            int abi = UemKernels.uem_abi_version();
            return abi == ABI_VERSION ? null : "libuem_kernels ABI version " + abi + ", expected " + ABI_VERSION;
        } catch (Throwable t) { // UnsatisfiedLinkError, or a missing resource in a jar built without CMake
            return "native kernels not loadable: " + t;
        }
    }

    /** True when {@code libuem_kernels} loaded (it is built and packed by every {@code mvn package}). */
    public static boolean available() {
        return LOAD_ERROR == null;
    }

    /** Why {@link #available()} is false; null when it is true. */
    public static String unavailableReason() {
        return LOAD_ERROR;
    }

    /**
     * Routes the CPU projection through the process's OpenBLAS ({@code true}) or plain loops; returns the state now.
     */
    public static boolean useBlas(boolean on) {
        requireLoaded();
        return UemKernels.uem_cpu_blas(on ? 1 : 0) == 1;
    }

    public static boolean blasInUse() {
        requireLoaded();
        return UemKernels.uem_cpu_blas(-1) == 1;
    }

    /**
     * Dropout's scaled keep-mask for a CPU tensor of {@code shape}: float32, each element {@code keepScale} with
     * probability {@code 1 - dropped / 65536}, else 0, from a counter-based hash of {@code seed} (see the header).
     */
    public static Tensor dropoutScale(long[] shape, long seed, int dropped, float keepScale) {
        requireLoaded();
        Tensor scale = torch.empty(shape, Tensors.FLOAT, new MemoryFormatOptional());
        check(
                UemKernels.uem_dropout_scale_f32(scale.data_ptr(), scale.numel(), seed, dropped, keepScale),
                false,
                "dropout");
        return scale;
    }

    /** Whether {@link #adamW} takes these tensors: float32, contiguous, on the CPU, one size. */
    public static boolean fitsAdamW(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq) {
        long n = param.numel();
        for (Tensor t : new Tensor[] {param, grad, expAvg, expAvgSq})
            if (!t.device().is_cpu()
                    || t.scalar_type().value != torch.ScalarType.Float.value
                    || !t.is_contiguous()
                    || t.numel() != n) return false;
        return true;
    }

    /**
     * One AdamW step of {@code param} in place, in a single pass (the formula in the header's {@code uem_adamw_f32});
     * {@code expAvg} and {@code expAvgSq} are updated in place. The tensors must pass {@link #fitsAdamW}.
     */
    public static void adamW(
            Tensor param,
            Tensor grad,
            Tensor expAvg,
            Tensor expAvgSq,
            double decay,
            double beta1,
            double beta2,
            double stepSize,
            double invSqrtBc2,
            double eps,
            double gradScale) {
        requireLoaded();
        if (!fitsAdamW(param, grad, expAvg, expAvgSq))
            throw new IllegalArgumentException("adamw: float32, contiguous CPU tensors of one size expected, found "
                    + param.numel() + "/" + grad.numel() + "/" + expAvg.numel() + "/" + expAvgSq.numel() + " elements");
        check(
                UemKernels.uem_adamw_f32(
                        param.data_ptr(),
                        grad.data_ptr(),
                        expAvg.data_ptr(),
                        expAvgSq.data_ptr(),
                        param.numel(),
                        (float) decay,
                        (float) beta1,
                        (float) beta2,
                        (float) stepSize,
                        (float) invSqrtBc2,
                        (float) eps,
                        (float) gradScale),
                false,
                "adamw");
    }

    /** Sizes of one assembly call: batch, prompts, history rows, instruction tokens, row width, LM width, vocab. */
    public record Dims(long B, long k, long p, long n, long d, long e, long vocab) {
        public long length() {
            return k + p + n;
        }

        static Dims of(Tensor prompts, Tensor user, Tensor weight, Tensor table, Tensor ids) {
            return new Dims(
                    user.size(0),
                    prompts.size(0),
                    user.size(1),
                    ids.size(1),
                    user.size(2),
                    weight.size(0),
                    table.size(0));
        }
    }

    /** The encoder input {@code [B, k+p+n, e]} and its int64 mask {@code [B, k+p+n]}. */
    public record Output(Tensor embeds, Tensor mask) {}

    /**
     * {@code [prompts; user W^T + b (zero on padded rows); table[ids]]} and its mask. Runs without autograd.
     *
     * @param prompts  {@code [k, e]}        @param user     {@code [B, p, d]}    @param userMask {@code [B, p]} int64
     * @param weight   {@code [e, d]}        @param bias     {@code [e]}          @param table    {@code [V, e]}
     * @param ids      {@code [B, n]} int64  @param textMask {@code [B, n]} int64
     */
    public static Output forward(
            Tensor prompts,
            Tensor user,
            Tensor userMask,
            Tensor weight,
            Tensor bias,
            Tensor table,
            Tensor ids,
            Tensor textMask) {
        requireLoaded();
        Dims D = Dims.of(prompts, user, weight, table, ids);
        checkShapes(D, prompts, user, userMask, weight, bias, table, ids, textMask);
        int dtype = dtype(user, prompts, weight, bias, table);
        boolean cuda = onCuda(prompts, user, userMask, weight, bias, table, ids, textMask);
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor out = torch.empty(new long[] {D.B, D.length(), D.e}, user.options(), new MemoryFormatOptional());
            Tensor mask = torch.empty(new long[] {D.B, D.length()}, userMask.options(), new MemoryFormatOptional());
            Tensor[] in = {prompts, user, userMask, weight, bias, table, ids, textMask};
            for (int t = 0; t < in.length; t++) in[t] = in[t].contiguous();
            int rc = forwardCall(cuda, dtype, in, out, mask, D);
            check(rc, cuda, "prompt assembly forward");
            return new Output(out, mask);
        }
    }

    /** The C ABI's forward over contiguous inputs in {@link #forward}'s order; its return code. */
    private static int forwardCall(boolean cuda, int dtype, Tensor[] in, Tensor out, Tensor mask, Dims D) {
        Pointer[] p = new Pointer[in.length];
        for (int t = 0; t < in.length; t++) p[t] = in[t].data_ptr();
        return cuda
                ? UemKernels.uem_assemble_forward_cuda(
                        dtype,
                        p[0],
                        p[1],
                        p[2],
                        p[3],
                        p[4],
                        p[5],
                        p[6],
                        p[7],
                        out.data_ptr(),
                        mask.data_ptr(),
                        D.B,
                        D.k,
                        D.p,
                        D.n,
                        D.d,
                        D.e,
                        D.vocab,
                        null)
                : UemKernels.uem_assemble_forward_f32(
                        p[0],
                        p[1],
                        p[2],
                        p[3],
                        p[4],
                        p[5],
                        p[6],
                        p[7],
                        out.data_ptr(),
                        mask.data_ptr(),
                        D.B,
                        D.k,
                        D.p,
                        D.n,
                        D.d,
                        D.e,
                        D.vocab);
    }

    /**
     * Accumulates ({@code +=}) the gradients of {@link #forward} into the non-null buffers, which must be
     * contiguous and shaped like the corresponding input. {@code deterministic} only matters on CUDA (the CPU
     * scatter-add is always in order).
     */
    public static void backward(
            Tensor gradOut,
            Tensor user,
            Tensor userMask,
            Tensor weight,
            Tensor ids,
            long vocab,
            Tensor gradPrompts,
            Tensor gradUser,
            Tensor gradWeight,
            Tensor gradBias,
            Tensor gradTable,
            boolean deterministic) {
        requireLoaded();
        long B = user.size(0), p = user.size(1), d = user.size(2), n = ids.size(1), e = weight.size(0);
        long k = gradOut.size(1) - p - n;
        Dims D = new Dims(B, k, p, n, d, e, vocab);
        expect("grad_out", gradOut, B, D.length(), e);
        expect("user_mask", userMask, B, p);
        expect("weight", weight, e, d);
        expect("ids", ids, B, n);
        if (k < 0)
            throw new IllegalArgumentException(
                    "grad_out has " + gradOut.size(1) + " positions, fewer than p + n = " + (p + n));
        expectBuffer("grad_prompts", gradPrompts, k, e);
        expectBuffer("grad_user", gradUser, B, p, d);
        expectBuffer("grad_weight", gradWeight, e, d);
        expectBuffer("grad_bias", gradBias, e);
        expectBuffer("grad_table", gradTable, vocab, e);
        int dtype = dtype(gradOut, user, weight);
        boolean cuda = onCuda(gradOut, user, userMask, weight, ids);
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor go = gradOut.contiguous(),
                    uc = user.contiguous(),
                    umc = userMask.contiguous(),
                    wc = weight.contiguous(),
                    ic = ids.contiguous();
            int rc = cuda
                    ? UemKernels.uem_assemble_backward_cuda(
                            dtype,
                            go.data_ptr(),
                            uc.data_ptr(),
                            umc.data_ptr(),
                            wc.data_ptr(),
                            ic.data_ptr(),
                            ptr(gradPrompts),
                            ptr(gradUser),
                            ptr(gradWeight),
                            ptr(gradBias),
                            ptr(gradTable),
                            B,
                            k,
                            p,
                            n,
                            d,
                            e,
                            vocab,
                            deterministic ? 1 : 0,
                            null)
                    : UemKernels.uem_assemble_backward_f32(
                            go.data_ptr(),
                            uc.data_ptr(),
                            umc.data_ptr(),
                            wc.data_ptr(),
                            ic.data_ptr(),
                            ptr(gradPrompts),
                            ptr(gradUser),
                            ptr(gradWeight),
                            ptr(gradBias),
                            ptr(gradTable),
                            B,
                            k,
                            p,
                            n,
                            d,
                            e,
                            vocab);
            check(rc, cuda, "prompt assembly backward");
        }
    }

    // ---- checks ------------------------------------------------------------------------------------------------

    private static void requireLoaded() {
        if (LOAD_ERROR != null) throw new IllegalStateException(LOAD_ERROR + " (use --kernels torch)");
    }

    private static void checkShapes(
            Dims D,
            Tensor prompts,
            Tensor user,
            Tensor userMask,
            Tensor weight,
            Tensor bias,
            Tensor table,
            Tensor ids,
            Tensor textMask) {
        expect("prompts", prompts, D.k, D.e);
        expect("user", user, D.B, D.p, D.d);
        expect("user_mask", userMask, D.B, D.p);
        expect("weight", weight, D.e, D.d);
        expect("bias", bias, D.e);
        expect("table", table, D.vocab, D.e);
        expect("ids", ids, D.B, D.n);
        expect("text_mask", textMask, D.B, D.n);
        for (Tensor t : new Tensor[] {userMask, ids, textMask})
            if (t.scalar_type().value != torch.ScalarType.Long.value)
                throw new IllegalArgumentException("ids and masks must be int64, found " + t.scalar_type());
    }

    private static void expect(String name, Tensor t, long... shape) {
        if (t.dim() != shape.length)
            throw new IllegalArgumentException(name + ": expected " + shape.length + " dimensions, found " + t.dim());
        for (int i = 0; i < shape.length; i++)
            if (t.size(i) != shape[i])
                throw new IllegalArgumentException(name + ": expected shape " + java.util.Arrays.toString(shape)
                        + ", found size " + t.size(i) + " at dim " + i);
    }

    private static void expectBuffer(String name, Tensor t, long... shape) {
        if (t == null) return;
        expect(name, t, shape);
        if (!t.is_contiguous()) throw new IllegalArgumentException(name + ": gradient buffers must be contiguous");
    }

    private static int dtype(Tensor... ts) {
        int first = ts[0].scalar_type().value;
        for (Tensor t : ts)
            if (t.scalar_type().value != first)
                throw new IllegalArgumentException(
                        "float tensors differ in dtype: " + ts[0].scalar_type() + " vs " + t.scalar_type());
        if (first == torch.ScalarType.Float.value) return UemKernels.UEM_F32;
        if (first == torch.ScalarType.BFloat16.value && ts[0].is_cuda()) return UemKernels.UEM_BF16;
        throw new IllegalArgumentException("native kernels take float32 (CPU, CUDA) or bfloat16 " + "(CUDA), found "
                + ts[0].scalar_type() + (ts[0].is_cuda() ? " on CUDA" : " on CPU"));
    }

    private static boolean onCuda(Tensor... ts) {
        boolean cuda = ts[0].is_cuda();
        for (Tensor t : ts)
            if (t.is_cuda() != cuda)
                throw new IllegalArgumentException("tensors are on different devices (CPU and CUDA)");
        if (cuda) loadCuda();
        return cuda;
    }

    private static Pointer ptr(Tensor t) {
        return t == null ? null : t.data_ptr();
    }

    private static void check(int rc, boolean cuda, String what) {
        if (rc == 0) return;
        String msg = (cuda ? UemKernels.uem_cuda_last_error() : UemKernels.uem_last_error()).getString();
        throw new IllegalArgumentException("native " + what + " failed (code " + rc + "): " + msg);
    }

    /** Extracts {@code libuem_kernels_cuda.so} from the jar (JavaCPP's cache) and opens it, once. */
    private static synchronized void loadCuda() {
        if (cudaLoaded) return;
        String resource = Loader.getPlatform() + "/libuem_kernels_cuda.so";
        File lib;
        try {
            lib = Loader.cacheResource(UemKernels.class, resource);
        } catch (Exception e) {
            throw new IllegalStateException("cannot extract " + resource + ": " + e);
        }
        if (lib == null)
            throw new IllegalStateException("this build has no CUDA kernels (" + resource + " is missing): build "
                    + "with nvcc present or -Pgpu");
        if (UemKernels.uem_cuda_load(lib.getAbsolutePath()) != 0)
            throw new IllegalStateException(UemKernels.uem_cuda_last_error().getString());
        cudaLoaded = true;
    }
}
