package dev.uem.cli;

import dev.uem.data.Dataset;
import dev.uem.data.DatasetReader;
import dev.uem.data.ReadOptions;
import dev.uem.data.UserSplit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The dataset options shared by the data commands (a picocli mixin). */
final class DataOptions {
    static final Path BUNDLED = Path.of("data", "movielens", "ml-latest-small");

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "MovieLens folder (ratings.csv+movies.csv, u.data+u.item, or "
                    + "ratings.dat+movies.dat). Default: the bundled ml-latest-small.")
    Path data;

    @Option(
            names = "--descriptions",
            paramLabel = "FILE",
            split = ",",
            description = "Description sources in priority order: movieId,description CSVs or TMDB "
                    + "files (id,overview) joined via links.csv. Default: DIR/descriptions.csv if present.")
    List<Path> descriptions = new ArrayList<>();

    @Option(
            names = "--skip-bad-rows",
            description = "Skip and count malformed rows, unknown movies, duplicates and out-of-scale "
                    + "ratings instead of stopping at the first.")
    boolean skipBadRows;

    @Option(
            names = "--split",
            paramLabel = "TRAIN,VAL,TEST",
            description = "Users per train, validation and test part: fractions (default: 0.8,0.1,0.1) or counts "
                    + "(the paper's: 117000,5000,5000); seeded, disjoint.")
    String split;

    /** The --split sizes (the default 80/10/10 % without one). */
    UserSplit.Sizes sizes() {
        return split == null ? UserSplit.Sizes.DEFAULT : UserSplit.Sizes.parse(split);
    }

    /** The folder to read: --data, or the bundled data next to the working directory or the jar. */
    Path dir() {
        if (data != null) return data;
        if (Files.isDirectory(BUNDLED)) return BUNDLED;
        try {
            Path jar = Path.of(DataOptions.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path beside = jar.getParent().getParent().resolve(BUNDLED);
            if (Files.isDirectory(beside)) return beside;
        } catch (Exception ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("no --data given and the bundled data (" + BUNDLED
                + ") is not here: run from the uem checkout or pass --data DIR");
    }

    Dataset read() {
        return DatasetReader.read(dir(), new ReadOptions(skipBadRows, descriptions));
    }
}
