package dev.uem.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.Examples;
import dev.uem.data.LabelSpace;
import dev.uem.data.ReadOptions;
import dev.uem.data.UserSplit;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.embed.MiniLmEncoder;
import dev.uem.embed.SentenceEncoder;
import dev.uem.eval.BatchWorkers;
import dev.uem.eval.Evaluator;
import dev.uem.eval.HeadFusion;
import dev.uem.eval.MultiLabelMetrics;
import dev.uem.eval.ReportJson;
import dev.uem.eval.Verbalizer;
import dev.uem.io.AtomicFiles;
import dev.uem.model.BatchSource;
import dev.uem.model.PreferenceModel;
import dev.uem.model.TextHistoryModel;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.UemConfig;
import dev.uem.model.uem.UemModelSpec;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.ComputeDevice;
import dev.uem.torch.Modules;
import dev.uem.torch.Precision;
import dev.uem.train.BatchBuilder;
import dev.uem.train.DataParallel;
import dev.uem.train.TargetVocabulary;
import dev.uem.train.TextBatchBuilder;
import dev.uem.train.TrainSettings;
import dev.uem.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The shared ground of one train run or sweep: the dataset and its seeded user split, the tokenizer, the item
 * embeddings (opened on the first UEM arm), and how to run an arm on them. A trained arm's folder ends up with
 * {@code config.json}, {@code metrics.jsonl}, checkpoints, {@code best.safetensors}, {@code predictions.jsonl},
 * {@code per_label.csv} and {@code arm.json} (its line of {@code results.json}); {@code arm.json} is written last,
 * so its presence means the arm is complete.
 */
public final class Experiment implements AutoCloseable {
    /** The run's configuration (its seed is this experiment's). */
    public final RunConfig config;
    /** The dataset every arm is trained and scored on. */
    public final Dataset dataset;
    /** The seeded split of its users into training, validation and test users. */
    public final UserSplit split;

    private final T5Tokenizer tokenizer;
    private final Verbalizer verbalizer;
    private final Supplier<SentenceEncoder> encoders;
    private SentenceEncoder encoder;
    private ItemEmbeddings items;
    private ComputeDevice device = ComputeDevice.CPU;
    private DataParallel group = DataParallel.single();
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Windows decoded together (128 measured no faster on the CPU, with 1.8x the memory: bench/RESULTS.md). */
    private static final int DECODE_BATCH = 32;

    private Experiment(RunConfig config, Dataset dataset, T5Tokenizer tokenizer, Supplier<SentenceEncoder> encoders) {
        this.config = config;
        this.encoders = encoders;
        this.dataset = dataset;
        this.split =
                UserSplit.of(dataset.userIds(), config.seed(), config.data().split());
        this.tokenizer = tokenizer;
        this.verbalizer = new Verbalizer(dataset.genres());
    }

    /** The experiment of a config, with MiniLM item embeddings. */
    public static Experiment open(RunConfig c) {
        return open(c, MiniLmEncoder::new);
    }

    /** The same with another sentence encoder (tests use a fast stand-in). */
    static Experiment open(RunConfig c, Supplier<SentenceEncoder> encoders) {
        DataConfig data = c.data();
        Dataset d = DatasetReader.read(
                Path.of(data.dataset()),
                new ReadOptions(
                        data.skipBadRows(),
                        data.descriptions().stream().map(Path::of).toList()));
        T5Tokenizer tokenizer = T5Tokenizer.forCheckpoint(
                c.model().builtInLm() ? null : Path.of(c.model().lm()));
        return new Experiment(c, d, tokenizer, encoders);
    }

    /**
     * Where the arms' models train and evaluate (the CPU unless set): parameters and AdamW state live there, each
     * batch moves there once per step. Item embeddings are computed and cached on the CPU either way.
     */
    public Experiment on(ComputeDevice d) {
        this.device = d;
        return this;
    }

    /**
     * Trains as one rank of a data-parallel group ({@link Trainer#parallel}); every rank decodes its share of the
     * test and validation windows, rank 0 gathers them, scores and writes the arm's files; the other ranks'
     * {@link #run} returns nothing.
     */
    public Experiment parallel(DataParallel dp) {
        this.group = dp;
        return this;
    }

