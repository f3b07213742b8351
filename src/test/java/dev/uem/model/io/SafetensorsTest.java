package dev.uem.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @Test
    void writeThenReadRoundTripsF32AndI64() throws IOException {
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("b.weight", Tensors.floats(new float[] {1.5f, -2f, 3.25f, 1e-30f, Float.MAX_VALUE, -0f}, 2, 3));
            m.put("a.ids", Tensors.longs(new long[] {Long.MIN_VALUE, 0, 7}, 3));
            Path f = tmp.resolve("x.safetensors");
            SafetensorsWriter.write(f, m);
            try (var files = Files.list(tmp)) {
                assertFalse(files.anyMatch(p -> p.toString().endsWith(".tmp")), "temp file must be renamed away");
            }
            try (SafetensorsFile r = SafetensorsFile.open(f)) {
                assertEquals(java.util.Set.of("a.ids", "b.weight"), r.names());
                assertArrayEquals(new long[] {2, 3}, r.entry("b.weight").shape());
                assertArrayEquals(Tensors.toFloats(m.get("b.weight")), Tensors.toFloats(r.read("b.weight")));
                assertArrayEquals(Tensors.toLongs(m.get("a.ids")), Tensors.toLongs(r.read("a.ids")));
                assertEquals(torch.ScalarType.Long.value, r.read("a.ids").scalar_type().value);
            }
        }
    }

    @Test
    void readsBf16AndF16WidenedToF32() throws IOException {
        float[] values = {1f, -2.5f, 0.15625f, 65504f};
        byte[] bf16 = new byte[8], f16 = new byte[8];
        ByteBuffer b = ByteBuffer.wrap(bf16).order(ByteOrder.LITTLE_ENDIAN),
                h = ByteBuffer.wrap(f16).order(ByteOrder.LITTLE_ENDIAN);
        short[] halfBits = {0x3C00, (short) 0xC100, 0x3100, 0x7BFF}; // IEEE half of the four values (all exact)
        for (int i = 0; i < values.length; i++) {
            b.putShort((short) (Float.floatToIntBits(values[i]) >>> 16)); // bf16 = top half of the float's bits
            h.putShort(halfBits[i]);
        }
        Path f = tmp.resolve("half.safetensors");
        writeRaw(
                f,
                "{\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]},\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[8,16]}}",
                concat(bf16, f16));
        try (PointerScope s = new PointerScope();
                SafetensorsFile r = SafetensorsFile.open(f)) {
            float[] expectedBf16 = new float[4];
            for (int i = 0; i < 4; i++)
                expectedBf16[i] = Float.intBitsToFloat(Float.floatToIntBits(values[i]) & 0xFFFF0000);
            assertArrayEquals(expectedBf16, Tensors.toFloats(r.read("b")));
            assertArrayEquals(values, Tensors.toFloats(r.read("h")));
            assertEquals(torch.ScalarType.Float.value, r.read("h").scalar_type().value);
        }
    }

    @Test
    void truncatedFileIsRejectedNamingFileAndKey() throws IOException {
        Path f = tmp.resolve("t.safetensors");
        try (PointerScope s = new PointerScope()) {
            SafetensorsWriter.write(f, Map.of("w", torch.ones(4, 4)));
        }
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 10));
        WeightsException e = assertThrows(WeightsException.class, () -> SafetensorsFile.open(f));
        assertTrue(
                e.getMessage().contains(f.toString())
                        && e.getMessage().contains("'w'")
                        && e.getMessage().contains("truncated"),
                e.getMessage());
    }

    @Test
    void corruptHeadersAreRejected() throws IOException {
        Path f = tmp.resolve("c.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertTrue(assertThrows(WeightsException.class, () -> SafetensorsFile.open(f))
                .getMessage()
                .contains("too short"));
        writeRaw(f, "{not json", new byte[0]);
        assertTrue(assertThrows(WeightsException.class, () -> SafetensorsFile.open(f))
                .getMessage()
                .contains("not valid JSON"));
        writeRaw(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        String msg = assertThrows(WeightsException.class, () -> SafetensorsFile.open(f))
                .getMessage();
        assertTrue(msg.contains("'w'") && msg.contains("expected 12 bytes"), msg);
        writeRaw(f, "{\"w\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[8]);
        assertTrue(assertThrows(WeightsException.class, () -> SafetensorsFile.open(f))
                .getMessage()
                .contains("unsupported dtype I8"));
        writeRaw(
                f,
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                new byte[16]);
        assertTrue(assertThrows(WeightsException.class, () -> SafetensorsFile.open(f))
                .getMessage()
                .contains("overlaps"));
    }

    static void writeRaw(Path f, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h).put(data);
        Files.write(f, buf.array());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
