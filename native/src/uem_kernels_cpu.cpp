// CPU implementation of uem_kernels.h (float32). Single-threaded by design: libtorch runs one intra-op thread on
// the machines we train on, and the only heavy part, the projection's matrix products, goes to the OpenBLAS that
// libtorch itself uses, so both paths of a comparison multiply matrices with the same code.
#include "uem_kernels.h"

#include <dlfcn.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

thread_local std::string last_error;

int fail(int code, const std::string& message) {
    last_error = message;
    return code;
}

// ---- matrix products, row-major: gemm_nt overwrites C, gemm_nn and gemm_tn accumulate into it ---------------------------------------------------------

enum { kRowMajor = 101, kNoTrans = 111, kTrans = 112 };
using cblas_sgemm_fn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                                float*, int);

struct Blas {
    cblas_sgemm_fn sgemm = nullptr;
    bool enabled = false;

    Blas() {
        // Reuse the OpenBLAS already in the process (RTLD_NOLOAD: never load a second copy). Only the LP64
        // interface matches the int arguments below.
        for (const char* name : {"libopenblas.so.0", "libopenblas_nolapack.so.0", "libopenblas.so"}) {
            void* h = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
            if (!h) continue;
            auto config = reinterpret_cast<const char* (*)()>(dlsym(h, "openblas_get_config"));
            if (config && std::strstr(config(), "USE64BITINT")) continue;
            sgemm = reinterpret_cast<cblas_sgemm_fn>(dlsym(h, "cblas_sgemm"));
            if (sgemm) break;
        }
        enabled = sgemm != nullptr;
    }
};

Blas& blas() {
    static Blas b;
    return b;
}

// C = op(A) op(B) + beta C through OpenBLAS, when it is in use and the sizes fit its int arguments; false means
// the caller's own loops must do it.
bool blas_gemm(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
               int64_t ldb, float beta, float* C, int64_t ldc) {
    if (!blas().enabled || M >= INT_MAX || N >= INT_MAX || K >= INT_MAX) return false;
    blas().sgemm(kRowMajor, trans_a, trans_b, (int)M, (int)N, (int)K, 1.f, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
    return true;
}

// C[M,N] += A[M,K] B[K,N]
void gemm_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
             int64_t ldc) {
    if (blas_gemm(kNoTrans, kNoTrans, M, N, K, A, lda, B, ldb, 1.f, C, ldc)) return;
    for (int64_t i = 0; i < M; i++) {
        float* c = C + i * ldc;
        for (int64_t kk = 0; kk < K; kk++) {
            const float a = A[i * lda + kk];
            const float* b = B + kk * ldb;
            for (int64_t j = 0; j < N; j++) c[j] += a * b[j];  // unit stride: vectorised by the compiler
        }
    }
}

// C[M,N] = A[M,K] B[N,K]^T   (overwrites C: the forward's scratch needs no zero-fill)
void gemm_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
             int64_t ldc) {
    if (blas_gemm(kNoTrans, kTrans, M, N, K, A, lda, B, ldb, 0.f, C, ldc)) return;
    for (int64_t i = 0; i < M; i++) {
        const float* a = A + i * lda;
        for (int64_t j = 0; j < N; j++) {
            const float* b = B + j * ldb;
            float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // 8 independent sums: vectorisable without -ffast-math
            int64_t kk = 0;
            for (; kk + 8 <= K; kk += 8)
                for (int l = 0; l < 8; l++) acc[l] += a[kk + l] * b[kk + l];
            float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
            for (; kk < K; kk++) s += a[kk] * b[kk];
            C[i * ldc + j] = s;
        }
    }
}

// C[M,N] += A[K,M]^T B[K,N]
void gemm_tn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
             int64_t ldc) {
    if (blas_gemm(kTrans, kNoTrans, M, N, K, A, lda, B, ldb, 1.f, C, ldc)) return;
    for (int64_t kk = 0; kk < K; kk++) {
        const float* b = B + kk * ldb;
        for (int64_t i = 0; i < M; i++) {
            const float a = A[kk * lda + i];
            float* c = C + i * ldc;
            for (int64_t j = 0; j < N; j++) c[j] += a * b[j];
        }
    }
}

