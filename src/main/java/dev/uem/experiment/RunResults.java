package dev.uem.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.uem.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A run's or sweep's {@code results.json}: the dataset, the split scored and one line per arm.
 *
 * @param dataset the dataset folder
 * @param split   the users scored: always {@code test}
 * @param arms    the arms' lines, trained arms first
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunResults(
        String dataset,
        String split,

        @JsonDeserialize(contentUsing = ResultLine.Reader.class)
        List<ResultLine> arms) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The results of {@code arms} on the test users of {@code dataset}. */
    public static RunResults onTestUsers(String dataset, List<? extends ResultLine> arms) {
        return new RunResults(dataset, "test", List.copyOf(arms));
    }

    /** Writes the file (atomically, indented). */
    public void write(Path file) {
        try {
            AtomicFiles.writeString(file, JSON.writeValueAsString(this));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a {@code results.json}. */
    public static RunResults read(Path file) {
        try {
            return JSON.readValue(file.toFile(), RunResults.class);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": unreadable: " + e.getMessage(), e);
        }
    }
}
