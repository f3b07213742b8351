package dev.uem.data;

import java.nio.file.Path;

/** Bad input data: the message names the file, the line (when known) and what was expected. */
public class DataFormatException extends RuntimeException {
    public DataFormatException(Path file, long line, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem);
    }
}
