package dev.uem.data;

import java.nio.file.Path;
import java.util.List;

/**
 * How to read a dataset folder.
 *
 * @param skipBadRows skip (and count) malformed rows, ratings of unknown movies, duplicates and out-of-scale
 *                    ratings instead of failing on the first one
 * @param descriptions description sources in priority order: {@code movieId,description} CSVs or TMDB files
 *                     ({@code id,overview}) joined through {@code links.csv}; empty means
 *                     {@code DIR/descriptions.csv} if it exists
 */
public record ReadOptions(boolean skipBadRows, List<Path> descriptions) {
    public static ReadOptions defaults() {
        return new ReadOptions(false, List.of());
    }
}
