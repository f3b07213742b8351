package dev.uem.eval;

import dev.uem.data.Dataset;
import dev.uem.data.Examples;
import dev.uem.data.LabelSpace;
import dev.uem.data.PreferenceLabels;
import dev.uem.model.Batch;
import dev.uem.model.BatchSource;
import dev.uem.model.PreferenceModel;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Held-out evaluation: batched greedy generation with the KV cache, the verbalizer, the metric; and the counting
 * baselines on the same examples.
 */
public final class Evaluator {
    /** One example's outcome. */
    public record Prediction(
            int user,
            Examples.Window window,
            String text,
            List<String> predicted,
            boolean parseable,
            List<String> truth) {}

    private Evaluator() {}

    public static List<Prediction> predict(
            PreferenceModel model,
            BatchSource batches,
            T5Tokenizer tokenizer,
            Verbalizer verbalizer,
            Dataset d,
            List<Examples.Window> windows,
            int batchSize,
            int maxNewTokens) {
        return predict(
                model,
                batches,
                tokenizer,
                verbalizer,
                d,
                windows,
                batchSize,
                maxNewTokens,
                null,
                null,
                null,
                BatchWorkers.ONE);
    }

    /**
     * The same, with the preference head fused into decoding when {@code fusion} is not null (a UEM model with a head),
     * from {@code readout} (the head's {@link #headProbabilities} of the same windows, already computed) or, when that
     * is null, from the head run on each batch; a progress bar named {@code task} (none when null); the batches
     * decoded by {@code workers}.
     */
    public static List<Prediction> predict(
            PreferenceModel model,
            BatchSource batches,
            T5Tokenizer tokenizer,
            Verbalizer verbalizer,
            Dataset d,
            List<Examples.Window> windows,
            int batchSize,
            int maxNewTokens,
            HeadFusion fusion,
            float[][] readout,
            String task,
            BatchWorkers workers) {
        if (readout != null && readout.length != windows.size())
            throw new IllegalArgumentException(readout.length + " head readouts for " + windows.size() + " windows");
        model.module().eval();
        return workers.map(windows, batchSize, task, "evaluation", (w, from) -> {
            float[][] rows = readout == null ? null : Arrays.copyOfRange(readout, from, from + w.size());
            return decode(model, batches, tokenizer, verbalizer, d, w, maxNewTokens, fusion, rows);
        });
    }

    /** One batch of windows decoded and parsed. */
    private static List<Prediction> decode(
            PreferenceModel model,
            BatchSource batches,
            T5Tokenizer tokenizer,
            Verbalizer verbalizer,
            Dataset d,
            List<Examples.Window> w,
            int maxNewTokens,
            HeadFusion fusion,
            float[][] readout) {
        List<Prediction> out = new ArrayList<>();
        try (PointerScope scope = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            Batch batch = batches.inputs(w);
            GreedyDecoder.StepBias bias = fusion == null
                    ? null
                    : readout == null ? fusion.bias(model, batch) : fusion.bias(readout, model.lm());
            GreedyDecoder.Result r = model.generate(batch, maxNewTokens, bias);
            for (int k = 0; k < w.size(); k++) {
                String text = tokenizer.decode(r.sequences()[k]);
                Verbalizer.Parsed p = verbalizer.parse(text);
                out.add(new Prediction(
                        w.get(k).user(),
                        w.get(k),
                        text,
                        p.labels(),
                        p.parseable(),
                        PreferenceLabels.of(d, w.get(k).user()).asLabels()));
            }
        }
        return out;
    }

    public static MultiLabelMetrics.Report score(List<Prediction> predictions) {
        MultiLabelMetrics m = new MultiLabelMetrics();
        for (Prediction p : predictions) m.add(p.truth(), p.predicted(), p.parseable());
        return m.report();
    }

    /**
     * The preference head's readout ({@code uem-head}): for each window {@code [labels]} probabilities, the mean of the
     * head's whole-history-label and window-label outputs ({@link #readout}); no LM in the path. A progress bar named
     * {@code task} (none when null); the batches computed by {@code workers}.
     */
    public static float[][] headProbabilities(
            PreferenceModel model,
            BatchSource batches,
            List<Examples.Window> windows,
            int batchSize,
            String task,
            BatchWorkers workers) {
        model.module().eval();
        List<float[]> rows = workers.map(windows, batchSize, task, "the head's readout", (w, from) -> {
            try (PointerScope scope = new PointerScope();
                    NoGradGuard g = new NoGradGuard()) {
                return Arrays.asList(readout(model.preferenceProbabilities(batches.inputs(w))));
            }
        });
        return rows.toArray(float[][]::new);
    }

