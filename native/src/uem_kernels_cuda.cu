// CUDA implementation of the prompt-assembly kernels in uem_kernels.h, float32 and bfloat16 storage with float32
// accumulation. Built into its own library (libuem_kernels_cuda.so) that the CPU library dlopens on demand, so a
// machine without the CUDA runtime never needs it. Exported names end in _impl; the public names live in
// uem_cuda_loader.cpp.
//
// One matrix-product kernel (64x64 tiles, 16-deep K slices, 4x4 outputs per thread) serves the three products of
// the projection: it reads its operands through small accessor structs, so the forward writes U W^T + b straight
// into the output's user slice, and the backward reads grad_out's user slice in place: no temporaries.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "uem_kernels.h"

namespace {

thread_local std::string last_error;

__device__ __forceinline__ float to_f(float x) { return x; }
__device__ __forceinline__ float to_f(__nv_bfloat16 x) { return __bfloat162float(x); }
template <typename T> __device__ __forceinline__ T from_f(float x);
template <> __device__ __forceinline__ float from_f<float>(float x) { return x; }
template <> __device__ __forceinline__ __nv_bfloat16 from_f<__nv_bfloat16>(float x) { return __float2bfloat16(x); }

struct Dims {
    int64_t B, k, p, n, d, e, L;
};

// ---- tiled matrix product: C[M,N] = sum_K A(m,kk) B(kk,n), epilogue store(m, n, value) ----------------------

constexpr int BM = 64, BN = 64, BK = 16, TM = 4, TN = 4;  // 16x16 threads, 4x4 outputs each

template <typename LoadA, typename LoadB, typename Store>
__global__ void __launch_bounds__(256) gemm_kernel(int64_t M, int64_t N, int64_t K, LoadA A, LoadB Bm, Store store) {
    __shared__ float As[BK][BM + 1];
    __shared__ float Bs[BK][BN + 1];
    const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    const int64_t m0 = (int64_t)blockIdx.y * BM, n0 = (int64_t)blockIdx.x * BN;
    float acc[TM][TN] = {};
    for (int64_t k0 = 0; k0 < K; k0 += BK) {
        for (int i = threadIdx.x; i < BM * BK; i += 256) {
            int mm = i / BK, kk = i % BK;
            int64_t m = m0 + mm, kg = k0 + kk;
            As[kk][mm] = (m < M && kg < K) ? A(m, kg) : 0.f;
        }
        for (int i = threadIdx.x; i < BN * BK; i += 256) {
            int nn = i % BN, kk = i / BN;
            int64_t nidx = n0 + nn, kg = k0 + kk;
            Bs[kk][nn] = (nidx < N && kg < K) ? Bm(kg, nidx) : 0.f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < BK; kk++) {
            float a[TM], b[TN];
#pragma unroll
            for (int i = 0; i < TM; i++) a[i] = As[kk][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < TN; j++) b[j] = Bs[kk][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < TM; i++)
#pragma unroll
                for (int j = 0; j < TN; j++) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < TM; i++)
#pragma unroll
        for (int j = 0; j < TN; j++) {
            int64_t m = m0 + ty + 16 * i, nidx = n0 + tx + 16 * j;
            if (m < M && nidx < N) store(m, nidx, acc[i][j]);
        }
}

template <typename LoadA, typename LoadB, typename Store>
void gemm(int64_t M, int64_t N, int64_t K, LoadA a, LoadB b, Store s, cudaStream_t stream) {
    if (M == 0 || N == 0) return;
    dim3 grid((unsigned)((N + BN - 1) / BN), (unsigned)((M + BM - 1) / BM));
    gemm_kernel<<<grid, 256, 0, stream>>>(M, N, K, a, b, s);
}

// Row r = b*p + j of the flattened history; its place in grad_out / out is batch b, position k + j.
__device__ __forceinline__ int64_t user_row_offset(const Dims& D, int64_t r) {
    int64_t b = r / D.p, j = r % D.p;
    return (b * D.L + D.k + j) * D.e;
}

// forward operands
template <typename T> struct UserRows {      // A(m=r, kk) = user[r, kk], 0 for padded rows
    const T* user; const int64_t* mask; int64_t d;
    __device__ float operator()(int64_t r, int64_t kk) const { return mask[r] ? to_f(user[r * d + kk]) : 0.f; }
};
template <typename T> struct WeightT {       // B(kk, n=c) = W[c, kk]
    const T* w; int64_t d;
    __device__ float operator()(int64_t kk, int64_t c) const { return to_f(w[c * d + kk]); }
};
template <typename T> struct StoreProjection {  // out[b, k+j, c] = mask ? v + bias[c] : 0
    T* out; const T* bias; const int64_t* mask; Dims D;
    __device__ void operator()(int64_t r, int64_t c, float v) const {
        out[user_row_offset(D, r) + c] = from_f<T>(mask[r] ? v + to_f(bias[c]) : 0.f);
    }
};

// backward operands
template <typename T> struct GradUserRows {  // A(m=r, kk=c) = grad_out[b, k+j, c] (0 for padded rows)
    const T* g; const int64_t* mask; Dims D;
    __device__ float operator()(int64_t r, int64_t c) const { return mask[r] ? to_f(g[user_row_offset(D, r) + c]) : 0.f; }
};
template <typename T> struct Weight {        // B(kk=c, n) = W[c, n]
    const T* w; int64_t d;
    __device__ float operator()(int64_t c, int64_t nidx) const { return to_f(w[c * d + nidx]); }
};
template <typename T> struct AddUserGrad {   // grad_user[r, n] += v on real rows
    T* gu; const int64_t* mask; int64_t d;
    __device__ void operator()(int64_t r, int64_t nidx, float v) const {
        if (mask[r]) gu[r * d + nidx] = from_f<T>(to_f(gu[r * d + nidx]) + v);
    }
};
template <typename T> struct GradUserRowsT { // A(m=c, kk=r) = grad_out[b, k+j, c]
    const T* g; const int64_t* mask; Dims D;
    __device__ float operator()(int64_t c, int64_t r) const { return mask[r] ? to_f(g[user_row_offset(D, r) + c]) : 0.f; }
};
template <typename T> struct UserRowsK {     // B(kk=r, n) = user[r, n]
    const T* user; int64_t d;
    __device__ float operator()(int64_t r, int64_t nidx) const { return to_f(user[r * d + nidx]); }
};
template <typename T> struct AddDense {      // C[m, n] += v
    T* c; int64_t ld;
    __device__ void operator()(int64_t m, int64_t nidx, float v) const { c[m * ld + nidx] = from_f<T>(to_f(c[m * ld + nidx]) + v); }
};

// ---- element-wise parts ------------------------------------------------------------------------------------

// One block per (b, slot) with slot over the k prompt rows then the n token rows: copies e elements.
template <typename T>
__global__ void copy_prompts_tokens(const T* prompts, const T* table, const int64_t* ids, int64_t vocab, T* out,
                                    Dims D) {
    int64_t b = blockIdx.x / (D.k + D.n), s = blockIdx.x % (D.k + D.n);
    const T* src = nullptr;
    int64_t pos;
    if (s < D.k) {
        src = prompts + s * D.e;
        pos = s;
    } else {
        int64_t t = s - D.k, id = ids[b * D.n + t];
        src = (id >= 0 && id < vocab) ? table + id * D.e : nullptr;  // Java validates ids; never read out of bounds
        pos = D.k + D.p + t;
    }
    T* dst = out + (b * D.L + pos) * D.e;
    for (int64_t c = threadIdx.x; c < D.e; c += blockDim.x) dst[c] = src ? src[c] : from_f<T>(0.f);
}

__global__ void write_mask(const int64_t* user_mask, const int64_t* text_mask, int64_t* out_mask, Dims D) {
    int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= D.B * D.L) return;
    int64_t b = i / D.L, s = i % D.L;
    out_mask[i] = s < D.k ? 1 : s < D.k + D.p ? (user_mask[b * D.p + s - D.k] != 0) : (text_mask[b * D.n + s - D.k - D.p] != 0);
}

template <typename T>
__global__ void grad_prompts_kernel(const T* g, T* gp, Dims D) {  // gp[i, c] += sum_b g[b, i, c]
    int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= D.k * D.e) return;
    float s = 0.f;
    for (int64_t b = 0; b < D.B; b++) s += to_f(g[b * D.L * D.e + i]);
    gp[i] = from_f<T>(to_f(gp[i]) + s);
}