    /** The examples of one part of the split with history length p (docs/TASK.md §5). */
    public List<Examples.Window> windows(int p, UserSplit.Part part) {
        return windows(p, part, evaluated(part));
    }

    /** The users of a part that are evaluated: all training users, a seeded sample of the others. */
    private int[] evaluated(UserSplit.Part part) {
        int[] all = split.users(part);
        return part == UserSplit.Part.TRAIN
                ? all
                : UserSplit.sample(all, config.eval().evalUsers(), config.seed());
    }

    /** The validation users whose loss is computed during training: a seeded sample of the evaluated ones. */
    private int[] lossUsers(int n) {
        return UserSplit.sample(evaluated(UserSplit.Part.VALIDATION), n, config.seed());
    }

    /** The examples of {@code users} of one part of the split. */
    private List<Examples.Window> windows(int p, UserSplit.Part part, int[] users) {
        return Examples.windows(
                dataset,
                users,
                p,
                part == UserSplit.Part.TRAIN,
                config.data().trainWindows(),
                Examples.EVAL_WINDOWS,
                config.seed());
    }

    /**
     * An untrained arm on the test windows of history {@code windowsOf}: a counting baseline, {@code prior} or
     * {@code window-oracle}.
     */
    public ArmResult baseline(Arm arm, int windowsOf) {
        List<Examples.Window> test = windows(windowsOf, UserSplit.Part.TEST);
        MultiLabelMetrics.Report r = switch (arm.kind()) {
            case COUNTING -> Evaluator.counting(dataset, test, !arm.name().equals(Arm.COUNTING_HISTORY));
            case REFERENCE ->
                arm.name().equals(Arm.PRIOR)
                        ? Evaluator.prior(dataset, split.users(UserSplit.Part.TRAIN), test)
                        : Evaluator.windowOracle(dataset, test);
            default -> throw new IllegalArgumentException(arm.name() + " is not an untrained arm");
        };
        return ArmResult.of(arm, r);
    }

    /**
     * Every untrained arm beside a trained one of history p: both counting baselines, the prior and the window
     * oracle.
     */
    public List<ArmResult> baselines(int p) {
        return List.of(
                baseline(Arm.countingHistory(), p),
                baseline(Arm.countingWindow(p), p),
                baseline(Arm.prior(), p),
                baseline(Arm.windowOracle(p), p));
    }

    /**
     * A completed arm's lines (the arm, then its head readout and its LM alone when it has them), read back from its
     * folder; null when the arm has not finished there.
     */
    public static List<ArmResult> finished(Path dir) {
        Path f = dir.resolve("arm.json");
        if (!Files.isRegularFile(f)) return null;
        List<ArmResult> lines = new ArrayList<>(List.of(ArmResult.read(f)));
        for (String more : new String[] {"head.json", "lm.json"}) {
            Path m = dir.resolve(more);
            if (Files.isRegularFile(m)) lines.add(ArmResult.read(m));
        }
        return lines;
    }

    /**
     * Trains a UEM or text arm in {@code dir} (continuing from its newest checkpoint when {@code resume}), evaluates
     * it on the test users, writes the arm's files and returns its {@code results.json} lines: the arm's, and for a
     * UEM arm with a preference head the head's readout ({@code uem-head-p}, also in {@code head.json}) and, when the
     * head is fused into decoding, the LM alone ({@code uem-lm-p}, also in {@code lm.json}).
     */
    public List<ArmResult> run(Arm arm, Path dir, boolean resume, boolean progress) throws IOException {
        PhaseTimes phases = new PhaseTimes();
        // checks the arm against the data before anything is written
        Windows w = phases.time("windows", () -> windows(arm));
        Files.createDirectories(dir);
        Built b = phases.time("model", () -> build(arm, w));
        if (group.leader()) AtomicFiles.writeString(dir.resolve("config.json"), JSON.writeValueAsString(b.config));
        try (PreferenceModel model = b.model) {
            // before the optimiser exists: AdamW's state is made next to its parameters
            model.module().to(device.torch(), false);
            BatchSource batches = b.batches.on(device);
            Trainer.Outcome o = phases.time(
                    "training",
                    () -> new Trainer(model, batches, b.settings, dir)
                            .precision(config.train().precision(), device)
                            .parallel(group)
                            .resume(resume)
                            .train(w.train, w.validationLoss, progress));
            // every rank holds the best parameters now
            return evaluate(new Scored(arm, model, batches, b.grammar, w, dir), TrainingFigures.of(o), phases);
        }
    }

