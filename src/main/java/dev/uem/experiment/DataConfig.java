package dev.uem.experiment;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.uem.data.UserSplit;
import java.nio.file.Path;
import java.util.List;

/**
 * Which data a run reads and how its examples are cut.
 *
 * @param dataset      MovieLens folder (absolute, so a run folder works from any working directory)
 * @param descriptions description sources in priority order (CSV or TMDB files); empty: the folder's own
 * @param skipBadRows  skip and count bad rows instead of stopping at the first
 * @param cache        item-embedding cache folder
 * @param trainWindows extra seeded windows per training user besides the most recent (docs/TASK.md §5)
 * @param split        users per train / validation / test part, as fractions or counts
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DataConfig(
        String dataset,
        List<String> descriptions,
        boolean skipBadRows,
        String cache,
        int trainWindows,
        UserSplit.Sizes split) {
    /** The default split (80 / 10 / 10 %). */
    public DataConfig(String dataset, List<String> descriptions, boolean skipBadRows, String cache, int trainWindows) {
        this(dataset, descriptions, skipBadRows, cache, trainWindows, UserSplit.Sizes.DEFAULT);
    }

    public DataConfig {
        if (split == null) split = UserSplit.Sizes.DEFAULT; // a config.json written before the field
        dataset = absolute(dataset);
        descriptions = descriptions == null
                ? List.of()
                : descriptions.stream().map(DataConfig::absolute).toList();
        cache = absolute(cache);
        if (trainWindows < 0 || trainWindows > 1000)
            throw new IllegalArgumentException("train_windows must be in [0, 1000], found " + trainWindows);
    }

    public DataConfig withTrainWindows(int n) {
        return new DataConfig(dataset, descriptions, skipBadRows, cache, n, split);
    }

    private static String absolute(String path) {
        return Path.of(path).toAbsolutePath().normalize().toString();
    }
}
