// GPU check (run by native/gpu-check.sh on a CUDA host): the CUDA kernels against the CPU ones on fresh random
// inputs, every element of every output compared, outputs poisoned with NaN first so an unwritten element fails;
// then CUDA timings against the memory-bandwidth floor (bytes the kernel must move / measured copy bandwidth).
//
//   uem_gpu_check [path/to/libuem_kernels_cuda.so]      exit 0: all checks passed; 1: a mismatch; 2: no GPU
#include <cuda_runtime.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "uem_kernels.h"

namespace {

#define CUDA_OK(x)                                                                              \
    do {                                                                                        \
        cudaError_t err_ = (x);                                                                 \
        if (err_ != cudaSuccess) {                                                              \
            std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(err_)); \
            std::exit(2);                                                                       \
        }                                                                                       \
    } while (0)

struct Shape {
    const char* name;
    int64_t B, k, p, n, d, e, vocab;
    bool all_padding_row;
};

template <typename T>
struct Dev {  // a device copy of a host vector
    T* ptr = nullptr;
    size_t count = 0;
    explicit Dev(const std::vector<T>& h) : count(h.size()) {
        CUDA_OK(cudaMalloc(&ptr, std::max<size_t>(1, count) * sizeof(T)));
        if (count) CUDA_OK(cudaMemcpy(ptr, h.data(), count * sizeof(T), cudaMemcpyHostToDevice));
    }
    ~Dev() { cudaFree(ptr); }
    std::vector<T> get() const {
        std::vector<T> h(count);
        if (count) CUDA_OK(cudaMemcpy(h.data(), ptr, count * sizeof(T), cudaMemcpyDeviceToHost));
        return h;
    }
};

