package dev.uem.model.io;

import java.nio.file.Path;

/** A checkpoint could not be read or does not fit the model; the message names the file and the key. */
public class WeightsException extends RuntimeException {
    public WeightsException(Path file, String key, String problem) {
        super(file + (key == null ? "" : ": key '" + key + "'") + ": " + problem);
    }

    public WeightsException(Path file, String key, String problem, Throwable cause) {
        super(file + (key == null ? "" : ": key '" + key + "'") + ": " + problem, cause);
    }
}