    /**
     * Evaluates a finished arm again without training it: the model of {@code runDir}'s {@code config.json} with the
     * parameters of its {@code best.safetensors}, decoded as this experiment's configuration says (so another
     * {@code --head-fusion} can be tried on a trained model); the arm's files and a {@code config.json} go to
     * {@code outDir}, the training figures are copied from {@code runDir/arm.json}. One process.
     */
    public List<ArmResult> reevaluate(Arm arm, Path runDir, Path outDir) throws IOException {
        if (group.worldSize() > 1) throw new IllegalArgumentException("an evaluation runs in one process");
        Path params = runDir.resolve("best.safetensors");
        if (!Files.isRegularFile(params))
            throw new IllegalArgumentException(params + ": not found (the run never reached a validation step)");
        PhaseTimes phases = new PhaseTimes();
        Windows w = phases.time("windows", () -> windows(arm));
        Built b = phases.time("model", () -> build(arm, w));
        Files.createDirectories(outDir);
        AtomicFiles.writeString(
                outDir.resolve("config.json"),
                JSON.writeValueAsString(
                        b.config.put("evaluated_from", runDir.toAbsolutePath().toString())));
        List<ArmResult> trained = finished(runDir);
        TrainingFigures training = trained != null && trained.get(0).training() != null
                ? trained.get(0).training()
                : TrainingFigures.NONE;
        try (PreferenceModel model = b.model) {
            phases.time("parameters", () -> {
                try (PointerScope scope = new PointerScope()) {
                    SafetensorsFile.copyInto(params, Modules.namedParameters(model.module()));
                }
                model.module().to(device.torch(), false);
                return null;
            });
            return evaluate(new Scored(arm, model, b.batches.on(device), b.grammar, w, outDir), training, phases);
        }
    }

    /**
     * An arm's training, validation and test windows, and those whose loss is computed during training ({@code
     * validation} itself unless {@code --val-users} asks for a sample).
     */
    private record Windows(
            List<Examples.Window> train,
            List<Examples.Window> validation,
            List<Examples.Window> test,
            List<Examples.Window> validationLoss) {}

    private Windows windows(Arm arm) {
        if (!arm.trained()) throw new IllegalArgumentException(arm.name() + " has no model to train");
        int longest = dataset.userIds().length == 0
                ? 0
                : java.util.Arrays.stream(dataset.userIds())
                        .map(u -> dataset.history(u).size())
                        .max()
                        .getAsInt();
        if (arm.history() > longest)
            throw new IllegalArgumentException("history " + arm.history() + " (" + arm.name()
                    + ") is longer than the longest user history in "
                    + config.data().dataset() + " (" + longest
                    + " ratings)");
        List<Examples.Window> validation = windows(arm.history(), UserSplit.Part.VALIDATION);
        int valUsers = config.eval().valUsers();
        return new Windows(
                windows(arm.history(), UserSplit.Part.TRAIN),
                validation,
                windows(arm.history(), UserSplit.Part.TEST),
                valUsers == 0 ? validation : windows(arm.history(), UserSplit.Part.VALIDATION, lossUsers(valUsers)));
    }

    /**
     * A freshly initialised arm model (on the CPU), its batches, the task's output grammar (null for the full
     * vocabulary), its settings and config.json.
     */
    private record Built(
            PreferenceModel model,
            BatchSource batches,
            TargetVocabulary grammar,
            TrainSettings settings,
            ObjectNode config) {}