// Per-thread scratch buffers, grown on demand and kept for the next call (no allocation per step).
float* scratch(int slot, int64_t count) {
    thread_local std::vector<float> buffers[2];
    auto& v = buffers[slot];
    if ((int64_t)v.size() < count) v.resize((size_t)count);
    return v.data();
}

int check_sizes(int64_t B, int64_t k, int64_t p, int64_t n, int64_t d, int64_t e, int64_t vocab) {
    if (B < 1 || k < 0 || p < 0 || n < 0 || d < 0 || e < 1 || vocab < 0) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "bad sizes B=%lld k=%lld p=%lld n=%lld d=%lld e=%lld vocab=%lld",
                      (long long)B, (long long)k, (long long)p, (long long)n, (long long)d, (long long)e,
                      (long long)vocab);
        return fail(UEM_ERR_SHAPE, buf);
    }
    return UEM_OK;
}

int check_ids(const int64_t* ids, int64_t count, int64_t vocab) {
    for (int64_t i = 0; i < count; i++)
        if (ids[i] < 0 || ids[i] >= vocab) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "token id %lld at flat position %lld is outside [0, %lld)",
                          (long long)ids[i], (long long)i, (long long)vocab);
            return fail(UEM_ERR_TOKEN_ID, buf);
        }
    return UEM_OK;
}

}  // namespace

