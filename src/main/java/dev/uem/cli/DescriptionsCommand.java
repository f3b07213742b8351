package dev.uem.cli;

import dev.uem.data.Descriptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code uem descriptions}: join TMDB overviews to MovieLens ids once, into {@code movieId,description}. */
@Command(
        name = "descriptions",
        header = "Join TMDB plot overviews to MovieLens movies as a descriptions CSV.",
        mixinStandardHelpOptions = true,
        description = {
            "Join plot overviews from TMDB files (id,overview) to MovieLens movies " + "through links.csv and write",
            "movieId,description. With several --tmdb files the first that has a text for a movie wins."
        })
final class DescriptionsCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "MovieLens folder with links.csv.")
    Path data;

    @Option(
            names = "--tmdb",
            required = true,
            paramLabel = "FILE",
            split = ",",
            description = "TMDB CSVs in priority order.")
    List<Path> tmdb;

    @Option(names = "--out", paramLabel = "FILE", description = "Output (default: DIR/descriptions.csv).")
    Path out;

    @Override
    public Integer call() {
        Map<Integer, String> d = Descriptions.load(data, tmdb);
        Path target = out != null ? out : data.resolve(Descriptions.FILE);
        Descriptions.write(target, d);
        System.out.println("wrote " + d.size() + " descriptions to " + target);
        return 0;
    }
}