template <typename T>
__global__ void grad_bias_kernel(const T* g, const int64_t* mask, T* gb, Dims D) {  // column sums over real rows
    int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= D.e) return;
    float s = 0.f;
    for (int64_t r = 0; r < D.B * D.p; r++)
        if (mask[r]) s += to_f(g[user_row_offset(D, r) + c]);
    gb[c] = from_f<T>(to_f(gb[c]) + s);
}

__device__ __forceinline__ void atomic_add(float* a, float v) { atomicAdd(a, v); }
__device__ __forceinline__ void atomic_add(__nv_bfloat16* a, float v) { atomicAdd(a, __float2bfloat16(v)); }

template <typename T>
__global__ void grad_table_atomic(const T* g, const int64_t* ids, int64_t vocab, T* gt, Dims D) {
    int64_t r = blockIdx.x;  // one block per token position (b, t)
    int64_t b = r / D.n, t = r % D.n, id = ids[r];
    if (id < 0 || id >= vocab) return;
    const T* src = g + (b * D.L + D.k + D.p + t) * D.e;
    for (int64_t c = threadIdx.x; c < D.e; c += blockDim.x) atomic_add(gt + id * D.e + c, to_f(src[c]));
}

// Deterministic: thread c owns column c and walks the positions in order, so no two threads touch one element.
template <typename T>
__global__ void grad_table_ordered(const T* g, const int64_t* ids, int64_t vocab, T* gt, Dims D) {
    int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= D.e) return;
    for (int64_t r = 0; r < D.B * D.n; r++) {
        int64_t b = r / D.n, t = r % D.n, id = ids[r];
        if (id < 0 || id >= vocab) continue;
        T* dst = gt + id * D.e + c;
        *dst = from_f<T>(to_f(*dst) + to_f(g[(b * D.L + D.k + D.p + t) * D.e + c]));
    }
}

