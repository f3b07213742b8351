package dev.uem.embed;

import dev.uem.io.Log;
import dev.uem.io.StopSignal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;

/**
 * Sentence embeddings of a list of unique texts, cached on disk per (texts, encoder).
 *
 * <p>File layout (little-endian): magic {@code UEMEMB01}, int version, int id length + encoder id (UTF-8),
 * int dimension, int count, 32-byte SHA-256 of encoder id and texts, zero padding to 4 bytes, then
 * {@code count x dimension} float32 rows in the texts' order. The file is written chunk by chunk to
 * {@code <name>.partial} and renamed when complete (a stopped or killed build continues where it was), memory-mapped
 * on load, and rebuilt whenever the header does not match what is asked for.
 */
public final class EmbeddingCache {
    static final byte[] MAGIC = "UEMEMB01".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    private static final int CHUNK = 64;

    private final Path file;
    private final int dimension;
    private final FloatBuffer rows;
    private final Map<String, Integer> index;
    private final boolean built;
    private final int embedded;

    private EmbeddingCache(
            Path file, int dimension, FloatBuffer rows, Map<String, Integer> index, boolean built, int embedded) {
        this.file = file;
        this.dimension = dimension;
        this.rows = rows;
        this.index = index;
        this.built = built;
        this.embedded = embedded;
    }

