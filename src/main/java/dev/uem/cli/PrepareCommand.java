package dev.uem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.data.Dataset;
import dev.uem.data.Examples;
import dev.uem.data.Movie;
import dev.uem.data.PreferenceLabels;
import dev.uem.data.UserSplit;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.embed.MiniLmEncoder;
import dev.uem.embed.SentenceEncoder;
import dev.uem.io.AtomicFiles;
import dev.uem.io.Log;
import dev.uem.model.t5.SentenceT5Encoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code uem prepare}: read, label, split and summarise a dataset, and build its item-embedding cache. */
@Command(
        name = "prepare",
        header = "Summarise a MovieLens folder and build its item-embedding cache.",
        mixinStandardHelpOptions = true,
        description = {
            "Read a MovieLens dataset (default: the bundled ml-latest-small), print and " + "write its summary as JSON",
            "(users, movies, ratings, genres, description coverage, label distribution, "
                    + "examples per split) and build",
            "the sentence-embedding cache of its item texts (cold: embeds every unique text; "
                    + "warm: reads the cache)."
        })
final class PrepareCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(
            names = "--out",
            defaultValue = "runs/prepare/summary.json",
            paramLabel = "FILE",
            description = "Summary JSON (default: ${DEFAULT-VALUE}).")
    Path out;

    @picocli.CommandLine.Mixin
    CacheOption cache;

    @Option(
            names = "--encoder",
            defaultValue = "minilm",
            paramLabel = "minilm|DIR",
            description = "Sentence encoder: minilm (all-MiniLM-L6-v2, bundled) or a Sentence-T5 "
                    + "checkpoint folder (default: ${DEFAULT-VALUE}).")
    String encoder;

    @Option(
            names = "--history",
            defaultValue = "50",
            description = "History length p of the examples counted (default: ${DEFAULT-VALUE}).")
    int history;

    @picocli.CommandLine.Mixin
    SeedOption seed;

    @Option(names = "--no-embeddings", description = "Summarise only; do not build the embedding cache.")
    boolean noEmbeddings;

    @Override
    public Integer call() throws IOException {
        long t0 = System.nanoTime();
        Dataset d = data.read();
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode s = summary(json, d, history, seed.seed, data.sizes());
        s.put("read_seconds", (System.nanoTime() - t0) / 1e9);
        if (!noEmbeddings) {
            long t1 = System.nanoTime();
            try (SentenceEncoder enc =
                    encoder.equals("minilm") ? new MiniLmEncoder() : new SentenceT5Encoder(Path.of(encoder))) {
                ItemEmbeddings items = ItemEmbeddings.open(d, enc, cache.cache, true);
                double secs = (System.nanoTime() - t1) / 1e9;
                ObjectNode e = s.putObject("embeddings");
                e.put("encoder", enc.id())
                        .put("dimension", enc.dimension())
                        .put("row_width", items.rowWidth())
                        .put("unique_texts", items.cache().size())
                        .put("cache_file", items.cache().file().toString())
                        .put("cache", items.cache().wasBuilt() ? "built" : "hit")
                        .put("embedded_now", items.cache().embeddedNow())
                        .put("seconds", secs);
                if (items.cache().wasBuilt())
                    e.put("texts_per_second", items.cache().embeddedNow() / secs);
            }
        }
        s.put("total_seconds", (System.nanoTime() - t0) / 1e9);
        String text = json.writeValueAsString(s);
        System.out.println(text);
        AtomicFiles.writeString(out, text + "\n");
        Log.logger().info("summary written to {}", out);
        return 0;
    }

    static ObjectNode summary(ObjectMapper json, Dataset d, int history, long seed, UserSplit.Sizes sizes) {
        ObjectNode s = json.createObjectNode();
        s.put("dataset", d.dir().toString()).put("layout", d.layout());
        s.put("users", d.userCount()).put("movies", d.movies().size());
        int[] rated = d.ratedMovieIds();
        s.put("rated_movies", rated.length).put("ratings", d.ratingCount());
        var g = s.putArray("genres");
        d.genres().forEach(g::add);
        long withDesc = 0, ratedWithDesc = 0, ratingsWithDesc = 0;
        for (Movie m : d.movies().values()) if (m.description() != null) withDesc++;
        for (int id : rated) if (d.movie(id).description() != null) ratedWithDesc++;
        Map<String, Integer> likes = new TreeMap<>(), dislikes = new TreeMap<>();
        int noLikes = 0, noDislikes = 0;
        for (int u : d.userIds()) {
            for (Dataset.Entry e : d.history(u)) if (d.movie(e.movieId()).description() != null) ratingsWithDesc++;
            PreferenceLabels l = PreferenceLabels.of(d, u);
            l.likes().forEach(x -> likes.merge(x, 1, Integer::sum));
            l.dislikes().forEach(x -> dislikes.merge(x, 1, Integer::sum));
            if (l.likes().isEmpty()) noLikes++;
            if (l.dislikes().isEmpty()) noDislikes++;
        }
        s.putObject("description_coverage")
                .put("movies", (double) withDesc / d.movies().size())
                .put("rated_movies", (double) ratedWithDesc / rated.length)
                .put("ratings", (double) ratingsWithDesc / d.ratingCount());
        ObjectNode labels = s.putObject("labels");
        likes.forEach(labels.putObject("likes")::put);
        dislikes.forEach(labels.putObject("dislikes")::put);
        labels.put("users_without_likes", noLikes).put("users_without_dislikes", noDislikes);
        UserSplit split = UserSplit.of(d.userIds(), seed, sizes);
        ObjectNode ex = s.putObject("examples").put("history", history).put("seed", seed);
        for (UserSplit.Part p : UserSplit.Part.values()) {
            int[] users = split.users(p);
            ex.putObject(p.name().toLowerCase())
                    .put("users", users.length)
                    .put(
                            "examples",
                            Examples.windows(d, users, history, p == UserSplit.Part.TRAIN, seed)
                                    .size());
        }
        if (!d.skipped().isEmpty()) d.skipped().forEach(s.putObject("skipped_rows")::put);
        return s;
    }
}
