// Probe (issue #9): reads finished `uem train` runs again without training: the preference head's whole-history and
// window outputs (kind 0, 1) and their mean (2), and greedy decoding with the head's log-odds added to the genre
// tokens' logits (shallow fusion, weight lambda), on the validation and the test windows of each run's own split.
// What it found became `--head-fusion` and `uem evaluate` (which scores one run with the product's own code).
//
//   java -cp target/uem.jar bench/probes/Readouts.java runs/sweep12/seed-0/uem-50 runs/sweep12/seed-1/uem-50 ...
//   options: -Dfuse.kind=0|1|2 (which readout is fused), -Dfuse.lambdas=0,0.5,1, -Dfuse.form=logit|log,
//            -Dfuse.centre=true (subtract the log-odds of the readout's best validation threshold)
import dev.uem.data.*;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.embed.MiniLmEncoder;
import dev.uem.eval.Evaluator;
import dev.uem.eval.MultiLabelMetrics;
import dev.uem.eval.Verbalizer;
import dev.uem.model.Batch;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.BatchBuilder;
import dev.uem.train.TrainedRun;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Path;
import java.util.*;

public class Readouts {
    public static void main(String[] args) throws Exception {
        TorchRuntime.init();
        double[] lambdas = Arrays.stream(System.getProperty("fuse.lambdas", "0,0.5,1").split(",")).mapToDouble(Double::parseDouble).toArray();
        boolean logForm = System.getProperty("fuse.form", "logit").equals("log");
        int fuseKind = Integer.getInteger("fuse.kind", 0);
        for (String dir : args) {
            try (TrainedRun r = TrainedRun.open(Path.of(dir)); MiniLmEncoder enc = new MiniLmEncoder(); T5Tokenizer tok = r.tokenizer()) {
                Dataset d = DatasetReader.read(r.dataset, r.readOptions);
                ItemEmbeddings items = ItemEmbeddings.open(d, enc, r.cache, false);
                UserSplit split = UserSplit.of(d.userIds(), r.seed);
                List<Examples.Window> val = Examples.windows(d, split.users(UserSplit.Part.VALIDATION), r.history, false, 20, Examples.EVAL_WINDOWS, r.seed);
                List<Examples.Window> test = Examples.windows(d, split.users(UserSplit.Part.TEST), r.history, false, 20, Examples.EVAL_WINDOWS, r.seed);
                BatchBuilder bb = new BatchBuilder(d, items, tok);
                LabelSpace labels = LabelSpace.of(d);
                int L = labels.size(), G = L / 2;
                StringBuilder line = new StringBuilder(dir);
                // head readouts: 0 user labels, 1 window labels, 2 their mean
                float[][][] pv = probs(r, bb, val), pt = probs(r, bb, test);
                for (int kind = 0; kind < 3; kind++) {
                    float[][] v = pick(pv, kind), t = pick(pt, kind);
                    double th = Evaluator.bestThreshold(d, labels, val, v);
                    line.append(String.format(" | head%d val %.3f test %.3f", kind, Evaluator.head(d, labels, val, v, th).weighted().f1(),
                            Evaluator.head(d, labels, test, t, th).weighted().f1()));
                }
                // fusion: genre-start token column -> genre index; phase switch at the token that begins "doesn't"
                long[] none = tok.encode(new PreferenceLabels(List.of(), List.of()).targetSentence());
                Map<Long, Integer> startGenre = new HashMap<>();
                Map<Long, Integer> startCount = new HashMap<>();
                List<String> genres = d.labelGenres();
                for (int g = 0; g < G; g++) {
                    long[] alone = tok.encode(new PreferenceLabels(List.of(genres.get(g)), List.of()).targetSentence());
                    int i = 0;
                    while (alone[i] == none[i]) i++;
                    startGenre.put(alone[i], g);
                    startCount.merge(alone[i], 1, Integer::sum);
                }
                long[] likesNone = tok.encode(new PreferenceLabels(List.of(), List.of()).targetSentence());
                // "The user likes none and doesn't like none." : the token after "and" starts the dislikes phase
                String[] pieces = new String[likesNone.length];
                long doesnt = -1;
                for (int i = 0; i < likesNone.length; i++) pieces[i] = tok.decode(new long[] {likesNone[i]});
                for (int i = 0; i < likesNone.length; i++) if (pieces[i].startsWith("doesn")) { doesnt = likesNone[i]; break; }
                if (doesnt < 0) throw new IllegalStateException("no 'doesn' token in " + Arrays.toString(pieces));
                final long doesntId = doesnt;
                var lm = r.model.lm;
                double centre = Boolean.getBoolean("fuse.centre") ? Evaluator.bestThreshold(d, labels, val, pick(pv, fuseKind)) : 0.5;
                double centreLogit = Math.log(centre / (1 - centre));
                line.append(String.format(" | centre %.2f", centre));
                for (double lambda : lambdas) {
                    double[] f = new double[2];
                    int[] distinct = new int[2];
                    for (int part = 0; part < 2; part++) {
                        List<Examples.Window> ws = part == 0 ? val : test;
                        float[][] head = part == 0 ? pick(pv, fuseKind) : pick(pt, fuseKind);
                        MultiLabelMetrics m = new MultiLabelMetrics();
                        Set<String> texts = new HashSet<>();
                        Verbalizer verb = new Verbalizer(d.genres());
                        for (int s = 0; s < ws.size(); s += 32) {
                            List<Examples.Window> w = ws.subList(s, Math.min(ws.size(), s + 32));
                            final int off = s;
                            GreedyDecoder.StepBias bias = lambda == 0 ? null : (seq, n, stepLogits, V) -> {
                                float[] out = new float[seq.length * V];
                                for (int row = 0; row < seq.length; row++) {
                                    boolean second = false;
                                    for (int k = 0; k <= n; k++) second |= seq[row][k] == doesntId;
                                    for (var e : startGenre.entrySet()) {
                                        if (startCount.get(e.getKey()) != 1) continue;
                                        int label = (second ? G : 0) + e.getValue();
                                        double p = Math.min(1 - 1e-6, Math.max(1e-6, head[off + row][label]));
                                        out[(int) (row * V + lm.columnOfToken(e.getKey()))] = (float) (lambda * (logForm ? Math.log(p) : Math.log(p / (1 - p)) - centreLogit));
                                    }
                                }
                                return out;
                            };
                            try (PointerScope scope = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
                                Batch batch = bb.build(w);
                                PromptAssembly.Assembled a = r.model.assemble(batch);
                                GreedyDecoder.Result res = new GreedyDecoder(lm).generate(a.inputsEmbeds(), a.attentionMask(), 64, false, bias);
                                for (int k = 0; k < w.size(); k++) {
                                    String text = tok.decode(res.sequences()[k]);
                                    texts.add(text);
                                    Verbalizer.Parsed p = verb.parse(text);
                                    m.add(PreferenceLabels.of(d, w.get(k).user()).asLabels(), p.labels(), p.parseable());
                                }
                            }
                        }
                        f[part] = m.report().weighted().f1();
                        distinct[part] = texts.size();
                    }
                    line.append(String.format(" | fuse%.2f val %.3f test %.3f (%d)", lambda, f[0], f[1], distinct[1]));
                }
                System.out.println(line);
            }
        }
    }

