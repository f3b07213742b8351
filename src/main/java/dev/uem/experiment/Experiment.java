package dev.uem.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.Examples;
import dev.uem.data.ReadOptions;
import dev.uem.data.UserSplit;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.embed.MiniLmEncoder;
import dev.uem.embed.SentenceEncoder;
import dev.uem.eval.Evaluator;
import dev.uem.eval.MultiLabelMetrics;
import dev.uem.eval.ReportJson;
import dev.uem.eval.Verbalizer;
import dev.uem.io.AtomicFiles;
import dev.uem.model.PreferenceModel;
import dev.uem.model.TextHistoryModel;
import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.model.uem.SoftPrompts;
import dev.uem.model.uem.UemConfig;
import dev.uem.model.uem.UemLanguageModel;
import dev.uem.model.uem.UserEmbeddingModule;
import dev.uem.text.T5Tokenizer;
import dev.uem.train.BatchBuilder;
import dev.uem.train.BatchSource;
import dev.uem.train.TextBatchBuilder;
import dev.uem.train.Trainer;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * The shared ground of one train run or sweep: the dataset and its seeded user split, the tokenizer, the item
 * embeddings (opened on the first UEM arm), and how to run an arm on them. A trained arm's folder ends up with
 * {@code config.json}, {@code metrics.jsonl}, checkpoints, {@code best.safetensors}, {@code predictions.jsonl},
 * {@code per_label.csv} and {@code arm.json} (its line of {@code results.json}); {@code arm.json} is written last,
 * so its presence means the arm is complete.
 */
public final class Experiment implements AutoCloseable {
    public final ExperimentConfig config;
    public final Dataset dataset;
    public final UserSplit split;
    private final T5Tokenizer tokenizer;
    private final Verbalizer verbalizer;
    private final Supplier<SentenceEncoder> encoders;
    private SentenceEncoder encoder;
    private ItemEmbeddings items;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Experiment(ExperimentConfig config, Dataset dataset, T5Tokenizer tokenizer, Supplier<SentenceEncoder> encoders) {
        this.config = config;
        this.encoders = encoders;
        this.dataset = dataset;
        this.split = UserSplit.of(dataset.userIds(), config.seed());
        this.tokenizer = tokenizer;
        this.verbalizer = new Verbalizer(dataset.genres());
    }

    /** The experiment of a config, with MiniLM item embeddings. */
    public static Experiment open(ExperimentConfig c) {
        return open(c, MiniLmEncoder::new);
    }

    /** The same with another sentence encoder (tests use a fast stand-in). */
    static Experiment open(ExperimentConfig c, Supplier<SentenceEncoder> encoders) {
        Dataset d = DatasetReader.read(Path.of(c.dataset()), new ReadOptions(c.skipBadRows(), c.descriptions().stream().map(Path::of).toList()));
        return new Experiment(c, d, T5Tokenizer.forCheckpoint(c.builtInLm() ? null : Path.of(c.lm())), encoders);
    }

    /** The examples of one part of the split with history length p (TASK.md §5). */
    public List<Examples.Window> windows(int p, UserSplit.Part part) {
        return Examples.windows(dataset, split.users(part), p, part == UserSplit.Part.TRAIN, config.seed());
    }

    /** The counting baselines on the test windows of the given history length; no training. */
    public ObjectNode counting(Arm arm, int windowsOf) {
        List<Examples.Window> test = windows(windowsOf, UserSplit.Part.TEST);
        boolean windowOnly = !arm.name().equals(Arm.COUNTING_HISTORY);
        return armJson(arm, Evaluator.counting(dataset, test, windowOnly));
    }

