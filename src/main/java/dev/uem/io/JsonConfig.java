package dev.uem.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** A JSON object read from a config file, whose keys are read into records with errors that name the file and key. */
public final class JsonConfig {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final JsonNode root;

    private JsonConfig(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    public static JsonConfig read(Path file) {
        try {
            return new JsonConfig(file, JSON.readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The raw node under {@code key}; a missing node when absent. */
    public JsonNode path(String key) {
        return root.path(key);
    }

    /** The value under {@code key}, read as {@code type}. */
    public <T> T get(String key, Class<T> type) {
        JsonNode n = root.get(key);
        if (n == null) throw new IllegalArgumentException(file + ": missing key '" + key + "'");
        try {
            return JSON.treeToValue(n, type);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": key '" + key + "': " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The text under {@code key}. */
    public String text(String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isTextual()) throw new IllegalArgumentException(file + ": missing text key '" + key + "'");
        return n.asText();
    }
}
