package dev.uem.eval;

import dev.uem.data.Dataset;
import dev.uem.data.Examples;
import dev.uem.data.PreferenceLabels;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.model.PreferenceModel;
import dev.uem.text.T5Tokenizer;
import dev.uem.train.BatchSource;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;

import java.util.ArrayList;
import java.util.List;

/**
 * Held-out evaluation: batched greedy generation with the KV cache, the verbalizer, the metric; and the counting
 * baselines on the same examples.
 */
public final class Evaluator {
    /** One example's outcome. */
    public record Prediction(int user, Examples.Window window, String text, List<String> predicted, boolean parseable, List<String> truth) {}

    private Evaluator() {}

    public static List<Prediction> predict(PreferenceModel model, BatchSource batches, T5Tokenizer tokenizer, Verbalizer verbalizer,
                                           Dataset d, List<Examples.Window> windows, int batchSize, int maxNewTokens) {
        model.module().eval();
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < windows.size(); i += batchSize) {
            List<Examples.Window> w = windows.subList(i, Math.min(windows.size(), i + batchSize));
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                GreedyDecoder.Result r = model.generate(batches.build(w), maxNewTokens);
                for (int k = 0; k < w.size(); k++) {
                    String text = tokenizer.decode(r.sequences()[k]);
                    Verbalizer.Parsed p = verbalizer.parse(text);
                    out.add(new Prediction(w.get(k).user(), w.get(k), text, p.labels(), p.parseable(), PreferenceLabels.of(d, w.get(k).user()).asLabels()));
                }
            }
        }
        return out;
    }

    public static MultiLabelMetrics.Report score(List<Prediction> predictions) {
        MultiLabelMetrics m = new MultiLabelMetrics();
        for (Prediction p : predictions) m.add(p.truth(), p.predicted(), p.parseable());
        return m.report();
    }

    /** The counting baseline over the whole history ({@code windowOnly=false}) or the shown window. */
    public static MultiLabelMetrics.Report counting(Dataset d, List<Examples.Window> windows, boolean windowOnly) {
        MultiLabelMetrics m = new MultiLabelMetrics();
        for (Examples.Window w : windows) {
            List<Dataset.Entry> h = d.history(w.user());
            List<Dataset.Entry> shown = windowOnly ? h.subList(w.start(), w.start() + w.length()) : h;
            m.add(PreferenceLabels.of(d, w.user()).asLabels(), CountingBaseline.predict(d, shown));
        }
        return m.report();
    }
}