    /** A completed arm's line, read back from its folder; null when the arm has not finished there. */
    public static ObjectNode finished(Path dir) {
        Path f = dir.resolve("arm.json");
        if (!Files.isRegularFile(f)) return null;
        try {
            return (ObjectNode) JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": unreadable: " + e.getMessage(), e);
        }
    }

    /**
     * Trains a UEM or text arm in {@code dir} (continuing from its newest checkpoint when {@code resume}), evaluates
     * it on the test users, writes the arm's files and returns its {@code results.json} line.
     */
    public ObjectNode run(Arm arm, Path dir, boolean resume, boolean progress) throws IOException {
        if (!arm.trained()) throw new IllegalArgumentException(arm.name() + " has no model to train");
        long t0 = System.nanoTime();
        Files.createDirectories(dir);
        List<Examples.Window> train = windows(arm.history(), UserSplit.Part.TRAIN), val = windows(arm.history(), UserSplit.Part.VALIDATION),
                test = windows(arm.history(), UserSplit.Part.TEST);
        ObjectNode cfg = JSON.createObjectNode();
        cfg.set("arm", JSON.valueToTree(arm));
        cfg.put("dataset", config.dataset()).put("lm", config.lm()).put("history", arm.history()).put("seed", config.seed())
                .put("train_examples", train.size()).put("validation_examples", val.size()).put("test_examples", test.size());
        torch.manual_seed(config.seed());
        T5Model t5 = config.builtInLm() ? T5Model.create(T5Config.t5Mini(), config.seed()) : T5Checkpoint.load(Path.of(config.lm()));
        cfg.set("lm_config", JSON.valueToTree(t5.config));
        PreferenceModel model;
        BatchSource batches;
        if (arm.kind() == Arm.Kind.UEM) {
            ItemEmbeddings it = items();
            UemConfig uc = UemConfig.named(config.uem(), it.rowWidth(), t5.config.dModel(), arm.history());
            torch.manual_seed(config.seed());
            SoftPrompts prompts = new SoftPrompts(uc.promptLength(), uc.lmWidth()).initFromVocab(t5.sharedWeight(), 32000);
            model = new UemLanguageModel(t5, new UserEmbeddingModule(uc), prompts).useKernels(PromptAssembly.Kernels.valueOf(config.kernels().toUpperCase()));
            batches = new BatchBuilder(dataset, it, tokenizer);
            cfg.put("encoder", encoder.id()).put("uem", config.uem()).put("kernels", config.kernels());
            cfg.set("uem_config", JSON.valueToTree(uc));
        } else {
            model = new TextHistoryModel(t5);
            batches = new TextBatchBuilder(dataset, tokenizer, config.textBudget());
            cfg.put("text_budget", config.textBudget());
        }
        cfg.set("settings", JSON.valueToTree(config.settings()));
        cfg.set("experiment", JSON.valueToTree(config));
        AtomicFiles.writeString(dir.resolve("config.json"), JSON.writeValueAsString(cfg));
        try (model) {
            Trainer.Outcome o = new Trainer(model, batches, config.settings(), dir).resume(resume).train(train, val, progress);
            long tEval = System.nanoTime();
            List<Evaluator.Prediction> preds = Evaluator.predict(model, batches, tokenizer, verbalizer, dataset, test, 32, config.maxNewTokens());
            double evalSecs = (System.nanoTime() - tEval) / 1e9;
            MultiLabelMetrics.Report report = Evaluator.score(preds);
            Results.writePredictions(dir.resolve("predictions.jsonl"), preds);
            AtomicFiles.writeString(dir.resolve("per_label.csv"), ReportJson.perLabelCsv(report));
            ObjectNode line = armJson(arm, report);
            line.putObject("training").put("steps", o.steps()).put("last_loss", o.lastLoss()).put("best_validation_loss", o.bestValidationLoss())
                    .put("best_step", o.bestStep()).put("train_examples_per_s", o.examplesPerSecond())
                    .put("eval_examples_per_s", preds.size() / evalSecs).put("peak_rss_mib", Results.peakRssMiB())
                    .put("seconds", (System.nanoTime() - t0) / 1e9);
            AtomicFiles.writeString(dir.resolve("arm.json"), JSON.writeValueAsString(line));
            return line;
        }
    }

    private ItemEmbeddings items() {
        if (items == null) {
            encoder = encoders.get();
            items = ItemEmbeddings.open(dataset, encoder, Path.of(config.cache()), true);
        }
        return items;
    }

    /** One arm's line of {@code results.json}: name, kind, history, weighted P/R/F1, micro, macro, likes, dislikes, unparseable. */
    static ObjectNode armJson(Arm arm, MultiLabelMetrics.Report r) {
        ObjectNode full = ReportJson.of(JSON, r), a = JSON.createObjectNode();
        a.put("name", arm.name()).put("kind", arm.kind().name().toLowerCase());
        if (arm.history() > 0) a.put("history", arm.history());
        else a.putNull("history");
        a.put("precision", r.weighted().precision()).put("recall", r.weighted().recall()).put("f1", r.weighted().f1());
        for (String k : new String[] {"micro", "macro", "likes", "dislikes"}) a.set(k, full.get(k));
        a.put("unparseable", r.unparseableShare()).put("examples", r.examples());
        return a;
    }

    @Override public void close() {
        try (T5Tokenizer t = tokenizer; SentenceEncoder e = encoder) {
            // closes both, even if one throws
        }
    }
}