extern "C" {

const char* uem_last_error(void) { return last_error.c_str(); }

int uem_abi_version(void) { return 3; }

int uem_dropout_scale_f32(float* scale, int64_t n, uint64_t seed, int32_t dropped, float keep_scale) {
    if (n < 0 || dropped < 0 || dropped > 65536 || (n > 0 && scale == nullptr)) return fail(UEM_ERR_SHAPE, "dropout: n >= 0, dropped in [0, 65536] and a buffer expected");
    const uint32_t limit = (uint32_t)dropped;
    auto draw = [seed](uint64_t counter) {  // splitmix64's output function over a counter
        uint64_t z = seed + (counter + 1) * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    };
    int64_t full = n / 4;
    for (int64_t c = 0; c < full; c++) {
        uint64_t r = draw((uint64_t)c);
        float* s = scale + 4 * c;
        for (int j = 0; j < 4; j++) s[j] = ((uint32_t)((r >> (16 * j)) & 0xFFFF) >= limit) ? keep_scale : 0.0f;
    }
    if (n % 4 != 0) {
        uint64_t r = draw((uint64_t)full);
        for (int64_t i = 4 * full, j = 0; i < n; i++, j++) scale[i] = ((uint32_t)((r >> (16 * j)) & 0xFFFF) >= limit) ? keep_scale : 0.0f;
    }
    return UEM_OK;
}

int uem_adamw_f32(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                  float decay, float beta1, float beta2, float step_size, float inv_sqrt_bc2, float eps, float grad_scale) {
    if (n < 0 || (n > 0 && (param == nullptr || grad == nullptr || exp_avg == nullptr || exp_avg_sq == nullptr)))
        return fail(UEM_ERR_SHAPE, "adamw: n >= 0 and four buffers expected");
    const float one_minus_beta1 = 1.0f - beta1, one_minus_beta2 = 1.0f - beta2;
    // one loop without branches or aliasing between the buffers: the compiler vectorises it (sqrtps / divps)
    float* __restrict p = param;
    const float* __restrict gr = grad;
    float* __restrict m = exp_avg;
    float* __restrict v = exp_avg_sq;
    for (int64_t i = 0; i < n; i++) {
        float g = gr[i] * grad_scale;
        float mi = beta1 * m[i] + one_minus_beta1 * g;
        float vi = beta2 * v[i] + one_minus_beta2 * g * g;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - step_size * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
    }
    return UEM_OK;
}

int uem_cpu_blas(int mode) {
    if (mode == 0) blas().enabled = false;
    if (mode == 1) blas().enabled = blas().sgemm != nullptr;
    return blas().enabled ? 1 : 0;
}

int uem_assemble_forward_f32(const float* prompts, const float* user, const int64_t* user_mask,
                             const float* weight, const float* bias, const float* table,
                             const int64_t* ids, const int64_t* text_mask,
                             float* out, int64_t* out_mask,
                             int64_t B, int64_t k, int64_t p, int64_t n, int64_t d, int64_t e, int64_t vocab) {
    last_error.clear();
    if (int rc = check_sizes(B, k, p, n, d, e, vocab)) return rc;
    if (int rc = check_ids(ids, B * n, vocab)) return rc;
    const int64_t L = k + p + n;
    const size_t row_bytes = sizeof(float) * (size_t)e;
    // One matrix product for all B*p rows, into a scratch buffer that is reused across calls: a product per batch
    // row would re-pack W every time (measured 1.5x slower per useful FLOP), and the output's user slices are
    // not one strided matrix. Padded rows are computed and dropped, as libtorch's linear does.
    float* projected = scratch(0, B * p * e);
    gemm_nt(B * p, e, d, user, d, weight, d, projected, e);
    for (int64_t b = 0; b < B; b++) {
        float* o = out + b * L * e;
        const int64_t* um = user_mask + b * p;
        if (k > 0) std::memcpy(o, prompts, row_bytes * (size_t)k);
        // user slice: bias plus the row's product, computed for the whole batch below; zero on padded rows
        float* u_out = o + k * e;
        const float* proj = projected + b * p * e;
        for (int64_t j = 0; j < p; j++) {
            float* dst = u_out + j * e;
            if (um[j]) {
                const float* src = proj + j * e;
                for (int64_t c = 0; c < e; c++) dst[c] = src[c] + bias[c];
            } else {
                std::memset(dst, 0, row_bytes);
            }
        }
        float* t_out = u_out + p * e;
        for (int64_t t = 0; t < n; t++) std::memcpy(t_out + t * e, table + ids[b * n + t] * e, row_bytes);

        int64_t* m = out_mask + b * L;
        for (int64_t i = 0; i < k; i++) m[i] = 1;
        for (int64_t j = 0; j < p; j++) m[k + j] = um[j] != 0;
        for (int64_t t = 0; t < n; t++) m[k + p + t] = text_mask[b * n + t] != 0;
    }
    return UEM_OK;
}

int uem_assemble_backward_f32(const float* grad_out, const float* user, const int64_t* user_mask,
                              const float* weight, const int64_t* ids,
                              float* grad_prompts, float* grad_user, float* grad_weight, float* grad_bias,
                              float* grad_table,
                              int64_t B, int64_t k, int64_t p, int64_t n, int64_t d, int64_t e, int64_t vocab) {
    last_error.clear();
    if (int rc = check_sizes(B, k, p, n, d, e, vocab)) return rc;
    if (grad_table)
        if (int rc = check_ids(ids, B * n, vocab)) return rc;
    const int64_t L = k + p + n;
    // Gather the user slices of grad_out into one [B*p, e] matrix (padded rows zero), so that dW and dU are one
    // matrix product each; db, dP and the table scatter-add read grad_out in place.
    float* gy = nullptr;
    if (p > 0 && (grad_weight || grad_user || grad_bias)) {
        gy = scratch(1, B * p * e);
        for (int64_t b = 0; b < B; b++)
            for (int64_t j = 0; j < p; j++) {
                float* dst = gy + (b * p + j) * e;
                if (user_mask[b * p + j]) std::memcpy(dst, grad_out + (b * L + k + j) * e, sizeof(float) * (size_t)e);
                else std::memset(dst, 0, sizeof(float) * (size_t)e);
            }
        if (grad_bias)
            for (int64_t r = 0; r < B * p; r++)
                for (int64_t c = 0; c < e; c++) grad_bias[c] += gy[r * e + c];
        if (grad_weight) gemm_tn(e, d, B * p, gy, e, user, d, grad_weight, d);
        if (grad_user) {
            // padded rows must get nothing: their gy rows are zero, so the product adds exact zeros there
            gemm_nn(B * p, d, e, gy, e, weight, d, grad_user, d);
        }
    }
    for (int64_t b = 0; b < B; b++) {
        const float* g = grad_out + b * L * e;
        if (grad_prompts)
            for (int64_t i = 0; i < k * e; i++) grad_prompts[i] += g[i];
        if (grad_table) {
            // sequential scatter-add: the same order every run, so deterministic without a special mode
            const float* gt = g + (k + p) * e;
            for (int64_t t = 0; t < n; t++) {
                float* row = grad_table + ids[b * n + t] * e;
                const float* src = gt + t * e;
                for (int64_t c = 0; c < e; c++) row[c] += src[c];
            }
        }
    }
    return UEM_OK;
}

}  // extern "C"
