package dev.uem.io;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.stream.Collectors;

/**
 * A JSON object read from a config file (a run's or a sweep's {@code config.json}), whose keys are read into records
 * strictly: no unknown keys, no strings or fractions where integers belong. Every error is one
 * line naming the file and the key path, with what was expected and what was found
 * ({@code runs/x/config.json: experiment.steps: expected an integer, found "abc"}), not Jackson's wording.
 */
public final class JsonConfig {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS) // "native" in configs written before it was a type
            .build();
    private final Path file;
    private final JsonNode root;

    private JsonConfig(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    /** An already-read tree as the contents of {@code file} (for a tree rewritten in memory). */
    public static JsonConfig of(Path file, JsonNode root) {
        if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": expected a JSON object");
        return new JsonConfig(file, root);
    }

    /** The whole object. */
    public ObjectNode root() {
        return (ObjectNode) root;
    }

    public static JsonConfig read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    file + ": not valid JSON: "
                            + e.getMessage().lines().findFirst().orElse(""),
                    e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": expected a JSON object");
        return new JsonConfig(file, root);
    }

    public Path file() {
        return file;
    }

    /** The raw node under {@code key}; a missing node when absent. */
    public JsonNode path(String key) {
        return root.path(key);
    }

    /** The value under {@code key}, read as {@code type}; errors name the file and the key path. */
    public <T> T get(String key, Class<T> type) {
        JsonNode n = root.get(key);
        if (n == null) throw new IllegalArgumentException(file + ": " + key + ": missing");
        try {
            return JSON.treeToValue(n, type);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(file + ": " + describe(key, n, e));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + key + ": "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The text under {@code key}. */
    public String text(String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isTextual())
            throw new IllegalArgumentException(file + ": " + key + ": expected a string, found " + found(n));
        return n.asText();
    }

    /** An integer under {@code key} within {@code [min, max]}. */
    public int integer(String key, int min, int max) {
        JsonNode n = root.get(key);
        if (n == null || !n.isInt())
            throw new IllegalArgumentException(file + ": " + key + ": expected an integer, found " + found(n));
        int v = n.asInt();
        if (v < min || v > max)
            throw new IllegalArgumentException(file + ": " + key + ": expected " + min + " to " + max + ", found " + v);
        return v;
    }

    private static String describe(String key, JsonNode top, JsonMappingException e) {
        StringBuilder where = new StringBuilder(key);
        JsonNode at = top;
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                where.append('.').append(r.getFieldName());
                at = at == null ? null : at.get(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                where.append('[').append(r.getIndex()).append(']');
                at = at == null ? null : at.get(r.getIndex());
            }
        }
        if (e instanceof UnrecognizedPropertyException u)
            return where + ": unknown key (known keys: " + names(u.getKnownPropertyIds()) + ")";
        Throwable cause = e.getCause();
        if (cause instanceof IllegalArgumentException bad) // a record's own validation
        return where + ": " + bad.getMessage();
        if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m && m.getTargetType() != null)
            return where + ": expected " + expected(m.getTargetType()) + ", found " + found(at);
        return where + ": " + e.getOriginalMessage().lines().findFirst().orElse("");
    }

    private static String names(Collection<Object> ids) {
        return ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
    }

    private static String expected(Class<?> t) {
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) return "an integer";
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) return "a number";
        if (t == boolean.class || t == Boolean.class) return "true or false";
        if (t == String.class) return "a string";
        if (t.isEnum()) return "one of " + java.util.Arrays.toString(t.getEnumConstants());
        if (t.isArray() || Collection.class.isAssignableFrom(t)) return "a list";
        return "an object (" + t.getSimpleName() + ")";
    }

    private static String found(JsonNode n) {
        return n == null || n.isMissingNode() ? "nothing" : n.toString();
    }
}