unsigned blocks(int64_t n, int threads) { return (unsigned)((n + threads - 1) / threads); }

int finish(const char* what) {
    cudaError_t err = cudaGetLastError();
    if (err == cudaSuccess) return UEM_OK;
    last_error = std::string(what) + ": " + cudaGetErrorString(err);
    return UEM_ERR_CUDA;
}

template <typename T>
int forward(const T* prompts, const T* user, const int64_t* user_mask, const T* weight, const T* bias, const T* table,
            const int64_t* ids, const int64_t* text_mask, T* out, int64_t* out_mask, Dims D, int64_t vocab,
            cudaStream_t st) {
    if (D.k + D.n > 0)
        copy_prompts_tokens<T><<<(unsigned)(D.B * (D.k + D.n)), 128, 0, st>>>(prompts, table, ids, vocab, out, D);
    if (D.p > 0)
        gemm(D.B * D.p, D.e, D.d, UserRows<T>{user, user_mask, D.d}, WeightT<T>{weight, D.d},
             StoreProjection<T>{out, bias, user_mask, D}, st);
    write_mask<<<blocks(D.B * D.L, 256), 256, 0, st>>>(user_mask, text_mask, out_mask, D);
    return finish("uem_assemble_forward_cuda");
}

template <typename T>
int backward(const T* g, const T* user, const int64_t* user_mask, const T* weight, const int64_t* ids, T* gp, T* gu,
             T* gw, T* gb, T* gt, Dims D, int64_t vocab, int deterministic, cudaStream_t st) {
    if (gp && D.k > 0) grad_prompts_kernel<T><<<blocks(D.k * D.e, 256), 256, 0, st>>>(g, gp, D);
    if (D.p > 0) {
        if (gb) grad_bias_kernel<T><<<blocks(D.e, 128), 128, 0, st>>>(g, user_mask, gb, D);
        if (gw)
            gemm(D.e, D.d, D.B * D.p, GradUserRowsT<T>{g, user_mask, D}, UserRowsK<T>{user, D.d}, AddDense<T>{gw, D.d}, st);
        if (gu)
            gemm(D.B * D.p, D.d, D.e, GradUserRows<T>{g, user_mask, D}, Weight<T>{weight, D.d},
                 AddUserGrad<T>{gu, user_mask, D.d}, st);
    }
    if (gt && D.n > 0) {
        if (deterministic) grad_table_ordered<T><<<blocks(D.e, 128), 128, 0, st>>>(g, ids, vocab, gt, D);
        else grad_table_atomic<T><<<(unsigned)(D.B * D.n), 128, 0, st>>>(g, ids, vocab, gt, D);
    }
    return finish("uem_assemble_backward_cuda");
}

