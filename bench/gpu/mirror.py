"""PyTorch/HF mirror of uem's pipeline, for exploring on a GPU what the from-scratch LM can learn (bench/RESULTS.md).

Same split, windows, item embeddings, targets and text inputs as the Java engine (exported by MirrorExport.java),
HF's T5 with t5-mini's config from scratch, the mini UEM. Prints the test users' weighted F1 (scikit-learn) of
greedy outputs, and how many distinct sentences were generated, at several step counts. It is an exploration
tool, not part of the product; run from the repository root with the export in mirror/:

    java -cp target/uem.jar bench/gpu/MirrorExport.java mirror
    python3 bench/gpu/mirror.py --name uem50 --arm uem --p 50 --steps 6000 --evals 1000,2000,4000,6000 --out mirror
    python3 bench/gpu/mirror.py --name text5 --arm text --p 5 ...      # --targets window: train on window labels
"""
import argparse, json, math, os, re, sys, time
import numpy as np, torch, torch.nn as nn
from transformers import T5Config, T5ForConditionalGeneration
from tokenizers import Tokenizer
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.metrics import precision_recall_fscore_support

ap = argparse.ArgumentParser()
ap.add_argument("--arm", default="uem"); ap.add_argument("--p", type=int, default=50)
ap.add_argument("--bs", type=int, default=16); ap.add_argument("--lr-user", type=float, default=5e-3); ap.add_argument("--lr-lm", type=float, default=2e-3)
ap.add_argument("--steps", type=int, default=20000); ap.add_argument("--warmup", type=int, default=100)
ap.add_argument("--evals", default="400,1000,2000,4000,8000,12000,16000,20000"); ap.add_argument("--minutes", type=float, default=7)
ap.add_argument("--targets", default="user"); ap.add_argument("--dmodel", type=int, default=256); ap.add_argument("--name", default="run"); ap.add_argument("--out", default=".")
a = ap.parse_args()
torch.manual_seed(0); np.random.seed(0)
dev = "cuda"
S = json.load(open("mirror/split.json"))
movies = np.fromfile("mirror/movies.f32", dtype="<f4").reshape(-1, 768); ratings = np.fromfile("mirror/ratings.f32", dtype="<f4").reshape(10, 384)
mid = {int(x): i for i, x in enumerate(open("mirror/movie_ids.txt").read().split())}
tok = Tokenizer.from_file("data/tokenizers/t5/tokenizer.json")
users = S["users"]; instr = S["instruction"]; genres = S["genres"]
W = S["p%d" % a.p]
s = 384
import csv, collections
mgen = {int(r["movieId"]): [g for g in r["genres"].split("|") if g != "(no genres listed)"] for r in csv.DictReader(open("data/movielens/ml-latest-small/movies.csv", encoding="utf-8"))}
def rule(h):
    cnt = collections.Counter(); sm = collections.Counter()
    for m, r2 in h:
        for g in mgen[m]: cnt[g] += 1; sm[g] += r2 / 2
    el = [(sm[g] / cnt[g], cnt[g], g) for g in cnt if cnt[g] >= 3]
    likes = [e[2] for e in sorted([e for e in el if e[0] > 3.5], key=lambda e: (-e[0], -e[1], e[2]))[:3]]
    dis = [e[2] for e in sorted([e for e in el if e[0] < 3.0], key=lambda e: (e[0], -e[1], e[2]))[:3]]
    return likes, dis
def sentence(likes, dis):
    return "The user likes %s and doesn't like %s." % (", ".join(likes) or "none", ", ".join(dis) or "none")
def ids_of(text):
    x = tok.encode(text).ids
    return x if x and x[-1] == 1 else x + [1]
for u in list(users)[:20]:
    h = users[u]["history"]
    if ids_of(sentence(*rule(h))) != users[u]["target"]: print("WARNING target mismatch", u, sentence(*rule(h)), flush=True)
wcache = {}
def target(w, training):
    if a.targets != "window" or not training: return users[str(w[0])]["target"]
    key = tuple(w[:3])
    if key not in wcache: wcache[key] = ids_of(sentence(*rule(users[str(w[0])]["history"][w[1]:w[1] + w[2]])))
    return wcache[key]

def rows(w):
    u, st, n = w[:3]
    h = users[str(u)]["history"][st:st + n]
    r = np.empty((len(h), 3 * s), np.float32)
    for j, (m, r2) in enumerate(h):
        e = movies[mid[m]]; r[j, :s] = e[:s]; r[j, s:2 * s] = ratings[r2 - 1]; r[j, 2 * s:] = e[s:]
    return r

def batch(ws, training=False):
    ts = [target(w, training) for w in ws]
    B = len(ws); T = max(len(t) for t in ts)
    lab = torch.full((B, T), -100, dtype=torch.long)
    for i, t in enumerate(ts):
        lab[i, :len(t)] = torch.tensor(t)
    if a.arm == "uem":
        P = max(w[2] for w in ws); x = np.zeros((B, P, 3 * s), np.float32); m = np.zeros((B, P), np.int64)
        for i, w in enumerate(ws):
            r = rows(w); x[i, :len(r)] = r; m[i, :len(r)] = 1
        return torch.from_numpy(x).to(dev), torch.from_numpy(m).to(dev), None, lab.to(dev)
    L = max(len(w[3]) for w in ws); ids = torch.zeros((B, L), dtype=torch.long); msk = torch.zeros((B, L), dtype=torch.long)
    for i, w in enumerate(ws):
        ids[i, :len(w[3])] = torch.tensor(w[3]); msk[i, :len(w[3])] = 1
    return ids.to(dev), msk.to(dev), None, lab.to(dev)

