package dev.uem.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The T5 SentencePiece tokenizer, run by HuggingFace's Rust {@code tokenizers} through DJL, so ids match
 * {@code T5TokenizerFast} exactly. A checkpoint folder with its own {@code tokenizer.json} uses that one;
 * otherwise the T5 vocabulary bundled in the jar (from {@code data/tokenizers/t5}) is used.
 */
public final class T5Tokenizer implements AutoCloseable {
    static final String BUNDLED = "/uem/tokenizers/t5/tokenizer.json";
    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false");

    private final HuggingFaceTokenizer tokenizer;

    private T5Tokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The checkpoint's own tokenizer if {@code dir/tokenizer.json} exists, else the bundled T5 one. */
    public static T5Tokenizer forCheckpoint(Path dir) {
        Path own = dir == null ? null : dir.resolve("tokenizer.json");
        return own != null && Files.isRegularFile(own) ? fromFile(own) : bundled();
    }

    public static T5Tokenizer fromFile(Path tokenizerJson) {
        try {
            return new T5Tokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, OPTIONS));
        } catch (IOException e) {
            throw new IllegalArgumentException(tokenizerJson + ": cannot load tokenizer: " + e.getMessage(), e);
        }
    }

    public static T5Tokenizer bundled() {
        try (InputStream in = T5Tokenizer.class.getResourceAsStream(BUNDLED)) {
            if (in == null)
                throw new IllegalStateException("bundled tokenizer " + BUNDLED + " missing from the classpath");
            return new T5Tokenizer(HuggingFaceTokenizer.newInstance(in, OPTIONS));
        } catch (IOException e) {
            throw new IllegalStateException("cannot load bundled tokenizer: " + e.getMessage(), e);
        }
    }

    /** Ids of {@code text} followed by {@code </s>}, as T5 expects. */
    public long[] encode(String text) {
        Encoding enc = tokenizer.encode(text);
        return enc.getIds();
    }

    /** Right-padded {@code [B, L]} ids and mask; sequences longer than {@code maxLength} keep their start and EOS. */
    public Batch encodeBatch(List<String> texts, int maxLength) {
        long[][] ids = new long[texts.size()][];
        int len = 0;
        for (int i = 0; i < ids.length; i++) {
            long[] t = encode(texts.get(i));
            if (t.length > maxLength) {
                long eos = t[t.length - 1];
                t = java.util.Arrays.copyOf(t, maxLength);
                t[maxLength - 1] = eos;
            }
            ids[i] = t;
            len = Math.max(len, t.length);
        }
        long[][] padded = new long[ids.length][len];
        long[][] mask = new long[ids.length][len];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(ids[i], 0, padded[i], 0, ids[i].length);
            java.util.Arrays.fill(mask[i], 0, ids[i].length, 1L);
        }
        return new Batch(padded, mask);
    }

    /** Text of ids, skipping pad, EOS and other special tokens. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    public record Batch(long[][] ids, long[][] mask) {}

    @Override
    public void close() {
        tokenizer.close();
    }
}
