package dev.uem.model.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.io.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Writes tensors as one safetensors file, sorted by name like HF's writer, atomically ({@link AtomicFiles}), so a crash
 * never leaves half a checkpoint. F32 and I64 are written as they are; other float dtypes are stored as F32.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, Tensor> tensors) {
        Map<String, Tensor> sorted = new TreeMap<>(tensors);
        Map<String, Tensor> prepared = new TreeMap<>();
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            Tensor t = e.getValue().detach().cpu(); // files are device-independent: written from host memory
            // JavaCPP returns fresh enum objects: compare values
            boolean isLong = t.scalar_type().value == torch.ScalarType.Long.value;
            Tensor c = (isLong ? t : t.to(torch.ScalarType.Float)).contiguous();
            long bytes = c.numel() * (isLong ? 8 : 4);
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", isLong ? "I64" : "F32");
            var shape = n.putArray("shape");
            for (long d : c.shape()) shape.add(d);
            n.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
            prepared.put(e.getKey(), c);
        }
        byte[] headerBytes;
        try {
            headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new WeightsException(file, null, "cannot encode header", ex);
        }
        int pad = (8 - headerBytes.length % 8) % 8;
        try {
            AtomicFiles.write(file, out -> {
                ByteBuffer len =
                        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length + pad);
                out.write(len.array());
                out.write(headerBytes);
                for (int i = 0; i < pad; i++) out.write(' ');
                for (Tensor c : prepared.values()) writeData(out, c);
            });
        } catch (UncheckedIOException ex) {
            throw new WeightsException(
                    file, null, "write failed: " + ex.getCause().getMessage(), ex);
        }
    }

    private static void writeData(OutputStream out, Tensor c) throws IOException {
        long n = c.numel();
        if (n == 0) return;
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        if (c.scalar_type().value == torch.ScalarType.Long.value) {
            var p = c.data_ptr_long();
            for (long i = 0; i < n; i++) {
                if (buf.remaining() < 8) flush(out, buf);
                buf.putLong(p.get(i));
            }
        } else {
            var p = c.data_ptr_float();
            float[] chunk = new float[1 << 16];
            for (long i = 0; i < n; i += chunk.length) {
                int m = (int) Math.min(chunk.length, n - i);
                p.position(i).get(chunk, 0, m);
                for (int j = 0; j < m; j++) {
                    if (buf.remaining() < 4) flush(out, buf);
                    buf.putFloat(chunk[j]);
                }
            }
            p.position(0);
        }
        flush(out, buf);
    }

    private static void flush(OutputStream out, ByteBuffer buf) throws IOException {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }
}
