package dev.uem.serve;

import dev.uem.data.Dataset;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.eval.Evaluator;
import dev.uem.eval.HeadFusion;
import dev.uem.eval.Verbalizer;
import dev.uem.experiment.Experiment;
import dev.uem.model.Batch;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.Tensors;
import dev.uem.train.BatchBuilder;
import dev.uem.train.TargetVocabulary;
import dev.uem.train.TrainedRun;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A trained run answering for batches of users: the preference sentence decoded exactly as the run was evaluated (the
 * head fused in when it was), the head's scores, the "why" items, and the soft tokens. Not thread-safe: one thread
 * calls it (the {@link DynamicBatcher}'s).
 */
public final class Predictor {
    /** "Why" lists at most this many items per genre. */
    public static final int REASONS = 3;
    /** Items whose gate is below this hardly count towards the genre: "why" leaves them out (but for the first). */
    public static final double MIN_GATE = 0.1;

    private final TrainedRun run;
    private final Dataset dataset;
    private final BatchBuilder batches;
    private final T5Tokenizer tokenizer;
    private final Verbalizer verbalizer;
    private final HeadFusion fusion;
    private final int maxNewTokens;

    public Predictor(TrainedRun run, Dataset dataset, ItemEmbeddings items, T5Tokenizer tokenizer, int maxNewTokens) {
        this.run = run;
        this.dataset = dataset;
        this.tokenizer = tokenizer;
        this.maxNewTokens = maxNewTokens;
        this.batches = new BatchBuilder(dataset, items, tokenizer);
        this.verbalizer = new Verbalizer(dataset.genres());
        this.fusion = fusionOf(run, dataset, tokenizer);
    }

    /** The head fusion the run was evaluated with, or null when it decoded with the LM alone. */
    private static HeadFusion fusionOf(TrainedRun r, Dataset d, T5Tokenizer tokenizer) {
        if (r.headFusion <= 0
                || r.headThreshold == null
                || !r.model.hasPreferenceHead()
                || r.model.lm.outputTokens() == null) return null;
        return Experiment.headFusion(TargetVocabulary.of(d, tokenizer), r.headFusion, r.headThreshold);
    }

    /** The weight the head is fused into decoding with; 0 when the LM decodes alone. */
    public double fusionWeight() {
        return fusion == null ? 0 : fusion.weight();
    }

    /** The run's history length p: a user's latest p ratings are read. */
    public int history() {
        return run.history;
    }

    public Dataset dataset() {
        return dataset;
    }

    /** One answer per history, in order; each history is used as given (cut it to the latest p first). */
    public List<Prediction> predict(List<List<Dataset.Entry>> histories) {
        try (PointerScope scope = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            Batch batch = batches.forHistories(histories).to(run.device);
            float[][] probabilities =
                    run.model.hasPreferenceHead() ? Evaluator.readout(run.model.preferenceProbabilities(batch)) : null;
            GreedyDecoder.StepBias bias = fusion == null ? null : fusion.bias(probabilities, run.model.lm);
            GreedyDecoder.Result out = run.model.generate(batch, maxNewTokens, bias);
            float[][][] gates = gates(batch);
            List<Prediction> answers = new ArrayList<>(histories.size());
            for (int row = 0; row < histories.size(); row++) {
                String sentence = tokenizer.decode(out.sequences()[row]);
                answers.add(answer(
                        sentence,
                        histories.get(row),
                        probabilities == null ? null : probabilities[row],
                        gates == null ? null : gates[row]));
            }
            return answers;
        }
    }

    /** Each history's soft tokens {@code [p, e]} (p = its length): what the LM reads for the user. */
    public List<float[][]> embed(List<List<Dataset.Entry>> histories) {
        try (PointerScope scope = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            Batch b = batches.forHistories(histories).to(run.device);
            Tensor soft = run.model.uem.forward(b.rows(), b.userMask()).to(torch.ScalarType.Float); // [B, p, e]
            List<float[][]> out = new ArrayList<>();
            for (int row = 0; row < histories.size(); row++)
                out.add(matrix(
                        soft.select(0, row).narrow(0, 0, histories.get(row).size())));
            return out;
        }
    }

    /** The task prompts {@code [k, e]}: the soft tokens before the user's. */
    public float[][] prompts() {
        try (PointerScope scope = new PointerScope()) {
            return matrix(run.model.promptTokens().detach().to(torch.ScalarType.Float));
        }
    }

    private static float[][] matrix(Tensor t) {
        Tensor c = t.cpu().contiguous();
        int rows = (int) c.size(0), cols = (int) c.size(1);
        float[] flat = Tensors.toFloats(c);
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) out[r] = Arrays.copyOfRange(flat, r * cols, (r + 1) * cols);
        return out;
    }

    /** {@code [B][G][p]} gates of the counting head, or null without one. */
    private float[][][] gates(Batch batch) {
        Tensor g = run.model.itemGates(batch);
        if (g == null) return null;
        Tensor c = g.to(torch.ScalarType.Float).cpu().contiguous();
        int b = (int) c.size(0), genres = (int) c.size(1), p = (int) c.size(2);
        float[] flat = Tensors.toFloats(c);
        float[][][] out = new float[b][genres][];
        for (int i = 0; i < b; i++)
            for (int k = 0; k < genres; k++) {
                int from = (i * genres + k) * p;
                out[i][k] = Arrays.copyOfRange(flat, from, from + p);
            }
        return out;
    }

    private Prediction answer(String sentence, List<Dataset.Entry> history, float[] probabilities, float[][] gates) {
        Verbalizer.Parsed parsed = verbalizer.parse(sentence);
        List<String> likes = named(parsed.labels(), "likes:"), dislikes = named(parsed.labels(), "dislikes:");
        Map<String, Prediction.GenreScore> scores = new LinkedHashMap<>();
        List<String> genres = dataset.labelGenres();
        if (probabilities != null)
            for (int k = 0; k < genres.size(); k++)
                scores.put(
                        genres.get(k), new Prediction.GenreScore(probabilities[k], probabilities[genres.size() + k]));
        Map<String, List<Prediction.Reason>> why = new LinkedHashMap<>();
        if (gates != null)
            for (String genre : distinct(likes, dislikes)) {
                int k = genres.indexOf(genre);
                if (k >= 0) why.put(genre, reasons(history, gates[k], likes.contains(genre)));
            }
        return new Prediction(sentence, likes, dislikes, parsed.parseable(), scores, why, history.size());
    }

    /**
     * Up to {@value #REASONS} items with the largest gates, largest first; below {@value #MIN_GATE} only the first.
     * Gates within 0.001 of each other count as equal (they saturate near 1); among those the item rated highest for a
     * liked genre (lowest for a disliked one) comes first, then the more recent.
     */
    private List<Prediction.Reason> reasons(List<Dataset.Entry> history, float[] gate, boolean liked) {
        Comparator<Integer> order = Comparator.<Integer>comparingLong(i -> -Math.round(gate[i] * 1000.0))
                .thenComparingDouble(
                        i -> liked ? -history.get(i).rating() : history.get(i).rating())
                .thenComparing(i -> -i);
        List<Integer> ranked =
                IntStream.range(0, history.size()).boxed().sorted(order).toList();
        return ranked.stream()
                .filter(i -> i.equals(ranked.get(0)) || gate[i] >= MIN_GATE)
                .limit(REASONS)
                .map(i -> {
                    Dataset.Entry e = history.get(i);
                    return new Prediction.Reason(
                            e.movieId(), dataset.movie(e.movieId()).title(), e.rating(), gate[i]);
                })
                .toList();
    }

    private static List<String> distinct(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        for (String s : b) if (!out.contains(s)) out.add(s);
        return out;
    }

    private static List<String> named(List<String> labels, String prefix) {
        return labels.stream()
                .filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length()))
                .toList();
    }
}
