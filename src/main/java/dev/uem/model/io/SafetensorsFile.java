package dev.uem.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Reads one <a href="https://github.com/huggingface/safetensors">safetensors</a> file: an 8-byte little-endian
 * header length, a JSON header of {@code name -> {dtype, shape, data_offsets}}, then raw little-endian bytes.
 *
 * <p>The whole header is validated when the file is opened (dtype known, byte count = elements x dtype size,
 * offsets inside the file, no overlaps), so a truncated or corrupt file fails before any tensor is used.
 * Tensors are memory-mapped one at a time (a mapping is limited to 2 GiB) and copied into libtorch-owned
 * memory; F16 and BF16 are widened to F32 because training runs in F32.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** One tensor's header entry; offsets are relative to the start of the data section. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
    }

    /**
     * Copies every tensor of {@code params} from {@code file}, by name, all or nothing: each is read and its shape
     * checked before any parameter is touched, so a missing key or a wrong shape leaves the parameters as they
     * were and names the file and key. Call inside a PointerScope (the read tensors are temporaries).
     */
    public static void copyInto(Path file, Map<String, Tensor> params) {
        Map<String, Tensor> read = new LinkedHashMap<>();
        try (SafetensorsFile f = open(file)) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor t = f.read(e.getKey());
                if (!Arrays.equals(t.shape(), e.getValue().shape()))
                    throw new WeightsException(
                            file,
                            e.getKey(),
                            "shape " + Arrays.toString(t.shape()) + ", expected "
                                    + Arrays.toString(e.getValue().shape()));
                read.put(e.getKey(), t);
            }
        }
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) e.getValue().copy_(read.get(e.getKey()));
        }
    }

    public static SafetensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new WeightsException(path, null, "cannot open: " + e.getMessage(), e);
        }
        try {
            long size = ch.size();
            if (size < 8)
                throw new WeightsException(
                        path, null, "file is " + size + " bytes, too short for a safetensors header");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size)
                throw new WeightsException(
                        path,
                        null,
                        "header length " + headerLen + " does not fit a file of " + size + " bytes (truncated "
                                + "or not safetensors)");
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new WeightsException(path, null, "header is not valid JSON: " + e.getMessage(), e);
            }
            if (root == null || !root.isObject()) throw new WeightsException(path, null, "header is not a JSON object");
            long dataLen = size - 8 - headerLen;
            Map<String, Entry> entries = parseEntries(path, root, dataLen);
            return new SafetensorsFile(path, ch, 8 + headerLen, entries);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new WeightsException(path, null, "read error: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static Map<String, Entry> parseEntries(Path path, JsonNode root, long dataLen) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            if (name.equals("__metadata__")) continue;
            JsonNode n = f.getValue();
            String dtype = n.path("dtype").asText(null);
            JsonNode shapeNode = n.get("shape"), offs = n.get("data_offsets");
            if (dtype == null
                    || shapeNode == null
                    || !shapeNode.isArray()
                    || offs == null
                    || !offs.isArray()
                    || offs.size() != 2)
                throw new WeightsException(
                        path, name, "header entry needs dtype, shape and data_offsets [begin, end], found " + n);
            int elemSize = dtypeSize(dtype);
            if (elemSize < 0)
                throw new WeightsException(
                        path, name, "unsupported dtype " + dtype + " (expected F32, F16, BF16 or I64)");
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = shapeNode.get(i).asLong(-1);
            Entry e = new Entry(
                    name, dtype, shape, offs.get(0).asLong(-1), offs.get(1).asLong(-1));
            for (long d : shape)
                if (d < 0) throw new WeightsException(path, name, "negative dimension in shape " + shapeNode);
            if (e.begin < 0 || e.end < e.begin) throw new WeightsException(path, name, "bad data_offsets " + offs);
            if (e.end > dataLen)
                throw new WeightsException(
                        path,
                        name,
                        "data ends at byte " + e.end + " but the file holds only " + dataLen
                                + " data bytes (truncated?)");
            if (e.end - e.begin != e.numel() * elemSize)
                throw new WeightsException(
                        path,
                        name,
                        "expected " + e.numel() * elemSize + " bytes for " + dtype + " " + shapeNode + ", found "
                                + (e.end - e.begin));
            entries.put(name, e);
        }
        // Overlapping tensors mean a corrupt header.
        Entry[] sorted = entries.values().stream()
                .sorted((a, b) -> Long.compare(a.begin, b.begin))
                .toArray(Entry[]::new);
        for (int i = 1; i < sorted.length; i++)
            if (sorted[i].begin < sorted[i - 1].end && sorted[i].end > sorted[i].begin)
                throw new WeightsException(path, sorted[i].name, "data overlaps tensor '" + sorted[i - 1].name + "'");
        return entries;
    }

    static int dtypeSize(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "I64" -> 8;
            default -> -1;
        };
    }

    public Path path() {
        return path;
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new WeightsException(path, name, "not in this file");
        return e;
    }

    /** Reads a tensor into memory libtorch owns: F32 for float dtypes, I64 for integers. */
    public Tensor read(String name) {
        Entry e = entry(name);
        long bytes = e.end - e.begin;
        if (bytes > Integer.MAX_VALUE)
            throw new WeightsException(path, name, "tensor of " + bytes + " bytes exceeds the 2 GiB mapping limit");
        torch.ScalarType st = switch (e.dtype) {
            case "F32" -> torch.ScalarType.Float;
            case "F16" -> torch.ScalarType.Half;
            case "BF16" -> torch.ScalarType.BFloat16;
            default -> torch.ScalarType.Long;
        };
        if (e.numel() == 0)
            return torch.empty(e.shape, new TensorOptions(st), new org.bytedeco.pytorch.MemoryFormatOptional())
                    .to(widened(st));
        try {
            MappedByteBuffer mb = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, bytes);
            try (BytePointer ptr = new BytePointer(mb)) {
                Tensor view = torch.from_blob(ptr, e.shape, new TensorOptions(st));
                // clone/convert before the mapping can be unmapped by the GC: the view aliases it
                Tensor owned = st == widened(st) ? view.clone() : view.to(torch.ScalarType.Float);
                view.close();
                return owned;
            }
        } catch (IOException ex) {
            throw new WeightsException(path, name, "read error: " + ex.getMessage(), ex);
        }
    }

    private static torch.ScalarType widened(torch.ScalarType st) {
        return st == torch.ScalarType.Half || st == torch.ScalarType.BFloat16 ? torch.ScalarType.Float : st;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing; the first error is the one worth reporting
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
