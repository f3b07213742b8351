// The public CUDA entry points of uem_kernels.h, kept in the CPU library: they forward to
// libuem_kernels_cuda.so once uem_cuda_load() has opened it. This way the CPU library has no dependency on the
// CUDA runtime, and a machine without one simply reports UEM_ERR_NO_CUDA.
#include <dlfcn.h>

#include <string>

#include "uem_kernels.h"

namespace {

using forward_fn = int (*)(int, const void*, const void*, const int64_t*, const void*, const void*, const void*,
                           const int64_t*, const int64_t*, void*, int64_t*, int64_t, int64_t, int64_t, int64_t,
                           int64_t, int64_t, int64_t, void*);
using backward_fn = int (*)(int, const void*, const void*, const int64_t*, const void*, const int64_t*, void*, void*,
                            void*, void*, void*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int,
                            void*);

struct CudaLibrary {
    forward_fn forward = nullptr;
    backward_fn backward = nullptr;
    int (*device_count)() = nullptr;
    const char* (*last_error)() = nullptr;
};

CudaLibrary cuda;
thread_local std::string load_error;

int not_loaded() {
    load_error = "the CUDA kernels are not loaded (uem_cuda_load was not called or failed)";
    return UEM_ERR_NO_CUDA;
}

}  // namespace

// Errors of the CUDA calls: a load failure recorded here, else the CUDA library's own last error.
extern "C" const char* uem_cuda_last_error(void) {
    if (!load_error.empty()) return load_error.c_str();
    return cuda.last_error ? cuda.last_error() : "";
}

extern "C" int uem_cuda_load(const char* library_path) {
    load_error.clear();
    if (cuda.forward) return UEM_OK;
    void* h = dlopen(library_path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char* why = dlerror();
        load_error = std::string("cannot load ") + library_path + ": " + (why ? why : "unknown reason");
        return UEM_ERR_NO_CUDA;
    }
    CudaLibrary c;
    c.forward = reinterpret_cast<forward_fn>(dlsym(h, "uem_cuda_impl_forward"));
    c.backward = reinterpret_cast<backward_fn>(dlsym(h, "uem_cuda_impl_backward"));
    c.device_count = reinterpret_cast<int (*)()>(dlsym(h, "uem_cuda_impl_device_count"));
    c.last_error = reinterpret_cast<const char* (*)()>(dlsym(h, "uem_cuda_impl_last_error"));
    if (!c.forward || !c.backward || !c.device_count || !c.last_error) {
        load_error = std::string(library_path) + " lacks the uem_cuda_impl_* entry points";
        dlclose(h);
        return UEM_ERR_NO_CUDA;
    }
    cuda = c;
    return UEM_OK;
}

extern "C" int uem_cuda_device_count(void) { return cuda.device_count ? cuda.device_count() : 0; }

extern "C" int uem_assemble_forward_cuda(int dtype, const void* prompts, const void* user, const int64_t* user_mask,
                                         const void* weight, const void* bias, const void* table, const int64_t* ids,
                                         const int64_t* text_mask, void* out, int64_t* out_mask, int64_t B, int64_t k,
                                         int64_t p, int64_t n, int64_t d, int64_t e, int64_t vocab, void* stream) {
    if (!cuda.forward) return not_loaded();
    load_error.clear();
    return cuda.forward(dtype, prompts, user, user_mask, weight, bias, table, ids, text_mask, out, out_mask, B, k, p,
                        n, d, e, vocab, stream);
}

extern "C" int uem_assemble_backward_cuda(int dtype, const void* grad_out, const void* user,
                                          const int64_t* user_mask, const void* weight, const int64_t* ids,
                                          void* grad_prompts, void* grad_user, void* grad_weight, void* grad_bias,
                                          void* grad_table, int64_t B, int64_t k, int64_t p, int64_t n, int64_t d,
                                          int64_t e, int64_t vocab, int deterministic, void* stream) {
    if (!cuda.backward) return not_loaded();
    load_error.clear();
    return cuda.backward(dtype, grad_out, user, user_mask, weight, ids, grad_prompts, grad_user, grad_weight,
                         grad_bias, grad_table, B, k, p, n, d, e, vocab, deterministic, stream);
}
