#!/usr/bin/env python3
"""A plain PyTorch (eager) T5 v1.1 training step: the reference `uem bench t5-step` is compared with.

Written for this comparison from the T5 paper (Raffel et al. 2020) and the v1.1 configuration, not from another code
base: pre-norm blocks with RMSNorm (scale only), attention without the 1/sqrt(d) scaling and with a learned relative
position bias (32 buckets, max distance 128, first layer of each stack, shared by the others), a gated-GELU feed-forward
(tanh GELU), an untied LM head, dropout 0.1 after embeddings, attention weights, sub-layers and the final norm.
One step = zero_grad, forward, cross-entropy, backward, clip_grad_norm_(1.0), AdamW(lr 1e-4, weight decay 0.01):
the same work, shapes and defaults as `uem bench t5-step` (t5-mini: d_model 256, 4+4 layers, 4 heads of 64, d_ff 1024,
vocabulary 32128; batch 16, encoder 128 tokens, decoder 16).

Usage: python3 t5_step.py [--threads N] [--steps N] [--config t5-mini|flan-t5-base] [--bf16] [--no-flush-denormal]
       (Debian: apt-get install python3-torch); --bf16 runs the forward pass under torch.autocast("cpu", bfloat16).
Prints one line: median ms/step, its p10/p90, the sgemm peak (1024^3) measured in this process, and the settings.
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Config:
    vocab, d_model, d_kv, heads, d_ff, layers = 32128, 256, 64, 4, 1024, 4
    buckets, max_distance, dropout, eps = 32, 128, 0.1, 1e-6


# the shapes `uem bench t5-step --config NAME` builds (google/flan-t5-base's configuration for the second)
SHAPES = {
    "t5-mini": dict(d_model=256, d_kv=64, heads=4, d_ff=1024, layers=4),
    "flan-t5-base": dict(d_model=768, d_kv=64, heads=12, d_ff=2048, layers=12),
}


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(d)), eps

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)


def bucket(relative, bidirectional, buckets, max_distance):
    """T5's log-spaced relative position buckets (paper, section 2.1)."""
    out = torch.zeros_like(relative)
    if bidirectional:
        buckets //= 2
        out += (relative > 0).long() * buckets
        n = relative.abs()
    else:
        n = (-relative).clamp(min=0)
    exact = buckets // 2
    large = exact + (torch.log(n.float().clamp(min=1) / exact) / math.log(max_distance / exact) * (buckets - exact)).long()
    large = large.clamp(max=buckets - 1)
    return out + torch.where(n < exact, n, large)


class Attention(nn.Module):
    def __init__(self, c, has_bias, bidirectional):
        super().__init__()
        inner = c.heads * c.d_kv
        self.q, self.k, self.v = (nn.Linear(c.d_model, inner, bias=False) for _ in range(3))
        self.o = nn.Linear(inner, c.d_model, bias=False)
        self.c, self.bidirectional = c, bidirectional
        self.bias = nn.Embedding(c.buckets, c.heads) if has_bias else None

    def position_bias(self, q_len, k_len, device):
        rel = torch.arange(k_len, device=device)[None, :] - torch.arange(q_len, device=device)[:, None]
        b = bucket(rel, self.bidirectional, self.c.buckets, self.c.max_distance)
        return self.bias(b).permute(2, 0, 1).unsqueeze(0)

    def forward(self, x, memory, bias, cache=None):
        b, lq, _ = x.shape
        src = x if memory is None else memory
        split = lambda t: t.view(b, -1, self.c.heads, self.c.d_kv).transpose(1, 2)
        q = split(self.q(x))
        if cache is not None and memory is not None and "k" in cache:      # cross-attention: keys/values once
            k, v = cache["k"], cache["v"]
        else:
            k, v = split(self.k(src)), split(self.v(src))
            if cache is not None and memory is None and "k" in cache:    # self-attention: append to the past
                k, v = torch.cat([cache["k"], k], 2), torch.cat([cache["v"], v], 2)
            if cache is not None:
                cache["k"], cache["v"] = k, v
        scores = q @ k.transpose(-1, -2) + bias            # no 1/sqrt(d_kv): T5 folds it into the initialisation
        w = F.dropout(scores.float().softmax(-1).type_as(scores), self.c.dropout, self.training)
        return self.o((w @ v).transpose(1, 2).reshape(b, lq, -1))