std::vector<float> randn(size_t n, std::mt19937_64& rng) {
    std::normal_distribution<float> dist(0.f, 1.f);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

// max |a - b| / max(max |b|, 1e-6): the same scale-relative error as the Java checks
double rel_error(const std::vector<float>& a, const std::vector<float>& b) {
    double diff = 0, scale = 1e-6;
    for (size_t i = 0; i < b.size(); i++) {
        if (!std::isfinite(a[i])) return INFINITY;  // a poisoned (unwritten) element
        diff = std::max(diff, (double)std::fabs(a[i] - b[i]));
        scale = std::max(scale, (double)std::fabs(b[i]));
    }
    return diff / scale;
}

struct Inputs {
    std::vector<float> prompts, user, weight, bias, table, grad_out;
    std::vector<int64_t> user_mask, ids, text_mask;
};

Inputs make_inputs(const Shape& s, std::mt19937_64& rng) {
    Inputs in;
    int64_t L = s.k + s.p + s.n;
    in.prompts = randn(s.k * s.e, rng);
    in.user = randn(s.B * s.p * s.d, rng);
    in.weight = randn(s.e * s.d, rng);
    for (auto& w : in.weight) w /= std::sqrt((float)std::max<int64_t>(1, s.d));
    in.bias = randn(s.e, rng);
    in.table = randn(s.vocab * s.e, rng);
    in.grad_out = randn(s.B * L * s.e, rng);
    std::uniform_int_distribution<int64_t> len(0, s.p), tok(0, s.vocab - 1), tlen(1, std::max<int64_t>(1, s.n));
    in.user_mask.assign(s.B * s.p, 0);
    in.text_mask.assign(s.B * s.n, 0);
    in.ids.resize(s.B * s.n);
    for (int64_t b = 0; b < s.B; b++) {
        int64_t real = (s.all_padding_row && b == 0) ? 0 : len(rng);
        for (int64_t j = 0; j < real; j++) in.user_mask[b * s.p + j] = 1;
        int64_t tl = tlen(rng);
        for (int64_t t = 0; t < s.n; t++) {
            in.ids[b * s.n + t] = tok(rng);
            in.text_mask[b * s.n + t] = t < tl;
        }
    }
    return in;
}

bool check_shape(const Shape& s, std::mt19937_64& rng) {
    Inputs in = make_inputs(s, rng);
    const int64_t L = s.k + s.p + s.n;
    // CPU reference
    std::vector<float> out(s.B * L * s.e);
    std::vector<int64_t> mask(s.B * L);
    if (uem_assemble_forward_f32(in.prompts.data(), in.user.data(), in.user_mask.data(), in.weight.data(),
                                 in.bias.data(), in.table.data(), in.ids.data(), in.text_mask.data(), out.data(),
                                 mask.data(), s.B, s.k, s.p, s.n, s.d, s.e, s.vocab)) {
        std::printf("CPU forward failed: %s\n", uem_last_error());
        return false;
    }
    // gradients accumulate: start every buffer from the same random values on both sides
    std::vector<float> gp0 = randn(s.k * s.e, rng), gu0 = randn(s.B * s.p * s.d, rng), gw0 = randn(s.e * s.d, rng),
                       gb0 = randn(s.e, rng), gt0 = randn(s.vocab * s.e, rng);
    std::vector<float> gp = gp0, gu = gu0, gw = gw0, gb = gb0, gt = gt0;
    uem_assemble_backward_f32(in.grad_out.data(), in.user.data(), in.user_mask.data(), in.weight.data(), in.ids.data(),
                              gp.data(), gu.data(), gw.data(), gb.data(), gt.data(), s.B, s.k, s.p, s.n, s.d, s.e,
                              s.vocab);
    bool ok = true;
    for (int deterministic = 0; deterministic <= 1; deterministic++) {
        Dev<float> dp(in.prompts), du(in.user), dw(in.weight), db(in.bias), dt(in.table), dg(in.grad_out);
        Dev<int64_t> dum(in.user_mask), dids(in.ids), dtm(in.text_mask);
        Dev<float> dout(std::vector<float>(out.size()));
        Dev<int64_t> dmask(std::vector<int64_t>(mask.size()));
        CUDA_OK(cudaMemset(dout.ptr, 0xFF, out.size() * sizeof(float)));     // NaN poison
        CUDA_OK(cudaMemset(dmask.ptr, 0x7F, mask.size() * sizeof(int64_t)));  // garbage poison
        int rc = uem_assemble_forward_cuda(UEM_F32, dp.ptr, du.ptr, dum.ptr, dw.ptr, db.ptr, dt.ptr, dids.ptr, dtm.ptr,
                                           dout.ptr, dmask.ptr, s.B, s.k, s.p, s.n, s.d, s.e, s.vocab, nullptr);
        Dev<float> ggp(gp0), ggu(gu0), ggw(gw0), ggb(gb0), ggt(gt0);
        rc |= uem_assemble_backward_cuda(UEM_F32, dg.ptr, du.ptr, dum.ptr, dw.ptr, dids.ptr, ggp.ptr, ggu.ptr, ggw.ptr,
                                         ggb.ptr, ggt.ptr, s.B, s.k, s.p, s.n, s.d, s.e, s.vocab, deterministic, nullptr);
        CUDA_OK(cudaDeviceSynchronize());
        if (rc) {
            std::printf("%-22s CUDA call failed: %s\n", s.name, uem_cuda_last_error());
            return false;
        }
        bool mask_ok = dmask.get() == mask;
        double errs[6] = {rel_error(dout.get(), out), rel_error(ggp.get(), gp), rel_error(ggu.get(), gu),
                          rel_error(ggw.get(), gw), rel_error(ggb.get(), gb), rel_error(ggt.get(), gt)};
        double worst = 0;
        for (double x : errs) worst = std::max(worst, x);
        bool pass = mask_ok && worst <= 1e-5;
        std::printf("%-22s det=%d  out %.1e  mask %s  dP %.1e  dU %.1e  dW %.1e  db %.1e  dE %.1e  %s\n", s.name,
                    deterministic, errs[0], mask_ok ? "equal" : "DIFF", errs[1], errs[2], errs[3], errs[4], errs[5],
                    pass ? "ok" : "FAIL");
        ok &= pass;
    }
    return ok;
}

float time_ms(const std::function<void()>& fn, int reps) {
    cudaEvent_t a, b;
    cudaEventCreate(&a);
    cudaEventCreate(&b);
    fn();  // warm-up
    cudaEventRecord(a);
    for (int i = 0; i < reps; i++) fn();
    cudaEventRecord(b);
    cudaEventSynchronize(b);
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    return ms / reps;
}

double copy_bandwidth() {  // bytes/s of a device-to-device copy (read + write counted)
    size_t bytes = 512u << 20;
    void *x, *y;
    CUDA_OK(cudaMalloc(&x, bytes));
    CUDA_OK(cudaMalloc(&y, bytes));
    float ms = time_ms([&] { cudaMemcpy(y, x, bytes, cudaMemcpyDeviceToDevice); }, 10);
    cudaFree(x);
    cudaFree(y);
    return 2.0 * bytes / (ms * 1e-3);
}

void time_shape(const Shape& s, double bandwidth, std::mt19937_64& rng) {
    Inputs in = make_inputs(s, rng);
    const int64_t L = s.k + s.p + s.n;
    Dev<float> dp(in.prompts), du(in.user), dw(in.weight), db(in.bias), dt(in.table), dg(in.grad_out);
    Dev<int64_t> dum(in.user_mask), dids(in.ids), dtm(in.text_mask);
    Dev<float> dout(std::vector<float>(s.B * L * s.e)), gp(std::vector<float>(s.k * s.e)),
        gu(std::vector<float>(s.B * s.p * s.d)), gw(std::vector<float>(s.e * s.d)), gb(std::vector<float>(s.e)),
        gt(std::vector<float>(s.vocab * s.e));
    Dev<int64_t> dmask(std::vector<int64_t>(s.B * L));
    float fwd = time_ms([&] {
        uem_assemble_forward_cuda(UEM_F32, dp.ptr, du.ptr, dum.ptr, dw.ptr, db.ptr, dt.ptr, dids.ptr, dtm.ptr, dout.ptr,
                                  dmask.ptr, s.B, s.k, s.p, s.n, s.d, s.e, s.vocab, nullptr);
    }, 20);
    float bwd = time_ms([&] {
        uem_assemble_backward_cuda(UEM_F32, dg.ptr, du.ptr, dum.ptr, dw.ptr, dids.ptr, gp.ptr, gu.ptr, gw.ptr, gb.ptr,
                                   gt.ptr, s.B, s.k, s.p, s.n, s.d, s.e, s.vocab, 0, nullptr);
    }, 20);
    // bytes that must move at least once
    double f = 4.0, fwd_bytes = f * (s.k * s.e + s.B * s.p * s.d + s.e * s.d + s.e + s.B * s.n * s.e + s.B * L * s.e) +
                              8.0 * (s.B * s.p + 2 * s.B * s.n + s.B * L);
    double bwd_bytes = f * (s.B * L * s.e + s.B * s.p * s.d * 2 + s.e * s.d * 2 + s.k * s.e * 2 + s.e * 2 +
                            2 * s.B * s.n * s.e) + 8.0 * (s.B * s.p + s.B * s.n);
    double flops_f = 2.0 * s.B * s.p * s.d * s.e, flops_b = 2 * flops_f;
    auto row = [&](const char* dir, float ms, double bytes, double flops) {
        double floor_ms = bytes / bandwidth * 1e3;
        std::printf("| %-8s | %-8s | %9.1f | %9.1f | %6.2fx | %8.0f |\n", s.name, dir, ms * 1e3, floor_ms * 1e3,
                    ms / floor_ms, flops / (ms * 1e-3) / 1e9);
    };
    row("forward", fwd, fwd_bytes, flops_f);
    row("backward", bwd, bwd_bytes, flops_b);
}

std::string default_library() {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return "libuem_kernels_cuda.so";
    exe[n] = 0;
    std::string dir(exe);
    dir = dir.substr(0, dir.rfind('/'));
    return dir + "/../lib/libuem_kernels_cuda.so";
}

}  // namespace

