package dev.uem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code --resume DIR}: the run's own config.json decides every option, so none may be given beside it. */
final class ResumeFolder {
    private ResumeFolder() {}

    /** The JSON object under {@code key} in {@code DIR/config.json}, after checking no other option was given. */
    static JsonNode config(Path dir, String key, CommandLine.ParseResult parsed) {
        List<String> others = parsed.matchedOptions().stream().map(OptionSpec::longestName).filter(n -> !n.equals("--resume")).toList();
        if (!others.isEmpty())
            throw new IllegalArgumentException("--resume continues with the options in " + dir.resolve("config.json") + "; drop " + String.join(", ", others));
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": not found (nothing to resume in " + dir + ")");
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile()).get(key);
            if (n == null) throw new IllegalArgumentException(file + ": missing key '" + key + "'");
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage());
        }
    }
}
