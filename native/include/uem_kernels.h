/*
 * uem native kernels: the contract between Java (JavaCPP) and the C++ / CUDA implementations.
 *
 * Prompt assembly builds the T5 encoder input of the paper, [P_e ; UEM(U) W^T + b ; E[ids]], for a batch in one
 * pass instead of four (projection into a temporary, embedding gather, broadcast, concatenation):
 *
 *   out[b, i, :]         = prompts[i, :]                                  0 <= i < k     (task soft prompts)
 *   out[b, k + j, :]     = user_mask[b, j] ? W user[b, j, :] + bias : 0   0 <= j < p     (one soft token per movie)
 *   out[b, k + p + t, :] = table[ids[b, t], :]                            0 <= t < n     (instruction tokens)
 *   out_mask[b, :]       = [1]*k ++ user_mask[b, :] ++ text_mask[b, :]    (int64 0/1, the encoder's attention mask)
 *
 * with L = k + p + n. The backward pass takes grad_out [B, L, e] and ACCUMULATES (+=) into whichever gradient
 * buffers are non-NULL, the way autograd fills .grad (pass zeroed buffers for fresh values):
 *
 *   grad_prompts [k, e]   += sum_b grad_out[b, i]
 *   grad_weight  [e, d]   += sum over real rows of grad_out[b, k+j]^T user[b, j]
 *   grad_bias    [e]      += sum over real rows of grad_out[b, k+j]
 *   grad_user    [B, p, d]+= grad_out[b, k+j] W              (real rows only; padded rows get nothing)
 *   grad_table   [V, e]   += scatter-add of grad_out[b, k+p+t] into row ids[b, t]
 *
 * Layout: every buffer is dense, contiguous and row-major; W is [e, d] as in torch.nn.Linear; ids and masks are
 * int64. Sizes k, p, n may be 0; B >= 1. Return value: 0 on success, otherwise a UEM_ERR_* code.
 */
#ifndef UEM_KERNELS_H
#define UEM_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UEM_OK 0
#define UEM_ERR_SHAPE 1        /* a size is negative, or B < 1 */
#define UEM_ERR_TOKEN_ID 2     /* an id is outside [0, vocab) */
#define UEM_ERR_NO_CUDA 3      /* the CUDA library is not loaded, or no device */
#define UEM_ERR_CUDA 4         /* a CUDA call failed: see uem_last_error() */
#define UEM_ERR_DTYPE 5        /* unknown dtype code */

/* Element types of the CUDA entry points (the CPU ones are float32 only). */
#define UEM_F32 0
#define UEM_BF16 1

/* Human-readable description of the last error on this thread ("" when none). */
const char* uem_last_error(void);

/* Version of this ABI; Java refuses a library whose version differs from the one it was built for. */
int uem_abi_version(void);

/* The CPU projection runs its matrix products through the process's OpenBLAS (the one libtorch loaded) when
 * one is found, else through plain loops. mode: -1 query, 0 use the loops, 1 use BLAS if found.
 * Returns 1 when BLAS is in use afterwards, 0 otherwise. */
int uem_cpu_blas(int mode);

/* ---- CPU, float32 ---------------------------------------------------------------------------------------- */

int uem_assemble_forward_f32(const float* prompts, const float* user, const int64_t* user_mask,
                             const float* weight, const float* bias, const float* table,
                             const int64_t* ids, const int64_t* text_mask,
                             float* out, int64_t* out_mask,
                             int64_t B, int64_t k, int64_t p, int64_t n, int64_t d, int64_t e, int64_t vocab);

int uem_assemble_backward_f32(const float* grad_out, const float* user, const int64_t* user_mask,
                              const float* weight, const int64_t* ids,
                              float* grad_prompts, float* grad_user, float* grad_weight, float* grad_bias,
                              float* grad_table,
                              int64_t B, int64_t k, int64_t p, int64_t n, int64_t d, int64_t e, int64_t vocab);

/* Dropout's scaled keep-mask, float32, for n elements: scale[i] = lane(i) >= dropped ? keep_scale : 0, where lane(i)
 * is 16-bit lane i % 4 of splitmix64(seed + (i / 4 + 1) * 0x9E3779B97F4A7C15) (a counter-based generator: one
 * multiply-xorshift hash per four elements, no state, the same mask for the same seed on any machine).
 * dropped in [0, 65536] is the drop probability in units of 2^-16. */
int uem_dropout_scale_f32(float* scale, int64_t n, uint64_t seed, int32_t dropped, float keep_scale);

/* One AdamW step (decoupled weight decay, as torch.optim.AdamW) over n float32 elements in a single pass over the
 * four buffers, instead of the ~9 passes of the per-op form. The gradient is first scaled by grad_scale (gradient
 * clipping's factor, 1 for none), so clipping needs no pass of its own:
 *   g = grad * grad_scale;   param *= decay                       (decay = 1 - lr * weight_decay)
 *   m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g * g
 *   param -= step_size * m / (sqrt(v) * inv_sqrt_bc2 + eps)        (step_size = lr / (1 - beta1^t),
 *                                                                   inv_sqrt_bc2 = 1 / sqrt(1 - beta2^t))
 * The caller computes the step's scalars in double; the arithmetic here is float32, element by element in the order
 * above (the same values as the per-op form up to float rounding). */
int uem_adamw_f32(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                  float decay, float beta1, float beta2, float step_size, float inv_sqrt_bc2, float eps, float grad_scale);

/* ---- CUDA (float32 or bfloat16 storage, float32 accumulation) ------------------------------------------------
 * The CUDA kernels live in a separate library (libuem_kernels_cuda.so) so that this one never needs the CUDA
 * runtime. uem_cuda_load() dlopens it; afterwards the calls below forward to it. All pointers are device
 * pointers; stream is a cudaStream_t (NULL: the legacy default stream, which is PyTorch's unless changed).
 * deterministic != 0 makes the table scatter-add run in a fixed order (no atomics): bit-identical across runs. */

int uem_cuda_load(const char* library_path);
const char* uem_cuda_last_error(void);
int uem_cuda_device_count(void);

int uem_assemble_forward_cuda(int dtype, const void* prompts, const void* user, const int64_t* user_mask,
                              const void* weight, const void* bias, const void* table,
                              const int64_t* ids, const int64_t* text_mask,
                              void* out, int64_t* out_mask,
                              int64_t B, int64_t k, int64_t p, int64_t n, int64_t d, int64_t e, int64_t vocab,
                              void* stream);

int uem_assemble_backward_cuda(int dtype, const void* grad_out, const void* user, const int64_t* user_mask,
                               const void* weight, const int64_t* ids,
                               void* grad_prompts, void* grad_user, void* grad_weight, void* grad_bias,
                               void* grad_table,
                               int64_t B, int64_t k, int64_t p, int64_t n, int64_t d, int64_t e, int64_t vocab,
                               int deterministic, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* UEM_KERNELS_H */
