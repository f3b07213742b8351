package dev.uem.cli;

import dev.uem.data.Dataset;
import dev.uem.data.HistoryFile;
import dev.uem.data.PreferenceLabels;
import dev.uem.serve.Prediction;
import dev.uem.serve.Predictor;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.TrainedRun;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
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
            // decoded as the run's evaluation did: with the head fused in when it was
            Predictor predictor = new Predictor(r, d, o.items(), o.tokenizer(), maxNewTokens);
            Prediction p = predictor.predict(List.of(history)).get(0);
            System.out.println("history:   " + all.size() + " ratings"
                    + (all.size() > history.size()
                            ? " (the latest " + history.size() + " used, the run's history length)"
                            : " (all used)"));
            System.out.println("generated: " + p.sentence()
                    + (predictor.fusionWeight() == 0
                            ? ""
                            : "   (decoded with the preference head fused in, weight " + predictor.fusionWeight()
                                    + ", as the run was evaluated)"));
            System.out.println("likes:     " + p.likes());
            System.out.println("dislikes:  " + p.dislikes()
                    + (p.parseable() ? "" : "   (the sentence did not follow the template)"));
            if (who.user != null) {
                PreferenceLabels truth = PreferenceLabels.of(d, who.user);
                System.out.println("truth:     likes " + truth.likes() + ", dislikes " + truth.dislikes()
                        + " (from the user's whole history)");
            }
            printWhy(p);
            return 0;
        }
    }

    /** Per named genre, the history items the head counted most for it. */
    private static void printWhy(Prediction p) {
        if (p.why().isEmpty()) return;
        System.out.println("why:       the items the preference head counted most for each named genre");
        p.why().forEach((genre, reasons) -> {
            System.out.printf("  %-12s", genre);
            String items = String.join(
                    "; ",
                    reasons.stream()
                            .map(x -> "%s (rated %.1f, gate %.2f)".formatted(x.title(), x.rating(), x.weight()))
                            .toList());
            System.out.println(items);
        });
    }
}