cfg = T5Config(vocab_size=32128, d_model=a.dmodel, d_kv=64, d_ff=4 * a.dmodel, num_layers=4, num_decoder_layers=4, num_heads=4,
               relative_attention_num_buckets=32, relative_attention_max_distance=128, dropout_rate=0.1, layer_norm_epsilon=1e-6,
               feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
lm = T5ForConditionalGeneration(cfg).to(dev)

class UEM(nn.Module):
    def __init__(self, d_in, h=256, layers=2, heads=4, mlp=512, maxp=100, e=256, k=20):
        super().__init__()
        self.inp = nn.Linear(d_in, h); self.pos = nn.Embedding(maxp, h)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(h, heads, mlp, 0.1, activation="gelu", batch_first=True, norm_first=True), layers)
        self.norm = nn.LayerNorm(h); self.proj = nn.Linear(h, e)
        self.prompts = nn.Parameter(lm.shared.weight[torch.randint(0, 32000, (k,))].detach().clone())
    def forward(self, x, m):
        z = self.inp(x) + self.pos.weight[: x.shape[1]]
        z = self.enc(z, src_key_padding_mask=(m == 0))
        return self.proj(self.norm(z)) * m.unsqueeze(-1)

uem = UEM(3 * s, e=a.dmodel).to(dev) if a.arm == "uem" else None
I = torch.tensor(instr, device=dev)

def embeds(b):
    x, m, _, _ = b
    if a.arm != "uem":
        return lm.shared(x), m
    B = x.shape[0]; u = uem(x, m)
    e = torch.cat([uem.prompts.expand(B, -1, -1), u, lm.shared(I).expand(B, -1, -1)], 1)
    mask = torch.cat([torch.ones(B, uem.prompts.shape[0], dtype=torch.long, device=dev), m, torch.ones(B, len(instr), dtype=torch.long, device=dev)], 1)
    return e, mask

groups = [{"params": list(lm.parameters()), "lr": a.lr_lm}]
if uem is not None: groups.insert(0, {"params": list(uem.parameters()), "lr": a.lr_user})
base = [g["lr"] for g in groups]
opt = torch.optim.AdamW(groups, weight_decay=0.01)

def lrf(t):
    return t / a.warmup if t <= a.warmup else max(0.0, (a.steps - t + 1) / (a.steps - a.warmup + 1))

norm_g = {g.lower().replace("-", " ").replace("'s", ""): g for g in genres}
def verbalize(text):
    out = set()
    mt = re.search(r"likes (.*?) and doesn't like (.*)", text)
    if not mt: return out
    for kind, part in (("likes", mt.group(1)), ("dislikes", mt.group(2))):
        for piece in re.split(r",| and ", part):
            p = piece.strip().rstrip(".").strip().lower().replace("-", " ").replace("'s", "")
            if p in norm_g: out.add(kind + ":" + norm_g[p])
    return out

def evaluate(ws, tag):
    lm.eval(); uem is not None and uem.eval()
    preds, truths, texts = [], [], []
    with torch.no_grad():
        for i in range(0, len(ws), 64):
            chunk = ws[i:i + 64]; b = batch(chunk); e, m = embeds(b)
            gen = lm.generate(inputs_embeds=e, attention_mask=m, max_new_tokens=32, do_sample=False, num_beams=1)
            for w, g in zip(chunk, gen.tolist()):
                t = tok.decode(g, skip_special_tokens=True); texts.append(t)
                preds.append(verbalize(t)); truths.append(set(users[str(w[0])]["truth"]))
    mlb = MultiLabelBinarizer(); mlb.fit(truths + preds)
    P, R, F, _ = precision_recall_fscore_support(mlb.transform(truths), mlb.transform(preds), average="weighted", zero_division=0)
    lm.train(); uem is not None and uem.train()
    return P, R, F, len(set(texts)), texts

train = W["train"]; test = W["test"]; val = W["validation"]
evals = set(int(x) for x in a.evals.split(","))
t0 = time.time(); rng = np.random.default_rng(0); order = rng.permutation(len(train)); cur = 0
log = open(os.path.join(a.out, a.name + ".log"), "w")
def say(*x):
    line = " ".join(str(y) for y in x); print(a.name, line, flush=True); log.write(line + "\n"); log.flush()
say("config", vars(a), "train", len(train), "test", len(test))
for step in range(1, a.steps + 1):
    for g, b0 in zip(opt.param_groups, base): g["lr"] = b0 * lrf(step)
    if cur + a.bs > len(order): order = rng.permutation(len(train)); cur = 0
    ws = [train[j] for j in order[cur:cur + a.bs]]; cur += a.bs
    b = batch(ws, True); e, m = embeds(b)
    loss = lm(inputs_embeds=e, attention_mask=m, labels=b[3]).loss
    opt.zero_grad(); loss.backward()
    torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0); opt.step()
    if step % 200 == 0: say("step", step, "loss %.4f" % loss.item(), "%.0fs" % (time.time() - t0))
    out_of_time = time.time() - t0 > a.minutes * 60
    if step in evals or out_of_time:
        P, R, F, distinct, texts = evaluate(test, "test")
        say("EVAL step", step, "test P %.3f R %.3f F1 %.3f distinct %d" % (P, R, F, distinct), "ex", step * a.bs, "%.0fs" % (time.time() - t0), "| e.g.", texts[0])
        json.dump({"step": step, "texts": texts, "windows": [w[:3] for w in test]}, open(os.path.join(a.out, a.name + ".preds.json"), "w"))
    if out_of_time: break
