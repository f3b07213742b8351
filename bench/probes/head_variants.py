# Probe (not part of the product): which UEM choices let a preference head read the exported history rows, scored on
# validation users (the choice) and test users (reported). Adapted from ../shared/probes/head_probe.py and common.py
# (the project's shared probes) for issue #9; the numbers are in bench/RESULTS.md, "Quality (issue #9)".
#
#   java -cp target/uem.jar bench/gpu/MirrorExport.java /tmp/mirror
#   MIRROR=/tmp/mirror T=1 BUDGET=150 HEAD=mlp LR=2e-3 AUX=1 EXTRA=20 LAYERS=1 SCALE=20 BIL=1 STATS=1 /usr/bin/python3 bench/probes/head_variants.py
#
# Switches (environment): SCALE (multiply the rows: ~sqrt(s) puts unit-vector embeddings on the positions' scale),
# BIL=1 (title+genres x rating product in the input layer), AUX (weight of the window-label target), STATS (weight of
# the window's per-genre share/mean-rating target), EXTRA (random windows per training user), LAYERS, HEAD (linear|mlp),
# LR, WD, BS, NOPOS=1, INDROP (drop title/description parts), BUDGET (seconds), T (threads).
import json, os, sys, time, csv, numpy as np, torch, torch.nn as nn
torch.manual_seed(0); np.random.seed(0); torch.set_num_threads(int(os.environ.get("T","2")))
D = os.environ.get("MIRROR", "/tmp/mirror"); P = 50
S = json.load(open(D + "/split.json"))
movies = np.fromfile(D + "/movies.f32", dtype="<f4").reshape(-1, 768); ratings = np.fromfile(D + "/ratings.f32", dtype="<f4").reshape(10, 384)
mid = {int(x): i for i, x in enumerate(open(D + "/movie_ids.txt").read().split())}
users = S["users"]; W = S["p%d" % P]; s = 384; genres = S["genres"]
labels = ["likes:" + g for g in genres] + ["dislikes:" + g for g in genres]; L = {l: i for i, l in enumerate(labels)}
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.metrics import precision_recall_fscore_support
HEAD = os.environ.get("HEAD", "linear"); EXTRA = int(os.environ.get("EXTRA", "0")); INDROP = float(os.environ.get("INDROP", "0"))
LAYERS = int(os.environ.get("LAYERS", "2")); LR = float(os.environ.get("LR", "1e-3")); BUDGET = float(os.environ.get("BUDGET", "150"))
NOPOS = os.environ.get("NOPOS", "0") == "1"; WD = float(os.environ.get("WD", "0.01")); BS = int(os.environ.get("BS", "32"))
def rows(u, st, n):
    h = users[str(u)]["history"][st:st + n]
    r = np.empty((len(h), 3 * s), np.float32)
    for j, (m, r2) in enumerate(h):
        e = movies[mid[m]]; r[j, :s] = e[:s]; r[j, s:2*s] = ratings[r2 - 1]; r[j, 2*s:] = e[s:]
    return r
def y(u):
    v = np.zeros(len(labels), np.float32)
    for l in users[str(u)]["truth"]: v[L[l]] = 1
    return v
import csv as _csv
mg={int(r["movieId"]): [g for g in r["genres"].split("|")] for r in _csv.DictReader(open(os.environ.get("MOVIES_CSV", "data/movielens/ml-latest-small/movies.csv"), encoding="utf-8"))}
GI={g:i for i,g in enumerate(genres)}
def window_counts(w):  # per genre: items listing it and their mean rating, over the shown window
    u, st, n = w[:3]; h = users[str(u)]["history"][st:st + n]
    c = np.zeros(len(genres)); sm = np.zeros(len(genres))
    for m, r2 in h:
        for g in mg[m]:
            if g in GI: c[GI[g]] += 1; sm[GI[g]] += r2 / 2
    return c, np.where(c > 0, sm / np.maximum(c, 1), 0), n
def ywin(w):  # the label rule applied to the window
    c, avg, _ = window_counts(w); v = np.zeros(len(labels), np.float32)
    el = c >= 3
    li = sorted([g for g in range(len(genres)) if el[g] and avg[g] > 3.5], key=lambda g: (-avg[g], -c[g], genres[g]))[:3]
    di = sorted([g for g in range(len(genres)) if el[g] and avg[g] < 3.0], key=lambda g: (avg[g], -c[g], genres[g]))[:3]
    for g in li: v[g] = 1
    for g in di: v[len(genres) + g] = 1
    return v
def wstats(w):  # the window statistics target (as LabelSpace.windowStats)
    c, avg, n = window_counts(w)
    return np.concatenate([c / max(1, n) * 5, (avg - 3.25) * (c > 0), (c > 0) * 1.0]).astype(np.float32)
def batch(ws):
    Pm = max(w[2] for w in ws); x = np.zeros((len(ws), Pm, 3 * s), np.float32); m = np.zeros((len(ws), Pm), np.float32)
    for i, w in enumerate(ws):
        r = rows(*w[:3]); x[i, :len(r)] = r; m[i, :len(r)] = 1
    return torch.from_numpy(x), torch.from_numpy(m)
