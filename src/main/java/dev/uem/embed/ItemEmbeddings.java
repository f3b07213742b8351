package dev.uem.embed;

import dev.uem.data.Dataset;
import dev.uem.data.ItemTexts;
import dev.uem.data.Movie;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The UEM's input rows: for a history entry, the sentence embeddings of its three texts (title and genres,
 * rating, description) side by side, {@code 3s} wide (docs/TASK.md §6). Only the unique texts of rated movies and
 * the rating values in use are embedded (the rating texts are at most 10 strings).
 */
public final class ItemEmbeddings {
    private final Dataset dataset;
    private final EmbeddingCache cache;

    private ItemEmbeddings(Dataset dataset, EmbeddingCache cache) {
        this.dataset = dataset;
        this.cache = cache;
    }

    public static ItemEmbeddings open(Dataset d, SentenceEncoder encoder, Path cacheDir, boolean showProgress) {
        return new ItemEmbeddings(d, EmbeddingCache.open(cacheDir, uniqueTexts(d), encoder, showProgress));
    }

    /** The texts to embed, in a fixed order: every rated movie's two texts, then the rating texts. */
    public static List<String> uniqueTexts(Dataset d) {
        Set<String> texts = new LinkedHashSet<>();
        Set<Double> ratings = new java.util.TreeSet<>();
        for (int movieId : d.ratedMovieIds()) {
            Movie m = d.movie(movieId);
            texts.add(ItemTexts.titleAndGenres(m));
            texts.add(ItemTexts.description(m));
        }
        for (int u : d.userIds()) for (Dataset.Entry e : d.history(u)) ratings.add(e.rating());
        for (double r : ratings) texts.add(ItemTexts.rating(r));
        return new ArrayList<>(texts);
    }

    public EmbeddingCache cache() {
        return cache;
    }

    /** Width of one row: 3 x the sentence embedding size. */
    public int rowWidth() {
        return 3 * cache.dimension();
    }

    /** Writes the row of one history entry into {@code dst} at {@code offset}. */
    public void row(Dataset.Entry e, float[] dst, int offset) {
        Movie m = dataset.movie(e.movieId());
        int s = cache.dimension();
        cache.copy(ItemTexts.titleAndGenres(m), dst, offset);
        cache.copy(ItemTexts.rating(e.rating()), dst, offset + s);
        cache.copy(ItemTexts.description(m), dst, offset + 2 * s);
    }
}