    /** An arm's model holding its best parameters, what it is scored on and where its files go. */
    private record Scored(
            Arm arm, PreferenceModel model, BatchSource batches, TargetVocabulary grammar, Windows w, Path dir) {}

    /**
     * The one model factory of an arm: what {@code config.json} records is what {@link dev.uem.train.TrainedRun}
     * rebuilds.
     */
    private Built build(Arm arm, Windows w) throws IOException {
        ModelConfig m = config.model();
        ObjectNode cfg = JSON.createObjectNode().put("schema_version", RunConfig.SCHEMA_VERSION);
        cfg.set("run", JSON.valueToTree(config));
        cfg.set("arm", JSON.valueToTree(arm));
        cfg.set(
                "examples",
                JSON.createObjectNode()
                        .put("train", w.train.size())
                        .put("validation", w.validation.size())
                        .put("validation_loss", w.validationLoss.size())
                        .put("test", w.test.size()));
        torch.manual_seed(config.seed());
        UnaryOperator<T5Config> lmDropout = c -> m.dropout() == null ? c : c.withDropout(m.dropout());
        T5Model t5 = m.builtInLm()
                ? T5Model.create(lmDropout.apply(T5Config.named(m.lm())), config.seed())
                : T5Checkpoint.load(Path.of(m.lm()), true, lmDropout);
        TargetVocabulary grammar = m.outputVocabulary() == ModelConfig.OutputVocabulary.TASK
                ? TargetVocabulary.of(dataset, tokenizer)
                : null;
        PreferenceModel model;
        BatchSource batches;
        if (arm.kind() == Arm.Kind.UEM) {
            ItemEmbeddings it = items();
            UemConfig named = UemConfig.named(m.uem(), it.rowWidth(), t5.config.dModel(), arm.history());
            UemConfig uc = m.dropout() == null ? named : named.withDropout(m.dropout());
            int headLabels = config.preferenceHead() ? LabelSpace.of(dataset).size() : 0;
            UemModelSpec spec = new UemModelSpec(
                    t5.config,
                    uc,
                    headLabels,
                    m.head(),
                    config.train().preferenceWeight(),
                    config.withDecoderHead(),
                    grammar == null ? null : grammar.tokens(),
                    grammar == null ? null : grammar.genreStarts());
            torch.manual_seed(config.seed());
            model = spec.build(t5).useKernels(m.kernelsOrBest());
            batches = new BatchBuilder(dataset, it, tokenizer);
            cfg.put("encoder", encoder.id());
            cfg.set("network", JSON.valueToTree(spec)); // TrainedRun rebuilds exactly this model from it
        } else {
            if (grammar != null) t5.restrictOutput(grammar.tokens()).limitRepeats(grammar.genreStarts());
            model = new TextHistoryModel(t5);
            batches = new TextBatchBuilder(dataset, tokenizer, m.textBudget());
            cfg.set("lm_config", JSON.valueToTree(t5.config));
        }
        // the UEM warm-up stage belongs to UEM arms with a preference head; a text arm starts joint training at once
        TrainSettings settings = model.hasPreferenceHead()
                ? config.settings()
                : config.settings().withUemWarmup(0);
        return new Built(model, batches, grammar, settings, cfg);
    }

    /**
     * The head's fusion into decoding over the task vocabulary's sentence tokens (train and eval are one layer and do
     * not know each other, so the conversion lives here, above both; {@code uem predict} uses it too).
     */
    public static HeadFusion headFusion(TargetVocabulary grammar, double weight, double threshold) {
        return new HeadFusion(
                new HeadFusion.Grammar(
                        grammar.genreNames(),
                        grammar.dislikesStart(),
                        grammar.separator(),
                        grammar.likesEnd(),
                        grammar.dislikesEnd(),
                        grammar.none()),
                weight,
                threshold);
    }

