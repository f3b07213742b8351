// Exports what bench/gpu/mirror.py needs from the Java engine, so the PyTorch mirror sees exactly our data:
// the seeded split and windows (TASK.md §5), target token ids and true labels per user, the text arm's input ids
// (p = 5), and the MiniLM item embeddings (title+genres and description per movie, one row per rating value).
//
//   java -cp target/uem.jar bench/gpu/MirrorExport.java mirror      (then copy bench/gpu/mirror.py into mirror/)
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.data.*;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.embed.MiniLmEncoder;
import dev.uem.text.T5Tokenizer;
import dev.uem.train.TextBatchBuilder;

import java.io.*;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.*;

public class MirrorExport {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "mirror");
        Files.createDirectories(out);
        Dataset d = DatasetReader.read(Path.of("data/movielens/ml-latest-small"), ReadOptions.defaults());
        try (MiniLmEncoder enc = new MiniLmEncoder(); T5Tokenizer tok = T5Tokenizer.bundled()) {
            ItemEmbeddings it = ItemEmbeddings.open(d, enc, Path.of("cache"), false);
            int s = it.rowWidth() / 3;
            int[] ids = d.ratedMovieIds();
            float[] row = new float[3 * s];
            // movies.f32: [movies, 2s] (title+genres, description); ratings.f32: [10, s] for 0.5 .. 5 stars
            try (OutputStream mo = new BufferedOutputStream(Files.newOutputStream(out.resolve("movies.f32")));
                 PrintWriter idw = new PrintWriter(Files.newBufferedWriter(out.resolve("movie_ids.txt")))) {
                ByteBuffer bb = ByteBuffer.allocate(2 * s * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int id : ids) {
                    it.row(new Dataset.Entry(id, 3.0, 0), row, 0);
                    bb.clear();
                    for (int i = 0; i < s; i++) bb.putFloat(row[i]);
                    for (int i = 0; i < s; i++) bb.putFloat(row[2 * s + i]);
                    mo.write(bb.array());
                    idw.println(id);
                }
            }
            try (OutputStream ro = new BufferedOutputStream(Files.newOutputStream(out.resolve("ratings.f32")))) {
                ByteBuffer bb = ByteBuffer.allocate(s * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int k = 1; k <= 10; k++) {
                    it.row(new Dataset.Entry(ids[0], k * 0.5, 0), row, 0);
                    bb.clear();
                    for (int i = 0; i < s; i++) bb.putFloat(row[s + i]);
                    ro.write(bb.array());
                }
            }
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            root.set("instruction", json.valueToTree(tok.encode(ItemTexts.INSTRUCTION)));
            root.set("genres", json.valueToTree(d.labelGenres()));
            ObjectNode users = root.putObject("users");
            for (int u : d.userIds()) {
                ObjectNode n = users.putObject(Integer.toString(u));
                ArrayNode hist = n.putArray("history"); // [movieId, rating * 2]
                for (Dataset.Entry e : d.history(u)) hist.addArray().add(e.movieId()).add((int) Math.round(e.rating() * 2));
                n.set("target", json.valueToTree(tok.encode(PreferenceLabels.of(d, u).targetSentence())));
                n.set("truth", json.valueToTree(PreferenceLabels.of(d, u).asLabels()));
            }
            UserSplit split = UserSplit.of(d.userIds(), 0);
            TextBatchBuilder text = new TextBatchBuilder(d, tok, TextBatchBuilder.DEFAULT_BUDGET);
            for (int p : new int[] {5, 20, 50, 100}) {
                ObjectNode arm = root.putObject("p" + p);
                for (UserSplit.Part part : UserSplit.Part.values()) {
                    ArrayNode ws = arm.putArray(part.name().toLowerCase());
                    for (Examples.Window w : Examples.windows(d, split.users(part), p, part == UserSplit.Part.TRAIN, 0)) {
                        ArrayNode x = ws.addArray().add(w.user()).add(w.start()).add(w.length());
                        if (p == 5) x.add(json.valueToTree(tok.encode(text.text(w))));
                    }
                }
            }
            json.writeValue(out.resolve("split.json").toFile(), root);
            System.out.println("wrote " + out + ": " + ids.length + " movies, " + d.userCount() + " users");
        }
    }
}
