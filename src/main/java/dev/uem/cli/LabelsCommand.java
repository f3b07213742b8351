package dev.uem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.data.Dataset;
import dev.uem.data.PreferenceLabels;
import dev.uem.io.AtomicFiles;
import dev.uem.io.Log;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code uem labels}: every user's preference labels as JSON lines. */
@Command(
        name = "labels",
        header = "Write each user's liked and disliked genres as JSON lines.",
        mixinStandardHelpOptions = true,
        description = {
            "Write each user's liked and disliked genres (docs/TASK.md §3) as one JSON "
                    + "line per user, ascending id:",
            "{\"user\": 1, \"likes\": [\"Drama\", ...], \"dislikes\": [...]} with genres in label order."
        })
final class LabelsCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "FILE",
            description = "JSON-lines output, written atomically.")
    Path out;

    @Override
    public Integer call() throws IOException {
        Dataset d = data.read();
        ObjectMapper json = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        for (int user : d.userIds()) {
            PreferenceLabels l = PreferenceLabels.of(d, user);
            ObjectNode n = json.createObjectNode().put("user", user);
            var likes = n.putArray("likes");
            l.likes().forEach(likes::add);
            var dislikes = n.putArray("dislikes");
            l.dislikes().forEach(dislikes::add);
            lines.append(json.writeValueAsString(n)).append('\n');
        }
        AtomicFiles.writeString(out, lines.toString());
        Log.logger().info("wrote labels of {} users to {}", d.userCount(), out);
        return 0;
    }
}