    /**
     * {@code [B, 2, labels]} head probabilities to {@code [B][labels]}: the mean of the whole-history and the window
     * outputs. The window labels are a function of the shown items alone, so their output cannot be learnt by
     * memorising training users; averaging it in scored +0.027 validation F1 (mean of three seeds) over the
     * whole-history output alone (bench/RESULTS.md).
     */
    public static float[][] readout(Tensor probabilities) {
        Tensor p = probabilities
                .to(torch.ScalarType.Float)
                .mean(new long[] {1}, false, new ScalarTypeOptional())
                .contiguous();
        int b = (int) p.size(0), l = (int) p.size(1);
        float[] flat = Tensors.toFloats(p);
        float[][] out = new float[b][];
        for (int k = 0; k < b; k++) out[k] = Arrays.copyOfRange(flat, k * l, (k + 1) * l);
        return out;
    }

    /**
     * The threshold (0.05 … 0.95) at which the head's readout scores the best weighted F1 on the given (validation)
     * windows.
     */
    public static double bestThreshold(
            Dataset d, LabelSpace labels, List<Examples.Window> windows, float[][] probabilities) {
        List<List<String>> truths = truths(d, windows); // once, not once per threshold
        double best = 0.5, bestF1 = -1;
        for (int t = 1; t <= 19; t++) {
            double f1 = head(truths, labels, probabilities, t * 0.05).weighted().f1();
            if (f1 > bestF1 + 1e-12) {
                bestF1 = f1;
                best = t * 0.05;
            }
        }
        return best;
    }

    /** The head's readout scored: per group the 3 most probable labels above {@code threshold}. */
    public static MultiLabelMetrics.Report head(
            Dataset d, LabelSpace labels, List<Examples.Window> windows, float[][] probabilities, double threshold) {
        return head(truths(d, windows), labels, probabilities, threshold);
    }

    private static MultiLabelMetrics.Report head(
            List<List<String>> truths, LabelSpace labels, float[][] probabilities, double threshold) {
        MultiLabelMetrics m = new MultiLabelMetrics();
        for (int i = 0; i < truths.size(); i++) m.add(truths.get(i), labels.decode(probabilities[i], 0, threshold));
        return m.report();
    }

    /** Each window's user's true labels. */
    private static List<List<String>> truths(Dataset d, List<Examples.Window> windows) {
        List<List<String>> out = new ArrayList<>(windows.size());
        for (Examples.Window w : windows)
            out.add(PreferenceLabels.of(d, w.user()).asLabels());
        return out;
    }

    /**
     * The {@code prior} reference: one constant prediction for everyone, the 3 most frequent likes and the 3 most
     * frequent dislikes among the training users' labels (one vote per user; ties by label name).
     */
    public static MultiLabelMetrics.Report prior(Dataset d, int[] trainUsers, List<Examples.Window> windows) {
        Map<String, Integer> votes = new TreeMap<>();
        for (int u : trainUsers) for (String l : PreferenceLabels.of(d, u).asLabels()) votes.merge(l, 1, Integer::sum);
        List<String> constant = new ArrayList<>();
        for (String group : new String[] {"likes:", "dislikes:"})
            votes.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(group))
                    .sorted(Map.Entry.<String, Integer>comparingByValue()
                            .reversed()
                            .thenComparing(Map.Entry.comparingByKey()))
                    .limit(PreferenceLabels.MAX_LABELS)
                    .forEach(e -> constant.add(e.getKey()));
        MultiLabelMetrics m = new MultiLabelMetrics();
        for (Examples.Window w : windows) m.add(PreferenceLabels.of(d, w.user()).asLabels(), constant);
        return m.report();
    }

    /**
     * The {@code window-oracle} reference: the label rule (docs/TASK.md §3) applied to the shown window: the ceiling of
     * reading it.
     */
    public static MultiLabelMetrics.Report windowOracle(Dataset d, List<Examples.Window> windows) {
        MultiLabelMetrics m = new MultiLabelMetrics();
        for (Examples.Window w : windows)
            m.add(
                    PreferenceLabels.of(d, w.user()).asLabels(),
                    PreferenceLabels.of(d, w.shown(d)).asLabels());
        return m.report();
    }

    /** The counting baseline over the whole history ({@code windowOnly=false}) or the shown window. */
    public static MultiLabelMetrics.Report counting(Dataset d, List<Examples.Window> windows, boolean windowOnly) {
        MultiLabelMetrics m = new MultiLabelMetrics();
        for (Examples.Window w : windows) {
            List<Dataset.Entry> h = d.history(w.user());
            List<Dataset.Entry> shown = windowOnly ? w.shown(d) : h;
            m.add(PreferenceLabels.of(d, w.user()).asLabels(), CountingBaseline.predict(d, shown));
        }
        return m.report();
    }
}