    /**
     * Loads the cache for {@code texts} (unique, in a fixed order) and {@code encoder}, building it first if needed.
     */
    public static EmbeddingCache open(Path dir, List<String> texts, SentenceEncoder encoder, boolean showProgress) {
        if (new HashSet<>(texts).size() != texts.size()) throw new IllegalArgumentException("texts must be unique");
        byte[] hash = contentHash(encoder.id(), texts);
        String name = encoder.id().replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                + HexFormat.of().formatHex(hash, 0, 8) + ".emb";
        Path file = dir.resolve(name);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < texts.size(); i++) index.put(texts.get(i), i);
        FloatBuffer rows =
                Files.isRegularFile(file) ? tryLoad(file, encoder.id(), encoder.dimension(), texts.size(), hash) : null;
        boolean built = rows == null;
        int embedded = 0;
        if (built) {
            embedded = write(file, encoder, texts, hash, showProgress);
            rows = tryLoad(file, encoder.id(), encoder.dimension(), texts.size(), hash);
            if (rows == null) throw new IllegalStateException(file + ": cache just written does not read back");
        }
        return new EmbeddingCache(file, encoder.dimension(), rows, index, built, embedded);
    }

    public Path file() {
        return file;
    }

    public int dimension() {
        return dimension;
    }

    public int size() {
        return index.size();
    }

    /** Whether this call embedded the texts (a cold cache) rather than reading them back. */
    public boolean wasBuilt() {
        return built;
    }

    /** How many texts this call embedded: all of a cold cache, the rest of a stopped build, 0 for a warm one. */
    public int embeddedNow() {
        return embedded;
    }

    /** Copies the vector of {@code text} into {@code dst} at {@code offset}. */
    public void copy(String text, float[] dst, int offset) {
        Integer i = index.get(text);
        if (i == null) throw new IllegalArgumentException("text not in the embedding cache: " + text);
        rows.get(i * dimension, dst, offset, dimension);
    }

    public float[] vector(String text) {
        float[] v = new float[dimension];
        copy(text, v, 0);
        return v;
    }

    static byte[] contentHash(String encoderId, List<String> texts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(encoderId.getBytes(StandardCharsets.UTF_8));
            for (String t : texts) {
                md.update((byte) 0);
                md.update(t.getBytes(StandardCharsets.UTF_8));
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int headerLength(String id) {
        int n = MAGIC.length + 4 + 4 + id.getBytes(StandardCharsets.UTF_8).length + 4 + 4 + 32;
        return (n + 3) / 4 * 4;
    }

    /** The rows if the file's header matches exactly, else null (stale or foreign: rebuild). */
    static FloatBuffer tryLoad(Path file, String id, int dim, int count, byte[] hash) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int hl = headerLength(id);
            long want = hl + 4L * dim * count;
            if (ch.size() != want) return null;
            MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, 0, want);
            mb.order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[MAGIC.length];
            mb.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC) || mb.getInt() != VERSION) return null;
            byte[] idBytes = new byte[mb.getInt()];
            if (idBytes.length != id.getBytes(StandardCharsets.UTF_8).length) return null;
            mb.get(idBytes);
            if (!new String(idBytes, StandardCharsets.UTF_8).equals(id) || mb.getInt() != dim || mb.getInt() != count)
                return null;
            byte[] h = new byte[32];
            mb.get(h);
            if (!java.util.Arrays.equals(h, hash)) return null;
            return mb.position(hl).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Embeds {@code texts} chunk by chunk into {@code <file>.partial}, each chunk appended and flushed, and renames it
     * to {@code file} when complete. A partial file with the same header (a run stopped by Ctrl-C or killed) is
     * continued after its last whole row, so no text is embedded twice. Returns how many texts it embedded.
     */
    private static int write(Path file, SentenceEncoder enc, List<String> texts, byte[] hash, boolean showProgress) {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        byte[] header = header(enc.id(), enc.dimension(), texts.size(), hash);
        int rowBytes = 4 * enc.dimension();
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(file.getParent() + ": cannot create: " + e.getMessage(), e);
        }
        try (FileChannel ch = FileChannel.open(
                        partial, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                ProgressBar pb = showProgress
                        ? Log.progress("embedding " + texts.size() + " texts (" + enc.id() + ")", texts.size())
                                .setUnit(" texts", 1)
                                .build()
                        : null) {
            // processes that build the same cache together (data-parallel ranks) take turns: the first builds it,
            // the others find it finished
            ch.lock();
            if (tryLoad(file, enc.id(), enc.dimension(), texts.size(), hash) != null) {
                if (ch.size() == 0) Files.deleteIfExists(partial);
                return 0;
            }
            int done = resumeAt(ch, header, rowBytes);
            if (done > 0) {
                Log.logger().info("{}: continuing after {} of {} texts", partial, done, texts.size());
                if (pb != null) pb.stepTo(done);
            }
            for (int from = done; from < texts.size(); from += CHUNK) {
                StopSignal.check("embedding stopped after " + from + " of " + texts.size() + " texts; the next run "
                        + "continues from there (" + partial.getFileName() + ")");
                List<String> chunk = texts.subList(from, Math.min(texts.size(), from + CHUNK));
                ch.write(rows(enc, chunk));
                ch.force(false);
                if (pb != null) pb.stepBy(chunk.size());
            }
            // renamed while still locked, so a process waiting for the lock finds the finished file
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return texts.size() - done;
        } catch (IOException e) {
            throw new UncheckedIOException(partial + ": cannot write: " + e.getMessage(), e);
        }
    }

    /**
     * The rows a partial file already holds, positioned after them (a torn last row cut off); 0 for a new file or one
     * written for other texts or another encoder, which is started afresh with {@code header}.
     */
    static int resumeAt(FileChannel ch, byte[] header, int rowBytes) throws IOException {
        long size = ch.size();
        if (size >= header.length) {
            ByteBuffer had = ByteBuffer.allocate(header.length);
            ch.read(had, 0);
            if (java.util.Arrays.equals(had.array(), header)) {
                long rows = (size - header.length) / rowBytes;
                ch.truncate(header.length + rows * rowBytes);
                ch.position(header.length + rows * rowBytes);
                return (int) rows;
            }
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(header), 0);
        ch.position(header.length);
        return 0;
    }

    /** The file's header: magic, version, encoder id, dimension, count, content hash, padded to 4 bytes. */
    private static byte[] header(String id, int dim, int count, byte[] hash) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        ByteBuffer h = ByteBuffer.allocate(headerLength(id)).order(ByteOrder.LITTLE_ENDIAN);
        h.put(MAGIC)
                .putInt(VERSION)
                .putInt(idBytes.length)
                .put(idBytes)
                .putInt(dim)
                .putInt(count)
                .put(hash);
        return h.array();
    }

    /** One chunk's vectors as little-endian float32 rows. */
    private static ByteBuffer rows(SentenceEncoder enc, List<String> chunk) {
        float[][] v = enc.embed(chunk);
        ByteBuffer b = ByteBuffer.allocate(4 * enc.dimension() * chunk.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : v) {
            if (row.length != enc.dimension())
                throw new IllegalStateException(
                        enc.id() + " returned " + row.length + "-d vectors, expected " + enc.dimension());
            for (float x : row) b.putFloat(x);
        }
        return b.flip();
    }
}
