package dev.uem.serve;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Soft tokens in a response: {@code {"shape": [rows, cols], "tokens": [[...], ...]}} as nested lists, or with
 * {@code "format": "base64"} {@code {"shape", "dtype": "float32", "encoding": "base64", "data"}}: the row-major
 * little-endian float32 bytes (NumPy: {@code np.frombuffer(base64.b64decode(data), "<f4").reshape(shape)}).
 */
public final class Matrices {
    private Matrices() {}

    /** Whether {@code format} (null, "lists" or "base64") asks for base64. */
    public static boolean base64(String format, String field) {
        if (format == null || format.equals("lists")) return false;
        if (format.equals("base64")) return true;
        throw new BadRequest(field + ": expected \"lists\" or \"base64\", found \"" + format + "\"");
    }

    /** The response body for a matrix. */
    public static Map<String, Object> json(float[][] m, boolean base64) {
        Map<String, Object> out = new LinkedHashMap<>();
        int cols = m.length == 0 ? 0 : m[0].length;
        out.put("shape", new int[] {m.length, cols});
        if (!base64) {
            out.put("tokens", m);
            return out;
        }
        ByteBuffer b = ByteBuffer.allocate(m.length * cols * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : m) for (float v : row) b.putFloat(v);
        out.put("dtype", "float32");
        out.put("encoding", "base64");
        out.put("data", Base64.getEncoder().encodeToString(b.array()));
        return out;
    }
}
