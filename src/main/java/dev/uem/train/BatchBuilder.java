package dev.uem.train;

import dev.uem.data.Dataset;
import dev.uem.data.Examples;
import dev.uem.data.ItemTexts;
import dev.uem.data.PreferenceLabels;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.eval.Verbalizer;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.Tensors;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Turns (user, window) examples into {@link Batch}es: item-embedding rows, instruction tokens, target tokens. */
public final class BatchBuilder {
    private final Dataset dataset;
    private final ItemEmbeddings items;
    private final long[] instruction;
    private final Map<Integer, long[]> targets = new HashMap<>();
    private final T5Tokenizer tokenizer;

    public BatchBuilder(Dataset dataset, ItemEmbeddings items, T5Tokenizer tokenizer) {
        this.dataset = dataset;
        this.items = items;
        this.tokenizer = tokenizer;
        this.instruction = tokenizer.encode(ItemTexts.INSTRUCTION);
    }

    /** Target token ids of a user's label sentence (cached: the label depends only on the user). */
    public long[] target(int user) {
        return targets.computeIfAbsent(user, u -> tokenizer.encode(Verbalizer.target(PreferenceLabels.of(dataset, u))));
    }

    /**
     * A batch of arbitrary histories (a new user's ratings, a user's latest items) for generation or export:
     * no targets, so {@code labels} is one ignored position per row. Tensors are created in the caller's PointerScope.
     */
    public Batch forHistories(List<List<Dataset.Entry>> histories) {
        int b = histories.size();
        int p = Math.max(1, histories.stream().mapToInt(List::size).max().orElse(1));
        int width = items.rowWidth();
        float[] rows = new float[b * p * width];
        long[] userMask = new long[b * p];
        long[] instr = new long[b * instruction.length], instrMask = new long[b * instruction.length], labels = new long[b];
        java.util.Arrays.fill(labels, -100L);
        java.util.Arrays.fill(instrMask, 1L);
        for (int i = 0; i < b; i++) {
            List<Dataset.Entry> h = histories.get(i);
            for (int j = 0; j < h.size(); j++) {
                items.row(h.get(j), rows, (i * p + j) * width);
                userMask[i * p + j] = 1;
            }
            System.arraycopy(instruction, 0, instr, i * instruction.length, instruction.length);
        }
        return new Batch(Tensors.floats(rows, b, p, width), Tensors.longs(userMask, b, p),
                Tensors.longs(instr, b, instruction.length), Tensors.longs(instrMask, b, instruction.length), Tensors.longs(labels, b, 1));
    }

    /** Tensors are created in the caller's PointerScope. */
    public Batch build(List<Examples.Window> windows) {
        int b = windows.size();
        int p = windows.stream().mapToInt(Examples.Window::length).max().orElse(1);
        int width = items.rowWidth();
        float[] rows = new float[b * p * width];
        long[] userMask = new long[b * p];
        int t = 0;
        for (Examples.Window w : windows) t = Math.max(t, target(w.user()).length);
        long[] labels = new long[b * t];
        java.util.Arrays.fill(labels, -100L);
        long[] instr = new long[b * instruction.length];
        long[] instrMask = new long[b * instruction.length];
        for (int i = 0; i < b; i++) {
            Examples.Window w = windows.get(i);
            List<Dataset.Entry> h = dataset.history(w.user()).subList(w.start(), w.start() + w.length());
            for (int j = 0; j < h.size(); j++) {
                items.row(h.get(j), rows, (i * p + j) * width);
                userMask[i * p + j] = 1;
            }
            long[] tgt = target(w.user());
            System.arraycopy(tgt, 0, labels, i * t, tgt.length);
            System.arraycopy(instruction, 0, instr, i * instruction.length, instruction.length);
            java.util.Arrays.fill(instrMask, i * instruction.length, (i + 1) * instruction.length, 1L);
        }
        return new Batch(Tensors.floats(rows, b, p, width), Tensors.longs(userMask, b, p),
                Tensors.longs(instr, b, instruction.length), Tensors.longs(instrMask, b, instruction.length), Tensors.longs(labels, b, t));
    }
}
