package dev.uem.cli;

import dev.uem.data.Dataset;
import dev.uem.data.HistoryFile;
import dev.uem.data.PreferenceLabels;
import dev.uem.eval.HeadFusion;
import dev.uem.eval.Verbalizer;
import dev.uem.experiment.Experiment;
import dev.uem.model.Batch;
import dev.uem.model.t5.GreedyDecoder;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.BatchBuilder;
import dev.uem.train.TargetVocabulary;
import dev.uem.train.TrainedRun;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code uem predict}: one user's generated preference sentence from a trained run. */
@Command(
        name = "predict",
        header = "Predict one user's liked and disliked genres with a trained run.",
        mixinStandardHelpOptions = true,
        description = {
            "Generate the preference sentence of one user with a trained run and parse "
                    + "it into liked/disliked genres.",
            "--user ID takes the dataset user's latest p ratings (p = the run's history length);",
            "--history FILE takes a new user's ratings (CSV: movieId,rating[,timestamp]; movies " + "from the dataset)."
        })
final class PredictCommand implements Callable<Integer> {
    @Mixin
    RunOptions runOptions;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Who who;

    static final class Who {
        @Option(names = "--user", required = true, paramLabel = "ID", description = "A user id of the dataset.")
        Integer user;

        @Option(names = "--history", required = true, paramLabel = "FILE", description = "A new user's ratings as CSV.")
        Path history;
    }

    @Mixin
    GenerationOption generation;

    @Override
    public Integer call() {
        int maxNewTokens = generation.checked();
        TorchRuntime.init();
        try (RunOptions.Opened o = runOptions.open()) {
            TrainedRun r = o.run();
            Dataset d = o.dataset();
            List<Dataset.Entry> all = who.user != null ? d.history(who.user) : HistoryFile.read(who.history, d);
            List<Dataset.Entry> history = HistoryFile.latest(all, r.history);
            String text;
            // decode as the run's evaluation did: with the head fused in when it was (and the LM scores the task's
            // tokens)
            HeadFusion fusion = null;
            if (r.headFusion > 0
                    && r.headThreshold != null
                    && r.model.hasPreferenceHead()
                    && r.model.lm.outputTokens() != null) {
                TargetVocabulary grammar = TargetVocabulary.of(d, o.tokenizer());
                fusion = Experiment.headFusion(grammar, r.headFusion, r.headThreshold);
            }
            try (PointerScope scope = new PointerScope();
                    NoGradGuard g = new NoGradGuard()) {
                Batch batch = new BatchBuilder(d, o.items(), o.tokenizer())
                        .forHistories(List.of(history))
                        .to(r.device);
                GreedyDecoder.Result out =
                        r.model.generate(batch, maxNewTokens, fusion == null ? null : fusion.bias(r.model, batch));
                text = o.tokenizer().decode(out.sequences()[0]);
            }
            Verbalizer.Parsed parsed = new Verbalizer(d.genres()).parse(text);
            System.out.println("history:   " + all.size() + " ratings"
                    + (all.size() > history.size()
                            ? " (the latest " + history.size() + " used, the run's history length)"
                            : " (all used)"));
            System.out.println("generated: " + text
                    + (fusion == null
                            ? ""
                            : "   (decoded with the preference head fused in, weight " + fusion.weight()
                                    + ", as the run was evaluated)"));
            System.out.println("likes:     " + pick(parsed.labels(), "likes:"));
            System.out.println("dislikes:  " + pick(parsed.labels(), "dislikes:")
                    + (parsed.parseable() ? "" : "   (the sentence did not follow the template)"));
            if (who.user != null) {
                PreferenceLabels truth = PreferenceLabels.of(d, who.user);
                System.out.println("truth:     likes " + truth.likes() + ", dislikes " + truth.dislikes()
                        + " (from the user's whole history)");
            }
            return 0;
        }
    }

    private static List<String> pick(List<String> labels, String prefix) {
        return labels.stream()
                .filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length()))
                .toList();
    }
}