    /**
     * Scores a model holding its best parameters on the test windows (and the validation windows, what settings are
     * chosen on), writes the arm's files into its folder and returns its lines (none on ranks other than 0).
     * {@code training} gets the evaluation's speed, the peak RSS, the seconds of each of {@code phases} and in all.
     */
    private List<ArmResult> evaluate(Scored s, TrainingFigures training, PhaseTimes phases) throws IOException {
        List<Examples.Window> val = s.w.validation, test = s.w.test;
        String key = s.dir.getFileName().toString();
        // the head's readout first (cheap: no LM): its validation threshold tells the fusion how many genres it names
        Readout head = null;
        HeadFusion fusion = null;
        if (s.model.hasPreferenceHead()) {
            try (Precision.Scope autocast = config.train().precision().autocast(device)) {
                head = phases.time("head_readout", () -> headReadout(s, val, test));
            }
            if (config.eval().headFusion() > 0 && s.grammar != null)
                fusion = headFusion(
                        s.grammar, config.eval().headFusion(), head.line().threshold());
        }
        // each rank decodes its share of the windows; the fusion reuses the readout just computed
        HeadFusion f = fusion;
        float[][] testReadout = fusion == null ? null : head.test(),
                valReadout = fusion == null ? null : head.validation();
        List<Evaluator.Prediction> preds =
                phases.time("decoding_test", () -> predictSharded(s, test, key + "/test", f, testReadout));
        List<Evaluator.Prediction> valPreds =
                phases.time("decoding_validation", () -> predictSharded(s, val, key + "/validation", f, valReadout));
        // the LM alone as well (when asked for, or cheap), so what the fusion adds is on record
        boolean lmAlone = fusion != null && config.eval().decodesLmAlone(test.size() + val.size());
        List<Evaluator.Prediction> lmTest = !lmAlone
                ? preds
                : phases.time("decoding_lm_alone", () -> predictSharded(s, test, key + "/test-lm", null, null));
        List<Evaluator.Prediction> lmVal = !lmAlone
                ? valPreds
                : phases.time("decoding_lm_alone", () -> predictSharded(s, val, key + "/validation-lm", null, null));
        if (!group.leader()) return List.of(); // the arm's files are rank 0's
        MultiLabelMetrics.Report report = Evaluator.score(preds);
        Results.writePredictions(s.dir.resolve("predictions.jsonl"), preds);
        AtomicFiles.writeString(s.dir.resolve("per_label.csv"), ReportJson.perLabelCsv(report));
        ArmResult lmOnly = fusion != null && !lmAlone
                ? null
                : decoded(Arm.uemLm(s.arm.history()), Evaluator.score(lmTest), lmTest, lmVal);
        TrainingFigures figures = training.withEvaluation(
                preds.size() / phases.seconds("decoding_test"), Results.peakRssMiB(), phases.total(), phases.all());
        ArmResult line = decoded(s.arm, report, preds, valPreds)
                .withTrainedArm(
                        fusion == null ? 0 : fusion.weight(), lmOnly == null ? null : LmOnly.of(lmOnly), figures);
        return writeLines(s.dir, line, head == null ? null : head.line(), fusion == null ? null : lmOnly);
    }

    /**
     * A decoding arm's line: its test scores, the distinct sentences it generated, and the same on the validation
     * users (what settings are chosen on; the test numbers are only reported).
     */
    private static ArmResult decoded(
            Arm arm,
            MultiLabelMetrics.Report test,
            List<Evaluator.Prediction> testPreds,
            List<Evaluator.Prediction> valPreds) {
        return ArmResult.of(arm, test)
                .withDecoding(
                        distinct(testPreds),
                        Evaluator.score(valPreds).weighted().f1(),
                        distinct(valPreds));
    }

    /**
     * Writes {@code head.json} and {@code lm.json} (the LM alone as its own line of results, tables and plots) where
     * the arm has them, then {@code arm.json}; returns the lines in that order, the arm's first.
     */
    private static List<ArmResult> writeLines(Path dir, ArmResult line, ArmResult head, ArmResult lmOnly)
            throws IOException {
        List<ArmResult> lines = new ArrayList<>(List.of(line));
        if (head != null) {
            AtomicFiles.writeString(dir.resolve("head.json"), head.toJson());
            lines.add(head);
        }
        if (lmOnly != null) {
            AtomicFiles.writeString(dir.resolve("lm.json"), lmOnly.toJson());
            lines.add(lmOnly);
        }
        AtomicFiles.writeString(dir.resolve("arm.json"), line.toJson()); // last: marks the arm complete
        return lines;
    }

