# Probe (not part of the product): does a label-wise attention readout of the UEM (one learned query per genre pools
# the items' tokens, with a "none" slot) read the window better than the mean-pooled MLP head, and does it keep rising
# with the history length p? Same exported rows, UEM and readout rule as the engine; choice on validation users.
#
#   java -cp target/uem.jar bench/gpu/MirrorExport.java /tmp/mirror
#   MIRROR=/tmp/mirror P=50 HEAD=lwa BUDGET=150 T=1 /usr/bin/python3 bench/probes/labelwise.py
#
# Switches (environment): P (5|20|50|100), HEAD (mean|lwa), LAYERS, LR, BS, EXTRA (random windows per training user),
# STATS (weight of the window statistics target), ITEM (weight of a per-item genre/rating target on the tokens),
# BUDGET (seconds), T (threads), SEED.
import json, os, time, csv, numpy as np, torch, torch.nn as nn
E = os.environ.get
SEED = int(E("SEED", "0")); torch.manual_seed(SEED); np.random.seed(SEED); torch.set_num_threads(int(E("T", "1")))
D = E("MIRROR", "/tmp/mirror"); P = int(E("P", "50")); HEAD = E("HEAD", "lwa"); LAYERS = int(E("LAYERS", "2"))
LR = float(E("LR", "2e-3")); BS = int(E("BS", "32")); EXTRA = int(E("EXTRA", "20")); STATS = float(E("STATS", "1"))
ITEM = float(E("ITEM", "0")); BUDGET = float(E("BUDGET", "150"))
S = json.load(open(D + "/split.json"))
movies = np.fromfile(D + "/movies.f32", dtype="<f4").reshape(-1, 768); ratings = np.fromfile(D + "/ratings.f32", dtype="<f4").reshape(10, 384)
mid = {int(x): i for i, x in enumerate(open(D + "/movie_ids.txt").read().split())}
users = S["users"]; W = S["p%d" % P]; s = 384; genres = S["genres"]; G = len(genres)
labels = ["likes:" + g for g in genres] + ["dislikes:" + g for g in genres]; L = {l: i for i, l in enumerate(labels)}
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.metrics import precision_recall_fscore_support
mg = {int(r["movieId"]): r["genres"].split("|") for r in csv.DictReader(open(E("MOVIES_CSV", "data/movielens/ml-latest-small/movies.csv"), encoding="utf-8"))}
GI = {g: i for i, g in enumerate(genres)}

def hist(w):
    u, st, n = w[:3]; return users[str(u)]["history"][st:st + n]
def rows(w):
    h = hist(w); r = np.empty((len(h), 3 * s), np.float32); it = np.zeros((len(h), G + 1), np.float32)
    for j, (m, r2) in enumerate(h):
        e = movies[mid[m]]; r[j, :s] = e[:s]; r[j, s:2 * s] = ratings[r2 - 1]; r[j, 2 * s:] = e[s:]
        for g in mg[m]:
            if g in GI: it[j, GI[g]] = 1
        it[j, G] = r2 / 2 - 3.25
    return r, it
def y(w):
    v = np.zeros(len(labels), np.float32)
    for l in users[str(w[0])]["truth"]: v[L[l]] = 1
    return v
def counts(w):
    c = np.zeros(G); sm = np.zeros(G)
    for m, r2 in hist(w):
        for g in mg[m]:
            if g in GI: c[GI[g]] += 1; sm[GI[g]] += r2 / 2
    return c, np.where(c > 0, sm / np.maximum(c, 1), 0)
def ywin(w):  # the label rule on the shown window
    c, avg = counts(w); v = np.zeros(len(labels), np.float32); el = c >= 3
    for g in sorted([g for g in range(G) if el[g] and avg[g] > 3.5], key=lambda g: (-avg[g], -c[g], genres[g]))[:3]: v[g] = 1
    for g in sorted([g for g in range(G) if el[g] and avg[g] < 3.0], key=lambda g: (avg[g], -c[g], genres[g]))[:3]: v[G + g] = 1
    return v
def wstats(w):
    c, avg = counts(w); n = len(hist(w))
    return np.concatenate([c / max(1, n) * 5, (avg - 3.25) * (c > 0), (c > 0) * 1.0]).astype(np.float32)
def batch(ws):
    Pm = max(len(hist(w)) for w in ws); x = np.zeros((len(ws), Pm, 3 * s), np.float32); m = np.zeros((len(ws), Pm), np.float32)
    it = np.zeros((len(ws), Pm, G + 1), np.float32)
    for i, w in enumerate(ws):
        r, t = rows(w); x[i, :len(r)] = r; m[i, :len(r)] = 1; it[i, :len(r)] = t
    return torch.from_numpy(x), torch.from_numpy(m), torch.from_numpy(it)
def decode(sc, thr):
    out = []
    for row in sc:
        p = set()
        for off in (0, G):
            for i in np.argsort(-row[off:off + G])[:3]:
                if row[off + i] > thr: p.add(labels[off + i])
        out.append(p)
    return out
def f1(ws, preds):
    tr_ = [set(users[str(w[0])]["truth"]) for w in ws]; mlb = MultiLabelBinarizer(); mlb.fit(tr_ + preds)
    return precision_recall_fscore_support(mlb.transform(tr_), mlb.transform(preds), average="weighted", zero_division=0)[2]
tr, va, te = W["train"], W["validation"], W["test"]
rng0 = np.random.default_rng(1 + SEED); ext = []
for u in sorted(set(w[0] for w in tr)):
    H = len(users[str(u)]["history"]); n = min(P, H)
    for _ in range(EXTRA): ext.append([u, int(rng0.integers(0, H - n + 1)), n])
