"""PyTorch baseline for `native/gpu-check.sh`: the prompt assembly [P; U W^T + b (masked); E[ids]] and its backward
written with plain PyTorch ops (what libtorch ops do on the Java side), timed on the same shapes as uem_gpu_check's
table, float32 with TF32 off (the CUDA kernels compute in float32 too). CUDA events, 20 reps after 3 warm-ups."""
import torch

torch.backends.cuda.matmul.allow_tf32 = False
dev = "cuda"


def timed(fn, reps=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    a.record()
    for _ in range(reps):
        fn()
    b.record()
    torch.cuda.synchronize()
    return a.elapsed_time(b) / reps * 1e3  # microseconds


print("| shape    | pass              | time (us) |\n|---|---|---|")
for name, B, k, p, n, d, e, vocab in [("default", 16, 20, 50, 32, 1152, 256, 32128), ("paper", 128, 20, 100, 32, 2304, 768, 32128)]:
    P = torch.randn(k, e, device=dev, requires_grad=True)
    U = torch.randn(B, p, d, device=dev, requires_grad=True)
    W = torch.randn(e, d, device=dev, requires_grad=True)
    bias = torch.randn(e, device=dev, requires_grad=True)
    E = torch.randn(vocab, e, device=dev, requires_grad=True)
    um = (torch.rand(B, p, device=dev) > 0.2).long()
    ids = torch.randint(0, vocab, (B, n), device=dev)
    tm = torch.ones(B, n, dtype=torch.long, device=dev)

    def forward():
        user = (U @ W.t() + bias) * um.unsqueeze(-1).to(U.dtype)
        out = torch.cat([P.expand(B, k, e), user, E[ids]], 1)
        mask = torch.cat([torch.ones(B, k, dtype=torch.long, device=dev), um, tm], 1)
        return out, mask

    g = torch.randn(B, k + p + n, e, device=dev)
    with torch.no_grad():
        tf = timed(forward)
    out, _ = forward()

    def backward():
        for t in (P, U, W, bias, E):
            t.grad = None
        o, _ = forward()
        o.backward(g)

    tfb = timed(backward)
    print(f"| {name:8s} | forward           | {tf:9.1f} |")
    print(f"| {name:8s} | forward+backward  | {tfb:9.1f} |")
