package dev.uem.cli;

import dev.uem.data.Dataset;
import dev.uem.data.HistoryFile;
import dev.uem.data.UserSplit;
import dev.uem.io.Log;
import dev.uem.io.StopSignal;
import dev.uem.model.Batch;
import dev.uem.model.io.SafetensorsWriter;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.BatchBuilder;
import dev.uem.train.TrainedRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code uem export-user-embeddings}: every user's soft tokens from a trained run, as safetensors. */
@Command(
        name = "export-user-embeddings",
        header = "Write every user's soft tokens and the task prompts to a safetensors file.",
        mixinStandardHelpOptions = true,
        description = {
            "Write each user's soft tokens (the UEM's output for the user's latest p ratings, [len, e])",
            "to one safetensors file: key 'user.<id>' per user, plus 'prompts' ([k, e], the task soft prompts)."
        })
final class ExportUserEmbeddingsCommand implements Callable<Integer> {
    @Mixin
    RunOptions runOptions;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "FILE",
            description = "Output .safetensors file (written atomically).")
    Path out;

    @Option(
            names = "--users",
            defaultValue = "all",
            paramLabel = "all|train|validation|test",
            description = "Which users (split by the run's seed; default: ${DEFAULT-VALUE}).")
    String users;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            description = "Users per forward pass, 1 to 4096 (default: ${DEFAULT-VALUE}).")
    int batchSize;

    private static UserSplit.Part part(String name) {
        for (UserSplit.Part p : UserSplit.Part.values()) if (p.name().equalsIgnoreCase(name)) return p;
        throw new IllegalArgumentException("--users: expected all, train, validation or test, found '" + name + "'");
    }

    @Override
    public Integer call() {
        if (batchSize < 1 || batchSize > 4096)
            throw new IllegalArgumentException("--batch-size: expected 1 to 4096, found " + batchSize);
        UserSplit.Part part = users.equals("all") ? null : part(users); // a bad --users fails before any work
        TorchRuntime.init();
        try (RunOptions.Opened o = runOptions.open()) {
            TrainedRun r = o.run();
            Dataset d = o.dataset();
            // the split of the run's own seed and sizes (config.json), so "test" means the users it was tested on
            int[] ids = part == null
                    ? d.userIds()
                    : UserSplit.of(d.userIds(), r.seed, r.split).users(part);
            BatchBuilder batches = new BatchBuilder(d, o.items(), o.tokenizer());
            long e = r.model.uem.config.lmWidth();
            Map<Integer, float[]> tokens = new LinkedHashMap<>();
            Map<Integer, Integer> lengths = new LinkedHashMap<>();
            try (ProgressBar pb = Log.progress("export", ids.length).build()) {
                for (int i = 0; i < ids.length; i += batchSize) {
                    StopSignal.check("export abandoned after " + i + " of " + ids.length + " users (nothing written)");
                    int[] chunk = Arrays.copyOfRange(ids, i, Math.min(ids.length, i + batchSize));
                    List<List<Dataset.Entry>> hs = new ArrayList<>();
                    for (int u : chunk) hs.add(HistoryFile.latest(d.history(u), r.history));
                    try (PointerScope scope = new PointerScope();
                            NoGradGuard g = new NoGradGuard()) {
                        Batch b = batches.forHistories(hs).to(r.device);
                        Tensor soft = r.model.uem.forward(b.rows(), b.userMask()); // [B, p, e]
                        for (int j = 0; j < chunk.length; j++) {
                            int len = hs.get(j).size();
                            tokens.put(
                                    chunk[j],
                                    Tensors.toFloats(
                                            soft.select(0, j).narrow(0, 0, len).contiguous()));
                            lengths.put(chunk[j], len);
                        }
                    }
                    pb.stepBy(chunk.length);
                }
            }
            try (PointerScope scope = new PointerScope()) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                out.put("prompts", r.model.prompts.weight().detach().clone());
                for (Map.Entry<Integer, float[]> t : tokens.entrySet())
                    out.put("user." + t.getKey(), Tensors.floats(t.getValue(), lengths.get(t.getKey()), e));
                SafetensorsWriter.write(this.out, out);
            }
            System.out.printf(
                    "wrote soft tokens of %d users (up to %d each, width %d) to %s%n",
                    tokens.size(), r.history, e, this.out);
            return 0;
        }
    }
}