tr = tr + [w for w in ext if w not in tr]
print("P", P, "HEAD", HEAD, "train windows", len(tr), "oracle val %.3f test %.3f" % (f1(va, decode(np.stack([ywin(w) for w in va]), .5)), f1(te, decode(np.stack([ywin(w) for w in te]), .5))), flush=True)

class Net(nn.Module):
    def __init__(self, h=256, heads=4, mlp=512):
        super().__init__()
        self.inp = nn.Linear(3 * s, h); self.pos = nn.Embedding(200, h); self.bil_a = nn.Linear(s, h); self.bil_b = nn.Linear(s, h)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(h, heads, mlp, 0.1, activation="gelu", batch_first=True, norm_first=True), LAYERS)
        self.norm = nn.LayerNorm(h); self.proj = nn.Linear(h, 256); e = 256
        self.item = nn.Linear(e, G + 1)
        if HEAD == "mean":
            self.head = nn.Sequential(nn.Linear(e, e), nn.GELU(), nn.Linear(e, 2 * len(labels) + 2 * G))
        else:  # label-wise attention: a query per genre over the tokens plus a "none" slot, a small MLP shared by genres
            self.dk = 64; self.key = nn.Linear(e, self.dk); self.val = nn.Linear(e, 64)
            self.q = nn.Parameter(torch.randn(G, self.dk) * 0.1); self.sink = nn.Parameter(torch.zeros(G))
            self.gemb = nn.Parameter(torch.zeros(G, 16))
            self.mlp = nn.Sequential(nn.Linear(64 + 1 + 16, 128), nn.GELU(), nn.Linear(128, 6))
    def forward(self, x, m):
        x = x * s ** 0.5
        z = self.inp(x) + self.bil_a(x[:, :, :s]) * self.bil_b(x[:, :, s:2 * s]) + self.pos.weight[:x.shape[1]]
        z = self.proj(self.norm(self.enc(z, src_key_padding_mask=(m == 0))))
        self.tok = z
        if HEAD == "mean":
            pooled = (z * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True); o = self.head(pooled)
            return o[:, :len(labels)], o[:, len(labels):2 * len(labels)], o[:, 2 * len(labels):]
        k = self.key(z); v = self.val(z)                                     # [B, p, dk]
        sc = torch.einsum("gd,bpd->bgp", self.q, k) / self.dk ** 0.5
        sc = sc.masked_fill((m == 0).unsqueeze(1), -1e9)
        sc = torch.cat([sc, self.sink.view(1, G, 1).expand(x.shape[0], G, 1)], 2)
        a = torch.softmax(sc, -1); pooled = torch.einsum("bgp,bpd->bgd", a[:, :, :-1], v)
        f = torch.cat([pooled, (1 - a[:, :, -1:]), self.gemb.unsqueeze(0).expand(x.shape[0], G, 16)], 2)
        o = self.mlp(f)                                                     # [B, G, 6]
        user = torch.cat([o[:, :, 0], o[:, :, 1]], 1); win = torch.cat([o[:, :, 2], o[:, :, 3]], 1)
        return user, win, torch.cat([o[:, :, 4], o[:, :, 5]], 1)
net = Net(); opt = torch.optim.AdamW(net.parameters(), lr=LR, weight_decay=0.01); bce = nn.BCEWithLogitsLoss()
def statloss(pred, t):
    cnt, av, has = t[:, :G], t[:, G:2 * G], t[:, 2 * G:]
    return ((pred[:, :G] - cnt) ** 2).mean() + (((pred[:, G:] - av) ** 2) * has).mean()
def scores(ws):
    net.eval(); out = []
    with torch.no_grad():
        for i in range(0, len(ws), 128):
            x, m, _ = batch(ws[i:i + 128]); u, w_, _ = net(x, m); out.append(((torch.sigmoid(u) + torch.sigmoid(w_)) / 2).numpy())
    net.train(); return np.concatenate(out)
rng = np.random.default_rng(SEED); t0 = time.time(); step = 0; best = (0, 0, 0)
while time.time() - t0 < BUDGET:
    order = rng.permutation(len(tr))
    for i in range(0, len(order) - BS + 1, BS):
        ws = [tr[j] for j in order[i:i + BS]]; x, m, it = batch(ws)
        u, w_, st = net(x, m)
        loss = bce(u, torch.from_numpy(np.stack([y(w) for w in ws]))) + bce(w_, torch.from_numpy(np.stack([ywin(w) for w in ws])))
        loss = loss + STATS * statloss(st, torch.from_numpy(np.stack([wstats(w) for w in ws])))
        if ITEM > 0:
            io = net.item(net.tok); mm = m.unsqueeze(-1)
            li = (nn.functional.binary_cross_entropy_with_logits(io[:, :, :G], it[:, :, :G], reduction="none") * mm).sum() / mm.sum() / G
            lr_ = (((io[:, :, G] - it[:, :, G]) ** 2) * m).sum() / m.sum()
            loss = loss + ITEM * (li + lr_)
        opt.zero_grad(); loss.backward(); opt.step(); step += 1
        if step % 150 == 0:
            sv = scores(va); bv = max((f1(va, decode(sv, t)), t) for t in np.arange(0.05, 0.6, 0.05))
            st_ = scores(te); pt = decode(st_, bv[1]); ft = f1(te, pt)
            if bv[0] > best[0]: best = (bv[0], ft, step)
            print("step %d loss %.4f val %.3f thr %.2f | test %.3f distinct %d %.0fs" % (step, loss.item(), bv[0], bv[1], ft, len(set(map(frozenset, pt))), time.time() - t0), flush=True)
        if time.time() - t0 > BUDGET: break
print("BEST P %d HEAD %s: val %.3f test %.3f step %d" % (P, HEAD, *best))
