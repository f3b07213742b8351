package dev.uem.data;

import dev.uem.io.Log;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;

/**
 * Line-oriented reading of MovieLens-style files: CRLF or LF, UTF-8 or (older MovieLens releases) Latin-1, and
 * a small RFC 4180 CSV splitter that reports the line each record starts on.
 *
 * <p>Why not a CSV library: error messages must name the exact line of a bad record, and quoted fields may span
 * lines (TMDB overviews), so the reader has to own the line count; the format itself is 40 lines.
 */
final class TextFiles {
    private TextFiles() {}

    /** UTF-8 if the whole file decodes strictly as UTF-8, else Latin-1 (which decodes any byte). */
    static Charset detectCharset(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return StandardCharsets.UTF_8;
        } catch (CharacterCodingException e) {
            return StandardCharsets.ISO_8859_1;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Files at least this large show a progress bar while they are read (a full-size ratings file takes seconds). */
    static final long PROGRESS_BYTES = 64L << 20;

    static BufferedReader open(Path file, Charset cs) {
        try {
            InputStream in = Files.newInputStream(file);
            long size = Files.size(file);
            if (size >= PROGRESS_BYTES)
                in = ProgressBar.wrap(
                        in, Log.progress("reading " + file.getFileName(), size).setUnit(" MiB", 1 << 20));
            return new BufferedReader(new InputStreamReader(in, cs), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open: " + e.getMessage(), e);
        }
    }

    /** One CSV record and the 1-based line it starts on. */
    record Record(List<String> fields, long line) {}

    /** Streams CSV records (header included) to {@code sink}; BufferedReader.readLine already strips CR. */
    static void forEachCsvRecord(Path file, Charset cs, java.util.function.Consumer<Record> sink) {
        try (BufferedReader r = open(file, cs)) {
            String text;
            long lineNo = 0;
            while ((text = r.readLine()) != null) {
                lineNo++;
                long start = lineNo;
                if (start == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') text = text.substring(1);
                if (text.isEmpty()) continue;
                List<String> fields = new ArrayList<>();
                StringBuilder cur = new StringBuilder();
                boolean quoted = false;
                int i = 0;
                while (true) {
                    if (i >= text.length()) {
                        if (!quoted) break;
                        String next = r.readLine(); // a quoted field continues on the next line
                        if (next == null) throw new DataFormatException(file, start, "unterminated quoted field");
                        lineNo++;
                        cur.append('\n');
                        text = next;
                        i = 0;
                        continue;
                    }
                    char c = text.charAt(i++);
                    if (quoted) {
                        if (c == '"') {
                            if (i < text.length() && text.charAt(i) == '"') {
                                cur.append('"');
                                i++;
                            } else quoted = false;
                        } else cur.append(c);
                    } else if (c == '"' && cur.length() == 0) quoted = true;
                    else if (c == ',') {
                        fields.add(cur.toString());
                        cur.setLength(0);
                    } else if (c != '\r') cur.append(c); // stray CR inside a field
                }
                fields.add(cur.toString());
                sink.accept(new Record(fields, start));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": read error: " + e.getMessage(), e);
        }
    }

    /** Column index of each required name in a header record; an error names the missing column. */
    static int[] columns(Path file, Record header, String... names) {
        int[] idx = new int[names.length];
        for (int k = 0; k < names.length; k++) {
            idx[k] = header.fields().indexOf(names[k]);
            if (idx[k] < 0)
                throw new DataFormatException(
                        file, header.line(), "header must have column '" + names[k] + "', found " + header.fields());
        }
        return idx;
    }
}