class FeedForward(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wi_0, self.wi_1 = nn.Linear(c.d_model, c.d_ff, bias=False), nn.Linear(c.d_model, c.d_ff, bias=False)
        self.wo, self.p = nn.Linear(c.d_ff, c.d_model, bias=False), c.dropout

    def forward(self, x):
        return self.wo(F.dropout(F.gelu(self.wi_0(x), approximate="tanh") * self.wi_1(x), self.p, self.training))


class Block(nn.Module):
    def __init__(self, c, first, decoder):
        super().__init__()
        self.self_norm, self.self_attn = RMSNorm(c.d_model, c.eps), Attention(c, first, not decoder)
        self.cross_norm = RMSNorm(c.d_model, c.eps) if decoder else None
        self.cross_attn = Attention(c, False, True) if decoder else None
        self.ff_norm, self.ff, self.p = RMSNorm(c.d_model, c.eps), FeedForward(c), c.dropout

    def forward(self, x, bias, memory=None, memory_bias=None, cache=None):
        drop = lambda t: F.dropout(t, self.p, self.training)
        x = x + drop(self.self_attn(self.self_norm(x), None, bias, None if cache is None else cache.setdefault("self", {})))
        if self.cross_attn is not None:
            x = x + drop(self.cross_attn(self.cross_norm(x), memory, memory_bias, None if cache is None else cache.setdefault("cross", {})))
        return x + drop(self.ff(self.ff_norm(x)))


class Stack(nn.Module):
    def __init__(self, c, decoder):
        super().__init__()
        self.blocks = nn.ModuleList(Block(c, i == 0, decoder) for i in range(c.layers))
        self.norm, self.p, self.decoder = RMSNorm(c.d_model, c.eps), c.dropout, decoder

    def forward(self, x, memory=None):
        n = x.shape[1]
        bias = self.blocks[0].self_attn.position_bias(n, n, x.device)
        if self.decoder:
            bias = bias + torch.triu(torch.full((n, n), -1e9, device=x.device), 1)
        x = F.dropout(x, self.p, self.training)
        for blk in self.blocks:
            x = blk(x, bias, memory, 0.0)
        return F.dropout(self.norm(x), self.p, self.training)


def decode_step(stack, x, memory, caches, position):
    """One decoder position against the cached past (greedy generation): the bias row of query `position`."""
    attn = stack.blocks[0].self_attn
    rel = torch.arange(position + 1)[None, :] - position
    bias = attn.bias(bucket(rel, False, attn.c.buckets, attn.c.max_distance)).permute(2, 0, 1).unsqueeze(0)
    for blk, cache in zip(stack.blocks, caches):
        x = blk(x, bias, memory, 0.0, cache)
    return stack.norm(x)


class T5(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.shared = nn.Embedding(c.vocab, c.d_model)
        self.encoder, self.decoder = Stack(c, False), Stack(c, True)
        self.lm_head = nn.Linear(c.d_model, c.vocab, bias=False)

    def forward(self, ids, labels):
        memory = self.encoder(self.shared(ids))
        start = torch.zeros_like(labels[:, :1])
        dec_in = torch.cat([start, labels[:, :-1]], 1)
        logits = self.lm_head(self.decoder(self.shared(dec_in), memory))
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)


@torch.inference_mode()
def generate(model, ids, max_new_tokens, eos=1):
    """Greedy decoding with a key/value cache, as HF generate(do_sample=False, num_beams=1): start token 0, argmax,
    finished rows get the pad id 0, stop when every row has emitted EOS or after max_new_tokens."""
    model.eval()
    memory = model.encoder(model.shared(ids))
    b = ids.shape[0]
    caches = [dict() for _ in model.decoder.blocks]
    nxt = torch.zeros(b, 1, dtype=torch.long)
    done = torch.zeros(b, dtype=torch.bool)
    out = [nxt]
    for t in range(max_new_tokens):
        h = decode_step(model.decoder, model.shared(nxt), memory, caches, t)
        nxt = model.lm_head(h[:, -1]).argmax(-1)
        nxt = torch.where(done, torch.zeros_like(nxt), nxt)
        done |= nxt == eos
        nxt = nxt[:, None]
        out.append(nxt)
        if bool(done.all()):
            break
    return torch.cat(out, 1)


def sgemm_peak(n=1024, reps=12):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n ** 3 * reps / (time.perf_counter() - t) / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--enc-len", type=int, default=128)
    ap.add_argument("--dec-len", type=int, default=16)
    ap.add_argument("--no-flush-denormal", action="store_true")
    ap.add_argument("--config", choices=sorted(SHAPES), default="t5-mini")
    ap.add_argument("--bf16", action="store_true", help="forward pass under bfloat16 autocast, weights in float32")
    ap.add_argument("--decode", type=int, default=0, metavar="N",
                    help="instead of training steps: greedy decoding of N new tokens for --batch inputs of --enc-len tokens")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if not a.no_flush_denormal:
        torch.set_flush_denormal(True)      # PyTorch's best CPU setting: a fresh LM head's tiny probabilities go denormal
    torch.manual_seed(0)
    peak = sgemm_peak()
    c = Config()
    for k, v in SHAPES[a.config].items():
        setattr(c, k, v)
    model = T5(c).train()
    if a.decode:
        ids = torch.randint(2, c.vocab, (a.batch, a.enc_len))
        times = []
        for i in range(a.warmup + a.steps):
            t = time.perf_counter()
            seq = generate(model, ids, a.decode)
            if i >= a.warmup:
                times.append(time.perf_counter() - t)
        med = statistics.median(times)
        print(f"reference decode examples_per_s {a.batch / med:.1f} median_ms_per_batch {med * 1e3:.1f} new_tokens {seq.shape[1] - 1} "
              f"sgemm_peak_gflops {peak:.1f} threads {a.threads} torch {torch.__version__}")
        return
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    ids = torch.randint(2, c.vocab, (a.batch, a.enc_len))
    labels = torch.randint(2, c.vocab, (a.batch, a.dec_len))
    times = []
    for i in range(a.warmup + a.steps):
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            loss = model(ids, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if i >= a.warmup:
            times.append((time.perf_counter() - t) * 1e3)
    q = statistics.quantiles(times, n=10)
    print(f"reference median_ms {statistics.median(times):.1f} p10 {q[0]:.1f} p90 {q[-1]:.1f} sgemm_peak_gflops {peak:.1f} "
          f"threads {a.threads} flush_denormal {not a.no_flush_denormal} torch {torch.__version__} loss {loss.item():.3f} "
          f"config {a.config} precision {'bf16' if a.bf16 else 'fp32'}")


if __name__ == "__main__":
    main()