    /**
     * Greedy predictions for {@code windows}, fused with the head's {@code readout} of them when {@code fusion} is not
     * null: each rank decodes its contiguous share, rank 0 gathers them in order (the other ranks get an empty list).
     * One process decodes them all.
     */
    private List<Evaluator.Prediction> predictSharded(
            Scored s, List<Examples.Window> windows, String key, HeadFusion fusion, float[][] readout)
            throws IOException {
        List<Evaluator.Prediction> own;
        // the weights stay fixed from here: one autocast region
        try (Precision.Scope autocast = config.train().precision().autocast(device)) {
            own = Evaluator.predict(
                    s.model,
                    s.batches,
                    tokenizer,
                    verbalizer,
                    dataset,
                    group.shard(windows),
                    DECODE_BATCH,
                    config.eval().maxNewTokens(),
                    fusion,
                    readout == null ? null : group.shard(Arrays.asList(readout)).toArray(float[][]::new),
                    group.leader() ? "decoding " + key.substring(key.indexOf('/') + 1) : null,
                    workers(s.model));
        }
        if (group.worldSize() == 1) return own;
        List<Evaluator.Prediction> all = new ArrayList<>();
        for (String shard : group.gather(key, JSON.writeValueAsString(own)))
            all.addAll(List.of(JSON.readValue(shard, Evaluator.Prediction[].class)));
        return all;
    }

    /** How the evaluation's batches are spread over this process's cores, for {@code model}'s LM. */
    private BatchWorkers workers(PreferenceModel model) {
        long lmParameters = 0;
        for (Tensor t : Modules.namedParameters(model.lm()).values()) lmParameters += t.numel();
        return BatchWorkers.of(config.train().precision(), device, lmParameters);
    }

    /** The head's readout: its {@code uem-head-p} line, and its probabilities on the validation and test windows. */
    private record Readout(ArmResult line, float[][] validation, float[][] test) {}

    /**
     * The {@code uem-head-p} line: the head's readout on the test windows at the threshold best on the validation
     * windows; with the probabilities, which the fusion reuses.
     */
    private Readout headReadout(Scored s, List<Examples.Window> val, List<Examples.Window> test) {
        LabelSpace labels = LabelSpace.of(dataset);
        String bar = group.leader() ? "head readout " : null;
        float[][] valProbabilities = Evaluator.headProbabilities(
                s.model, s.batches, val, 64, bar == null ? null : bar + "validation", workers(s.model));
        double threshold = Evaluator.bestThreshold(dataset, labels, val, valProbabilities);
        float[][] testProbabilities = Evaluator.headProbabilities(
                s.model, s.batches, test, 64, bar == null ? null : bar + "test", workers(s.model));
        MultiLabelMetrics.Report r = Evaluator.head(dataset, labels, test, testProbabilities, threshold);
        // the validation F1 is what settings are chosen on; the test F1 above is only reported
        double validationF1 = Evaluator.head(dataset, labels, val, valProbabilities, threshold)
                .weighted()
                .f1();
        ArmResult line = ArmResult.of(Arm.uemHead(s.arm.history()), r).withThreshold(threshold, validationF1);
        return new Readout(line, valProbabilities, testProbabilities);
    }

    private static long distinct(List<Evaluator.Prediction> predictions) {
        return predictions.stream().map(Evaluator.Prediction::text).distinct().count();
    }

    private ItemEmbeddings items() {
        if (items == null) {
            encoder = encoders.get();
            items = ItemEmbeddings.open(dataset, encoder, Path.of(config.data().cache()), true);
        }
        return items;
    }

    @Override
    public void close() {
        try (T5Tokenizer t = tokenizer;
                SentenceEncoder e = encoder) {
            // closes both, even if one throws
        }
    }
}