def decode(scores, thr):
    out = []; G = len(genres)
    for row in scores:
        s_ = set()
        for off in (0, G):
            for i in np.argsort(-row[off:off+G])[:3]:
                if row[off+i] > thr: s_.add(labels[off+i])
        out.append(s_)
    return out
def f1(ws, preds):
    truths = [set(users[str(w[0])]["truth"]) for w in ws]
    mlb = MultiLabelBinarizer(); mlb.fit(truths + preds)
    return precision_recall_fscore_support(mlb.transform(truths), mlb.transform(preds), average="weighted", zero_division=0)[:3]
tr, va, te = W["train"], W["validation"], W["test"]
if EXTRA:
    rng0 = np.random.default_rng(1); tru = sorted(set(w[0] for w in tr)); ext = []
    for u in tru:
        H = len(users[str(u)]["history"]); n = min(P, H)
        for _ in range(EXTRA): ext.append([u, int(rng0.integers(0, H - n + 1)), n])
    tr = tr + ext
print("train windows", len(tr), HEAD, "extra", EXTRA, "indrop", INDROP, flush=True)
class UEM(nn.Module):
    def __init__(self, d_in, h=256, heads=4, mlp=512, maxp=100):
        super().__init__()
        self.inp = nn.Linear(d_in, h); self.pos = nn.Embedding(maxp, h)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(h, heads, mlp, 0.1, activation="gelu", batch_first=True, norm_first=True), LAYERS) if LAYERS else None
        self.norm = nn.LayerNorm(h); self.proj = nn.Linear(h, 256)
        self.head2 = nn.Linear(256, len(labels)); self.head3 = nn.Sequential(nn.Linear(256, 256), nn.GELU(), nn.Linear(256, 2 * len(genres))); self.bil_a = nn.Linear(384, 256); self.bil_b = nn.Linear(384, 256); self.head = nn.Linear(256, len(labels)) if HEAD == "linear" else nn.Sequential(nn.Linear(256, 256), nn.GELU(), nn.Linear(256, len(labels)))
    def forward(self, x, m):
        if self.training and INDROP > 0:
            keep = (torch.rand(x.shape[0], x.shape[1], 3) > INDROP).float()
            keep[:, :, 1] = 1  # rating always kept
            x = x * keep.repeat_interleave(s, dim=2)
        x = x * float(os.environ.get("SCALE","1"))
        z = self.inp(x) + (self.bil_a(x[:, :, :384]) * self.bil_b(x[:, :, 384:768]) if os.environ.get('BIL') == '1' else 0) + (0 if NOPOS else self.pos.weight[: x.shape[1]])
        if self.enc is not None: z = self.enc(z, src_key_padding_mask=(m == 0))
        z = self.proj(self.norm(z))
        z = (z * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True)
        self.z = z
        return self.head(z)
net = UEM(3 * s); opt = torch.optim.AdamW(net.parameters(), lr=LR, weight_decay=WD)
lossf = nn.BCEWithLogitsLoss()
def statloss(pred, t):
    G = len(genres); cnt, av, has = t[:, :G], t[:, G:2*G], t[:, 2*G:]
    return ((pred[:, :G] - cnt) ** 2).mean() + (((pred[:, G:] - av) ** 2) * has).mean()
rng = np.random.default_rng(0); t0 = time.time(); step = 0
def scores(ws):
    net.eval(); out = []
    with torch.no_grad():
        for i in range(0, len(ws), 128):
            x, m = batch(ws[i:i+128]); out.append(torch.sigmoid(net(x, m)).numpy())
    net.train(); return np.concatenate(out)
bestv = (0, 0, 0)
while time.time() - t0 < BUDGET:
    order = rng.permutation(len(tr))
    for i in range(0, len(order) - BS + 1, BS):
        ws = [tr[j] for j in order[i:i+BS]]; x, m = batch(ws)
        loss = lossf(net(x, m), torch.from_numpy(np.stack([y(w[0]) for w in ws]))) + (float(os.environ.get("STATS","0")) * statloss(net.head3(net.z), torch.from_numpy(np.stack([wstats(w) for w in ws]))) if float(os.environ.get("STATS","0")) > 0 else 0) + float(os.environ.get("AUX","1")) * lossf(net.head2(net.z), torch.from_numpy(np.stack([ywin(w) for w in ws])))
        opt.zero_grad(); loss.backward(); opt.step(); step += 1
        if step % 150 == 0:
            sv = scores(va); best = max((f1(va, decode(sv, t))[2], t) for t in np.arange(0.05, 0.6, 0.05))
            st = scores(te); res = f1(te, decode(st, best[1])); distinct = len(set(frozenset(p) for p in decode(st, best[1])))
            if best[0] > bestv[0]: bestv = (best[0], res[2], step)
            print("step %d loss %.4f val F1 %.3f thr %.2f | test F1 %.3f distinct %d  %.0fs" % ((step, loss.item(), best[0], best[1], res[2], distinct, time.time() - t0)), flush=True)
        if time.time() - t0 > BUDGET: break
print("BEST by val: val %.3f test %.3f step %d" % bestv)
