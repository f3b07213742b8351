package dev.uem.embed;

import dev.uem.io.AtomicFiles;
import dev.uem.io.Log;
import dev.uem.io.StopSignal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code count x dimension} float32 rows in the texts' order. The file is written to a temporary name and
 * renamed, memory-mapped on load, and rebuilt whenever the header does not match what is asked for.
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

    private EmbeddingCache(Path file, int dimension, FloatBuffer rows, Map<String, Integer> index, boolean built) {
        this.file = file;
        this.dimension = dimension;
        this.rows = rows;
        this.index = index;
        this.built = built;
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
        if (built) {
            write(file, encoder, texts, hash, showProgress);
            rows = tryLoad(file, encoder.id(), encoder.dimension(), texts.size(), hash);
            if (rows == null) throw new IllegalStateException(file + ": cache just written does not read back");
        }
        return new EmbeddingCache(file, encoder.dimension(), rows, index, built);
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

    private static void write(Path file, SentenceEncoder enc, List<String> texts, byte[] hash, boolean showProgress) {
        String id = enc.id();
        int dim = enc.dimension();
        AtomicFiles.write(file, out -> {
            try (ProgressBar pb = showProgress
                    ? Log.progress("embedding " + texts.size() + " texts (" + id + ")", texts.size())
                            .setUnit(" texts", 1)
                            .build()
                    : null) {
                byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
                ByteBuffer h = ByteBuffer.allocate(headerLength(id)).order(ByteOrder.LITTLE_ENDIAN);
                h.put(MAGIC)
                        .putInt(VERSION)
                        .putInt(idBytes.length)
                        .put(idBytes)
                        .putInt(dim)
                        .putInt(texts.size())
                        .put(hash);
                out.write(h.array());
                for (int from = 0; from < texts.size(); from += CHUNK) {
                    StopSignal.check("embedding abandoned after " + from + " of " + texts.size() + " texts (no cache "
                            + "file written)");
                    List<String> chunk = texts.subList(from, Math.min(texts.size(), from + CHUNK));
                    float[][] v = enc.embed(chunk);
                    ByteBuffer b = ByteBuffer.allocate(4 * dim * chunk.size()).order(ByteOrder.LITTLE_ENDIAN);
                    for (float[] row : v) {
                        if (row.length != dim)
                            throw new IllegalStateException(
                                    id + " returned " + row.length + "-d vectors, expected " + dim);
                        for (float x : row) b.putFloat(x);
                    }
                    out.write(b.array());
                    if (pb != null) pb.stepBy(chunk.size());
                }
            }
        });
    }
}
