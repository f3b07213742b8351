package dev.uem.train;

import dev.uem.data.Dataset;
import dev.uem.data.Examples;
import dev.uem.data.ItemTexts;
import dev.uem.data.LabelSpace;
import dev.uem.data.PreferenceLabels;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.model.Batch;
import dev.uem.model.BatchSource;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The UEM arm's {@link Batch}es: item-embedding rows, instruction tokens, target tokens, and the preference head's
 * targets (the user's labels, the label rule applied to the shown window, the window's per-genre statistics).
 */
public final class BatchBuilder implements BatchSource {
    private final Dataset dataset;
    private final ItemEmbeddings items;
    private final long[] instruction;
    private final TargetSentences targets;
    private final LabelSpace labelSpace;

    public BatchBuilder(Dataset dataset, ItemEmbeddings items, T5Tokenizer tokenizer) {
        this.dataset = dataset;
        this.items = items;
        this.targets = new TargetSentences(dataset, tokenizer);
        this.labelSpace = LabelSpace.of(dataset);
        this.instruction = tokenizer.encode(ItemTexts.INSTRUCTION);
    }

    /**
     * A batch of arbitrary histories (a new user's ratings, a user's latest items) for generation or export:
     * no targets, so {@code labels} is one ignored position per row. Tensors are created in the caller's PointerScope.
     */
    public Batch forHistories(List<List<Dataset.Entry>> histories) {
        return batch(histories, null);
    }

    /** The windows' histories alone ({@link #forHistories}): what decoding and the head's readout read. */
    @Override
    public Batch inputs(List<Examples.Window> windows) {
        List<List<Dataset.Entry>> histories = new ArrayList<>(windows.size());
        for (Examples.Window w : windows) histories.add(w.shown(dataset));
        return forHistories(histories);
    }

    /**
     * Training or evaluation windows, with their users' target sentences. Tensors are created in the caller's
     * PointerScope.
     */
    @Override
    public Batch build(List<Examples.Window> windows) {
        List<List<Dataset.Entry>> histories = new ArrayList<>(windows.size());
        List<long[]> ids = new ArrayList<>(windows.size());
        int l = labelSpace.size();
        int sw = labelSpace.statsWidth();
        float[] user = new float[windows.size() * l],
                shown = new float[windows.size() * l],
                stats = new float[windows.size() * sw];
        for (int i = 0; i < windows.size(); i++) {
            Examples.Window w = windows.get(i);
            List<Dataset.Entry> h = w.shown(dataset);
            histories.add(h);
            ids.add(targets.of(w.user()));
            labelSpace.multiHot(targets.labels(w.user()).asLabels(), user, i * l);
            labelSpace.multiHot(PreferenceLabels.of(dataset, h).asLabels(), shown, i * l);
            labelSpace.windowStats(dataset, h, stats, i * sw);
        }
        Batch b = batch(histories, ids);
        return new Batch(
                b.rows(),
                b.userMask(),
                b.textIds(),
                b.textMask(),
                b.labels(),
                Tensors.floats(user, windows.size(), l),
                Tensors.floats(shown, windows.size(), l),
                Tensors.floats(stats, windows.size(), sw));
    }

    /**
     * Rows padded to the longest history, the instruction, and targets padded with -100 (one -100 per row when null).
     */
    private Batch batch(List<List<Dataset.Entry>> histories, List<long[]> targets) {
        int b = histories.size();
        int p = Math.max(1, histories.stream().mapToInt(List::size).max().orElse(1));
        int t = targets == null
                ? 1
                : targets.stream().mapToInt(x -> x.length).max().orElse(1);
        int width = items.rowWidth(), n = instruction.length;
        float[] rows = new float[b * p * width];
        long[] userMask = new long[b * p],
                instr = new long[b * n],
                instrMask = new long[b * n],
                labels = new long[b * t];
        Arrays.fill(labels, -100L);
        Arrays.fill(instrMask, 1L);
        for (int i = 0; i < b; i++) {
            List<Dataset.Entry> h = histories.get(i);
            for (int j = 0; j < h.size(); j++) {
                items.row(h.get(j), rows, (i * p + j) * width);
                userMask[i * p + j] = 1;
            }
            if (targets != null) System.arraycopy(targets.get(i), 0, labels, i * t, targets.get(i).length);
            System.arraycopy(instruction, 0, instr, i * n, n);
        }
        return new Batch(
                Tensors.floats(rows, b, p, width),
                Tensors.longs(userMask, b, p),
                Tensors.longs(instr, b, n),
                Tensors.longs(instrMask, b, n),
                Tensors.longs(labels, b, t));
    }
}
