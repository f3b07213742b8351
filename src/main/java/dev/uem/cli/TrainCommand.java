package dev.uem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.data.Dataset;
import dev.uem.data.Examples;
import dev.uem.data.UserSplit;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.embed.MiniLmEncoder;
import dev.uem.embed.SentenceEncoder;
import dev.uem.eval.Evaluator;
import dev.uem.eval.MultiLabelMetrics;
import dev.uem.eval.Verbalizer;
import dev.uem.io.AtomicFiles;
import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.model.uem.SoftPrompts;
import dev.uem.model.uem.UemConfig;
import dev.uem.model.uem.UemLanguageModel;
import dev.uem.model.uem.UserEmbeddingModule;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.BatchBuilder;
import dev.uem.train.TrainSettings;
import dev.uem.train.Trainer;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code uem train}: the UEM arm end to end on one dataset, with the counting baselines beside it. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the UEM with soft prompts and a T5 jointly on the training users, keep the best validation",
                "checkpoint, and evaluate on the test users (greedy decoding, verbalizer, weighted P/R/F1) next to the",
                "counting baselines. With no arguments: the bundled ml-latest-small, MiniLM item embeddings, t5-mini from",
                "scratch, history 50. Everything is written under runs/<timestamp>/ (or --out)."})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default: runs/<timestamp>).")
    Path out;
    @Option(names = "--lm", defaultValue = "t5-mini", paramLabel = "t5-mini|DIR", description = "LM: built-in t5-mini from scratch, or an HF checkpoint folder (default: ${DEFAULT-VALUE}).")
    String lm;
    @Option(names = "--uem", defaultValue = "mini", paramLabel = "mini|paper", description = "UEM size (default: ${DEFAULT-VALUE}; paper = 3 layers, 12 heads, 768, MLP 2048).")
    String uemName;
    @Option(names = "--history", defaultValue = "50", description = "History length p (default: ${DEFAULT-VALUE}).")
    int history;
    @Option(names = "--steps", defaultValue = "400", description = "Optimiser steps (default: ${DEFAULT-VALUE}).")
    int steps;
    @Option(names = "--batch-size", defaultValue = "16", description = "Examples per micro-batch (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--accumulation", defaultValue = "1", description = "Micro-batches per step (paper: effective batch 128) (default: ${DEFAULT-VALUE}).")
    int accumulation;
    @Option(names = "--lr-user", defaultValue = "1e-3", description = "Learning rate of the UEM and prompts (default: ${DEFAULT-VALUE}).")
    double lrUser;
    @Option(names = "--lr-lm", defaultValue = "1e-3", description = "Learning rate of the LM (default: ${DEFAULT-VALUE}).")
    double lrLm;
    @Option(names = "--warmup", defaultValue = "40", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--eval-every", defaultValue = "100", description = "Validation every N steps (default: ${DEFAULT-VALUE}).")
    int evalEvery;
    @Option(names = "--freeze-lm", description = "Train only the UEM and the prompts (PEFT style).")
    boolean freezeLm;
    @Option(names = "--cache", defaultValue = "cache", paramLabel = "DIR", description = "Embedding cache folder (default: ${DEFAULT-VALUE}).")
    Path cache;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of split, windows, init and order (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--kernels", paramLabel = "native|torch",
            description = "Prompt assembly: fused native kernels or libtorch ops (same results; default: native when its library loads).")
    String kernels;
    @Option(names = "--max-new-tokens", defaultValue = "32", description = "Generation length limit (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    private PromptAssembly.Kernels kernelChoice() {
        if (kernels == null) return PromptAssembly.Kernels.best();
        return switch (kernels) {
            case "native" -> PromptAssembly.Kernels.NATIVE;
            case "torch" -> PromptAssembly.Kernels.TORCH;
            default -> throw new IllegalArgumentException("--kernels: expected native or torch, found '" + kernels + "'");
        };
    }

    @Override
    public Integer call() throws IOException {
        long t0 = System.nanoTime();
        TorchRuntime.init();
        PromptAssembly.Kernels assembly = kernelChoice();  // before any work: a bad --kernels fails at once
        Path dir = out != null ? out : Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        Dataset d = data.read();
        UserSplit split = UserSplit.of(d.userIds(), seed);
        List<Examples.Window> train = Examples.windows(d, split.train(), history, true, seed);
        List<Examples.Window> val = Examples.windows(d, split.validation(), history, false, seed);
        List<Examples.Window> test = Examples.windows(d, split.test(), history, false, seed);
        TrainSettings settings = new TrainSettings(steps, batchSize, accumulation, lrUser, lrLm, 0.01, warmup, 1.0, evalEvery, freezeLm, seed);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

        try (SentenceEncoder enc = new MiniLmEncoder(); T5Tokenizer tok = T5Tokenizer.forCheckpoint(lm.equals("t5-mini") ? null : Path.of(lm))) {
            ItemEmbeddings items = ItemEmbeddings.open(d, enc, cache, true);
            T5Model t5 = lm.equals("t5-mini") ? T5Model.create(T5Config.t5Mini(), seed) : T5Checkpoint.load(Path.of(lm));
            UemConfig uc = UemConfig.named(uemName, items.rowWidth(), t5.config.dModel(), Math.max(history, 1));
            torch.manual_seed(seed);
            UserEmbeddingModule uem = new UserEmbeddingModule(uc);
            SoftPrompts prompts = new SoftPrompts(uc.promptLength(), uc.lmWidth()).initFromVocab(t5.sharedWeight(), 32000);
            ObjectNode cfg = json.createObjectNode();
            cfg.put("dataset", d.dir().toString()).put("encoder", enc.id()).put("lm", lm).put("uem", uemName).put("history", history)
                    .put("kernels", assembly.name().toLowerCase())
                    .put("seed", seed).put("train_examples", train.size()).put("validation_examples", val.size()).put("test_examples", test.size());
            cfg.set("settings", json.valueToTree(settings));
            cfg.set("uem_config", json.valueToTree(uc));
            cfg.set("lm_config", json.valueToTree(t5.config));
            AtomicFiles.writeString(dir.resolve("config.json"), json.writeValueAsString(cfg));
            try (UemLanguageModel model = new UemLanguageModel(t5, uem, prompts).useKernels(assembly)) {
                BatchBuilder batches = new BatchBuilder(d, items, tok);
                Trainer.Outcome o = new Trainer(model, batches, settings, dir).train(train, val, true);
                long tEval = System.nanoTime();
                List<Evaluator.Prediction> preds = Evaluator.predict(model, batches, tok, new Verbalizer(d.genres()), d, test, 32, maxNewTokens);
                double evalSecs = (System.nanoTime() - tEval) / 1e9;
                MultiLabelMetrics.Report uemReport = Evaluator.score(preds);
                MultiLabelMetrics.Report countAll = Evaluator.counting(d, test, false), countWin = Evaluator.counting(d, test, true);
                writePredictions(dir.resolve("predictions.jsonl"), preds);
                writePerLabel(dir.resolve("per_label.csv"), uemReport);
                ObjectNode results = json.createObjectNode();
                results.put("dataset", d.dir().toString()).put("split", "test");
                ArrayNode arms = results.putArray("arms");
                arm(arms.addObject(), "uem-" + history, "uem", history, uemReport, json);
                arm(arms.addObject(), "counting-history", "counting", -1, countAll, json);
                arm(arms.addObject(), "counting-window-" + history, "counting", history, countWin, json);
                results.putObject("training").put("steps", o.steps()).put("last_loss", o.lastLoss()).put("best_validation_loss", o.bestValidationLoss())
                        .put("best_step", o.bestStep()).put("train_examples_per_s", o.examplesPerSecond())
                        .put("eval_examples_per_s", preds.size() / evalSecs).put("total_seconds", (System.nanoTime() - t0) / 1e9);
                AtomicFiles.writeString(dir.resolve("results.json"), json.writeValueAsString(results));
                System.out.printf("%n%-22s %9s %9s %9s %11s%n", "arm (test users)", "precision", "recall", "F1", "unparseable");
                row("uem-" + history, uemReport);
                row("counting (history)", countAll);
                row("counting (window)", countWin);
                System.out.printf("%nbest validation loss %.4f at step %d; %.1f train examples/s; run folder %s (%.0f s)%n",
                        o.bestValidationLoss(), o.bestStep(), o.examplesPerSecond(), dir, (System.nanoTime() - t0) / 1e9);
            }
        }
        return 0;
    }

    private static void row(String name, MultiLabelMetrics.Report r) {
        System.out.printf("%-22s %9.3f %9.3f %9.3f %11.3f%n", name, r.weighted().precision(), r.weighted().recall(), r.weighted().f1(), r.unparseableShare());
    }

    private static void arm(ObjectNode a, String name, String kind, int history, MultiLabelMetrics.Report r, ObjectMapper json) {
        a.put("name", name).put("kind", kind);
        if (history > 0) a.put("history", history);
        else a.putNull("history");
        ObjectNode full = MetricsCommand.toJson(json, r);
        a.put("precision", r.weighted().precision()).put("recall", r.weighted().recall()).put("f1", r.weighted().f1());
        a.set("micro", full.get("micro"));
        a.set("macro", full.get("macro"));
        a.set("likes", full.get("likes"));
        a.set("dislikes", full.get("dislikes"));
        a.put("unparseable", r.unparseableShare());
    }

    private static void writePredictions(Path file, List<Evaluator.Prediction> preds) throws IOException {
        ObjectMapper compact = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        for (Evaluator.Prediction p : preds) {
            ObjectNode n = compact.createObjectNode();
            n.put("user", p.user()).put("window_start", p.window().start()).put("window_length", p.window().length())
                    .put("generated", p.text()).put("parseable", p.parseable());
            var pred = n.putArray("pred");
            p.predicted().forEach(pred::add);
            var truth = n.putArray("true");
            p.truth().forEach(truth::add);
            lines.append(compact.writeValueAsString(n)).append('\n');
        }
        AtomicFiles.writeString(file, lines.toString());
    }

    private static void writePerLabel(Path file, MultiLabelMetrics.Report r) {
        StringBuilder sb = new StringBuilder("label,precision,recall,f1,support\n");
        for (MultiLabelMetrics.LabelScore s : r.perLabel())
            sb.append(s.label()).append(',').append(s.precision()).append(',').append(s.recall()).append(',').append(s.f1()).append(',').append(s.support()).append('\n');
        AtomicFiles.writeString(file, sb.toString());
    }
}