int main(int argc, char** argv) {
    std::string lib = argc > 1 ? argv[1] : default_library();
    if (uem_cuda_load(lib.c_str()) != UEM_OK) {
        std::printf("cannot load CUDA kernels: %s\n", uem_cuda_last_error());
        return 2;
    }
    if (uem_cuda_device_count() < 1) {
        std::printf("no CUDA device\n");
        return 2;
    }
    cudaDeviceProp prop;
    CUDA_OK(cudaGetDeviceProperties(&prop, 0));
    std::random_device seed_source;
    uint64_t seed = ((uint64_t)seed_source() << 32) ^ seed_source();
    std::mt19937_64 rng(seed);
    std::printf("device: %s, seed %llu (fresh each run)\n", prop.name, (unsigned long long)seed);

    const Shape checks[] = {
        {"k0", 3, 0, 5, 4, 12, 16, 50, false},       {"p0", 3, 4, 0, 4, 12, 16, 50, false},
        {"n1", 2, 3, 5, 1, 12, 16, 50, false},       {"all-padding-row", 4, 2, 7, 3, 20, 24, 60, true},
        {"large-e", 2, 2, 3, 2, 40, 4096, 30, false}, {"odd", 5, 3, 67, 9, 70, 130, 500, true},
        {"default", 16, 20, 50, 32, 1152, 256, 32128, false},
    };
    bool ok = true;
    for (const Shape& s : checks) ok &= check_shape(s, rng);

    double bw = copy_bandwidth();
    std::printf("\ncopy bandwidth %.0f GB/s\n\n", bw / 1e9);
    std::printf("| shape    | pass     | time (us) | floor (us) | ratio | GFLOP/s  |\n|---|---|---|---|---|---|\n");
    time_shape({"default", 16, 20, 50, 32, 1152, 256, 32128, false}, bw, rng);
    time_shape({"paper", 128, 20, 100, 32, 2304, 768, 32128, false}, bw, rng);
    std::printf("\n%s\n", ok ? "ALL CHECKS PASSED" : "SOME CHECKS FAILED");
    return ok ? 0 : 1;
}