    static float[][][] probs(TrainedRun r, BatchBuilder bb, List<Examples.Window> ws) {
        float[][][] out = new float[ws.size()][][];
        for (int s = 0; s < ws.size(); s += 64) {
            List<Examples.Window> w = ws.subList(s, Math.min(ws.size(), s + 64));
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                Tensor p = r.model.preferenceProbabilities(bb.build(w)).contiguous();  // [B, 2, L]
                long L = p.size(2);
                float[] flat = Tensors.toFloats(p);
                for (int k = 0; k < w.size(); k++) {
                    out[s + k] = new float[][] {Arrays.copyOfRange(flat, (int) (k * 2 * L), (int) (k * 2 * L + L)),
                            Arrays.copyOfRange(flat, (int) (k * 2 * L + L), (int) ((k + 1) * 2 * L))};
                }
            }
        }
        return out;
    }

    static float[][] pick(float[][][] p, int kind) {
        float[][] out = new float[p.length][];
        for (int i = 0; i < p.length; i++) {
            if (kind < 2) out[i] = p[i][kind];
            else {
                out[i] = new float[p[i][0].length];
                for (int j = 0; j < out[i].length; j++) out[i][j] = (p[i][0][j] + p[i][1][j]) / 2;
            }
        }
        return out;
    }
}
