package dev.uem.train;

import dev.uem.data.Dataset;
import dev.uem.data.Examples;
import dev.uem.data.ItemTexts;
import dev.uem.data.Movie;
import dev.uem.model.Batch;
import dev.uem.model.BatchSource;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The text-history arm's {@link Batch}es (docs/TASK.md §6): {@code {instruction} History: } followed by the window's
 * items as {@code {text1}. {text2}. {text3}} joined by {@code " | "}, keeping the most recent items that fit whole in
 * the token budget (EOS included), in chronological order.
 */
public final class TextBatchBuilder implements BatchSource {
    public static final int DEFAULT_BUDGET = 512;
    static final String HISTORY = " History: ";

    private final Dataset dataset;
    private final T5Tokenizer tokenizer;
    private final int budget;
    private final TargetSentences targets;
    private final Map<Examples.Window, long[]> inputs = new ConcurrentHashMap<>(); // windows repeat every epoch

    public TextBatchBuilder(Dataset dataset, T5Tokenizer tokenizer, int budget) {
        if (budget < 8) throw new IllegalArgumentException("text budget must be at least 8 tokens, found " + budget);
        this.dataset = dataset;
        this.tokenizer = tokenizer;
        this.budget = budget;
        this.targets = new TargetSentences(dataset, tokenizer);
    }

    /** One history entry as text: {@code {text1}. {text2}. {text3}}. */
    public static String itemText(Movie m, double rating) {
        return ItemTexts.titleAndGenres(m) + ". " + ItemTexts.rating(rating) + ". " + ItemTexts.description(m);
    }

    /** The model input for a window: the most recent items that fit the budget whole, oldest first. */
    public String text(Examples.Window w) {
        return render(shown(w));
    }

    private String render(List<Dataset.Entry> items) {
        StringBuilder sb = new StringBuilder(ItemTexts.INSTRUCTION).append(HISTORY);
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) sb.append(" | ");
            Dataset.Entry e = items.get(i);
            sb.append(itemText(dataset.movie(e.movieId()), e.rating()));
        }
        return sb.toString();
    }

    /** Items kept: growing from the most recent while the whole text still tokenizes within the budget. */
    private List<Dataset.Entry> shown(Examples.Window w) {
        List<Dataset.Entry> window = w.shown(dataset);
        int keep = 0;
        while (keep < window.size()
                && tokenizer.encode(render(window.subList(window.size() - keep - 1, window.size()))).length <= budget)
            keep++;
        return window.subList(window.size() - keep, window.size());
    }

    private long[] ids(Examples.Window w) {
        return inputs.computeIfAbsent(w, x -> tokenizer.encode(text(x)));
    }

    @Override
    public Batch build(List<Examples.Window> windows) {
        int b = windows.size();
        List<long[]> in = new ArrayList<>(b), out = new ArrayList<>(b);
        for (Examples.Window w : windows) {
            in.add(ids(w));
            out.add(targets.of(w.user()));
        }
        int n = in.stream().mapToInt(x -> x.length).max().orElse(1),
                t = out.stream().mapToInt(x -> x.length).max().orElse(1);
        long[] ids = new long[b * n], mask = new long[b * n], labels = new long[b * t];
        Arrays.fill(labels, -100L);
        for (int i = 0; i < b; i++) {
            System.arraycopy(in.get(i), 0, ids, i * n, in.get(i).length); // pad id 0, masked
            Arrays.fill(mask, i * n, i * n + in.get(i).length, 1L);
            System.arraycopy(out.get(i), 0, labels, i * t, out.get(i).length);
        }
        return new Batch(null, null, Tensors.longs(ids, b, n), Tensors.longs(mask, b, n), Tensors.longs(labels, b, t));
    }
}
