package dev.uem.embed;

import java.util.List;

/** Turns texts into fixed-size sentence embeddings; one row per text, in order. */
public interface SentenceEncoder extends AutoCloseable {
    /** Identifies the model (and so the cache files it may reuse), e.g. {@code all-MiniLM-L6-v2}. */
    String id();

    int dimension();

    float[][] embed(List<String> texts);

    @Override
    default void close() {}
}
