package dev.uem.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.data.Examples;
import dev.uem.model.io.SafetensorsFile;
import dev.uem.model.io.SafetensorsWriter;
import dev.uem.model.uem.UemLanguageModel;
import dev.uem.torch.Modules;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.OptimizerParamGroupVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Joint training of the UEM, the soft prompts and the LM: AdamW with two parameter groups, warm-up and decay,
 * gradient clipping and accumulation, one PointerScope per step, validation loss every {@code evalEvery}
 * steps keeping the best parameters ({@code best.safetensors}, written atomically), {@code metrics.jsonl} per
 * step, and a progress bar. A non-finite loss stops the run and leaves the best checkpoint as it was.
 */
public final class Trainer {
    /** What a run ended with. */
    public record Outcome(int steps, double lastLoss, double bestValidationLoss, int bestStep, double examplesPerSecond) {}

    /** Thrown when the loss stops being a number. */
    public static final class DivergedException extends RuntimeException {
        DivergedException(String m) {
            super(m);
        }
    }

    private final UemLanguageModel model;
    private final BatchBuilder batches;
    private final TrainSettings s;
    private final Path outDir;

    public Trainer(UemLanguageModel model, BatchBuilder batches, TrainSettings settings, Path outDir) {
        this.model = model;
        this.batches = batches;
        this.s = settings;
        this.outDir = outDir;
    }

    public Outcome train(List<Examples.Window> train, List<Examples.Window> validation, boolean showProgress) {
        torch.manual_seed(s.seed());
        if (s.freezeLm()) for (Tensor p : model.lm.parameters().get()) p.requires_grad_(false);
        AdamW opt = optimizer();
        List<Examples.Window> order = new ArrayList<>(train);
        Random rng = new Random(s.seed());
        int cursor = order.size();
        double best = Double.POSITIVE_INFINITY, lastLoss = Double.NaN;
        int bestStep = 0;
        long examples = 0, t0 = System.nanoTime();
        Path metrics = outDir.resolve("metrics.jsonl");
        ObjectMapper json = new ObjectMapper();
        try (BufferedWriter log = Files.newBufferedWriter(metrics);
             ProgressBar pb = showProgress ? new ProgressBarBuilder().setTaskName("train").setInitialMax(s.steps())
                     .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).build() : null) {
            for (int step = 1; step <= s.steps(); step++) {
                double f = s.lrFactor(step);
                setLearningRates(opt, f);
                model.train(true);
                double stepLoss = 0;
                try (PointerScope scope = new PointerScope()) {
                    for (int micro = 0; micro < s.accumulation(); micro++) {
                        if (cursor + s.batchSize() > order.size()) { // new epoch, reshuffled
                            Collections.shuffle(order, rng);
                            cursor = 0;
                        }
                        List<Examples.Window> w = order.subList(cursor, Math.min(order.size(), cursor + s.batchSize()));
                        cursor += w.size();
                        Tensor loss = model.loss(batches.build(w));
                        double v = loss.item_double();
                        if (!Double.isFinite(v))
                            throw new DivergedException("loss is " + v + " at step " + step + "; stopped. Best parameters so far (step "
                                    + bestStep + ") are in " + outDir.resolve("best.safetensors") + ", untouched");
                        model.backward(loss.div(new org.bytedeco.pytorch.Scalar((double) s.accumulation())));
                        stepLoss += v / s.accumulation();
                        examples += w.size();
                    }
                    torch.clip_grad_norm_(trainable(), s.clipNorm());
                    opt.step();
                    opt.zero_grad();
                }
                lastLoss = stepLoss;
                double secs = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("step", step);
                row.put("loss", stepLoss);
                row.put("lr_user", s.lrUser() * f);
                row.put("lr_lm", s.freezeLm() ? 0 : s.lrLm() * f);
                row.put("examples_per_s", examples / secs);
                if (step % s.evalEvery() == 0 || step == s.steps()) {
                    double val = validationLoss(validation);
                    row.put("validation_loss", val);
                    if (val < best) {
                        best = val;
                        bestStep = step;
                        SafetensorsWriter.write(outDir.resolve("best.safetensors"), Modules.namedParameters(model));
                    }
                }
                log.write(json.writeValueAsString(row));
                log.write('\n');
                log.flush();
                if (pb != null) {
                    pb.stepTo(step);
                    pb.setExtraMessage(String.format(" loss %.3f lr %.1e %.1f ex/s", stepLoss, s.lrUser() * f, examples / secs));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(metrics + ": " + e.getMessage(), e);
        }
        restore(outDir.resolve("best.safetensors"));
        return new Outcome(s.steps(), lastLoss, best, bestStep, examples / ((System.nanoTime() - t0) / 1e9));
    }

    private AdamW optimizer() {
        AdamWOptions userOpts = new AdamWOptions(s.lrUser());
        userOpts.weight_decay().put(s.weightDecay());
        AdamW opt = new AdamW(new OptimizerParamGroupVector(), userOpts);
        opt.add_param_group(new OptimizerParamGroup(model.userParameters(), userOpts));
        if (!s.freezeLm()) {
            AdamWOptions lmOpts = new AdamWOptions(s.lrLm());
            lmOpts.weight_decay().put(s.weightDecay());
            opt.add_param_group(new OptimizerParamGroup(model.lm.parameters(), lmOpts));
        }
        return opt;
    }

    private void setLearningRates(AdamW opt, double f) {
        OptimizerParamGroupVector groups = opt.param_groups();
        groups.get(0).options().set_lr(s.lrUser() * f);
        if (groups.size() > 1) groups.get(1).options().set_lr(s.lrLm() * f);
    }

    private TensorVector trainable() {
        TensorVector v = new TensorVector();
        for (Tensor p : model.parameters().get()) if (p.requires_grad()) v.push_back(p);
        return v;
    }

    /** Mean teacher-forced loss over the validation windows, in eval mode. */
    public double validationLoss(List<Examples.Window> validation) {
        model.eval();
        double sum = 0;
        int n = 0;
        for (int i = 0; i < validation.size(); i += s.batchSize()) {
            List<Examples.Window> w = validation.subList(i, Math.min(validation.size(), i + s.batchSize()));
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                sum += model.loss(batches.build(w)).item_double() * w.size();
                n += w.size();
            }
        }
        model.train(true);
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Loads parameters saved by this trainer back into the model. */
    public void restore(Path file) {
        if (!Files.isRegularFile(file)) return;
        try (PointerScope scope = new PointerScope()) {
            SafetensorsFile.copyInto(file, Modules.namedParameters(model));
        }
    }
}
