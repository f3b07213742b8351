package dev.uem.train;

import dev.uem.model.PreferenceModel;
import dev.uem.torch.Modules;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The run's AdamW with each group's base learning rate in group order: the schedule scales these every step.
 *
 * @param adamw   the optimiser; its moments are native memory, freed by {@link #close}
 * @param baseLr  each group's learning rate before the schedule's factor
 * @param hasUser whether group 0 holds the UEM and prompts (else the LM is the only group)
 */
record Optimiser(FusedAdamW adamw, double[] baseLr, boolean hasUser) implements AutoCloseable {
    /** Group 0: the UEM and prompts (when the model has them); then the LM (unless frozen). */
    static Optimiser of(PreferenceModel model, TrainSettings s) {
        List<List<Tensor>> groups = new ArrayList<>();
        List<Double> lrs = new ArrayList<>();
        List<Tensor> user = Modules.handles(model.userParameters());
        boolean hasUser = !user.isEmpty();
        if (hasUser) {
            groups.add(user);
            lrs.add(s.lrUser());
        }
        if (!s.freezeLm()) {
            groups.add(Modules.handles(model.lm().parameters()));
            lrs.add(s.lrLm());
        }
        if (groups.isEmpty()) {
            throw new IllegalArgumentException(
                    "nothing to train: the LM is frozen and the model has no UEM or prompts");
        }
        double[] base = lrs.stream().mapToDouble(Double::doubleValue).toArray();
        return new Optimiser(new FusedAdamW(groups, base, s.weightDecay()), base, hasUser);
    }

    /** Sets every group's learning rate to its base rate times the schedule's factor {@code f}. */
    void scaleLearningRates(double f) {
        for (int g = 0; g < baseLr.length; g++) adamw.setLearningRate(g, baseLr[g] * f);
    }

    @Override
    public void close() {
        adamw.close();
    }
}