int check(int64_t B, int64_t k, int64_t p, int64_t n, int64_t d, int64_t e, int64_t vocab) {
    if (B < 1 || k < 0 || p < 0 || n < 0 || d < 0 || e < 1 || vocab < 0) {
        last_error = "bad sizes";
        return UEM_ERR_SHAPE;
    }
    return UEM_OK;
}

}  // namespace

extern "C" {

const char* uem_cuda_impl_last_error(void) { return last_error.c_str(); }

int uem_cuda_impl_device_count(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) return 0;
    return n;
}

int uem_cuda_impl_forward(int dtype, const void* prompts, const void* user, const int64_t* user_mask,
                          const void* weight, const void* bias, const void* table, const int64_t* ids,
                          const int64_t* text_mask, void* out, int64_t* out_mask, int64_t B, int64_t k, int64_t p,
                          int64_t n, int64_t d, int64_t e, int64_t vocab, void* stream) {
    last_error.clear();
    if (int rc = check(B, k, p, n, d, e, vocab)) return rc;
    Dims D{B, k, p, n, d, e, k + p + n};
    auto st = static_cast<cudaStream_t>(stream);
    if (dtype == UEM_F32)
        return forward((const float*)prompts, (const float*)user, user_mask, (const float*)weight, (const float*)bias,
                       (const float*)table, ids, text_mask, (float*)out, out_mask, D, vocab, st);
    if (dtype == UEM_BF16) {
        using B16 = __nv_bfloat16;
        return forward((const B16*)prompts, (const B16*)user, user_mask, (const B16*)weight, (const B16*)bias,
                       (const B16*)table, ids, text_mask, (B16*)out, out_mask, D, vocab, st);
    }
    last_error = "unknown dtype code";
    return UEM_ERR_DTYPE;
}

int uem_cuda_impl_backward(int dtype, const void* grad_out, const void* user, const int64_t* user_mask,
                           const void* weight, const int64_t* ids, void* grad_prompts, void* grad_user,
                           void* grad_weight, void* grad_bias, void* grad_table, int64_t B, int64_t k, int64_t p,
                           int64_t n, int64_t d, int64_t e, int64_t vocab, int deterministic, void* stream) {
    last_error.clear();
    if (int rc = check(B, k, p, n, d, e, vocab)) return rc;
    Dims D{B, k, p, n, d, e, k + p + n};
    auto st = static_cast<cudaStream_t>(stream);
    if (dtype == UEM_F32)
        return backward((const float*)grad_out, (const float*)user, user_mask, (const float*)weight, ids,
                        (float*)grad_prompts, (float*)grad_user, (float*)grad_weight, (float*)grad_bias,
                        (float*)grad_table, D, vocab, deterministic, st);
    if (dtype == UEM_BF16) {
        using B16 = __nv_bfloat16;
        return backward((const B16*)grad_out, (const B16*)user, user_mask, (const B16*)weight, ids, (B16*)grad_prompts,
                        (B16*)grad_user, (B16*)grad_weight, (B16*)grad_bias, (B16*)grad_table, D, vocab,
                        deterministic, st);
    }
    last_error = "unknown dtype code";
    return UEM_ERR_DTYPE;
}

}  // extern "C"
