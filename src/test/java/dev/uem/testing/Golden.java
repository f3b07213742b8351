package dev.uem.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;

/** Access to the golden fixtures and the fixtures' comparison rule (scale-relative error). */
public final class Golden {
    public static final double TOL = 1e-5;
    public static final String[] MODELS = {"t5_v1_1_gated_gelu", "t5_original_relu"};

    private Golden() {}

    public static Path dir(String model) {
        try {
            return Path.of(Golden.class
                            .getResource("/t5/" + model + "/config.json")
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode cases(String model) {
        try {
            return new ObjectMapper().readTree(dir(model).resolve("cases.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static long[] shape(JsonNode t) {
        long[] s = new long[t.get("shape").size()];
        for (int i = 0; i < s.length; i++) s[i] = t.get("shape").get(i).asLong();
        return s;
    }

    public static float[] data(JsonNode t) {
        JsonNode d = t.get("data");
        float[] out = new float[d.size()];
        for (int i = 0; i < out.length; i++) out[i] = Float.parseFloat(d.get(i).asText());
        return out;
    }

    /** max|a - e| / max|e|. */
    public static double scaleRelativeError(float[] actual, float[] expected) {
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs((double) expected[i]));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    /** Shape equal and scale-relative error within {@link #TOL}. */
    public static void assertClose(String what, long[] actualShape, float[] actual, JsonNode expected) {
        assertArrayEquals(shape(expected), actualShape, what + ": shape");
        float[] e = data(expected);
        double err = scaleRelativeError(actual, e);
        assertTrue(
                err <= TOL,
                what + ": scale-relative error " + err + " > " + TOL + " (first values "
                        + Arrays.toString(Arrays.copyOf(actual, 4)) + " vs " + Arrays.toString(Arrays.copyOf(e, 4))
                        + ")");
    }

    public static long[][] longMatrix(JsonNode rows) {
        long[][] m = new long[rows.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = new long[rows.get(i).size()];
            for (int j = 0; j < m[i].length; j++) m[i][j] = rows.get(i).get(j).asLong();
        }
        return m;
    }
}
