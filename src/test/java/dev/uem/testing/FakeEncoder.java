package dev.uem.testing;

import dev.uem.embed.SentenceEncoder;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic stand-in sentence encoder (3-d) that counts how many texts it was asked to embed; optionally
 * L2-normalised like real sentence encoders (MiniLM, Sentence-T5), which the UEM's input scaling assumes.
 */
public final class FakeEncoder implements SentenceEncoder {
    public final AtomicInteger calls = new AtomicInteger();
    private final String id;
    private final boolean unitNorm;

    public FakeEncoder(String id) {
        this(id, false);
    }

    public FakeEncoder(String id, boolean unitNorm) {
        this.id = id;
        this.unitNorm = unitNorm;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int dimension() {
        return 3;
    }

    @Override
    public float[][] embed(List<String> texts) {
        calls.addAndGet(texts.size());
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new float[] {texts.get(i).length(), texts.get(i).hashCode(), id.length()};
            if (unitNorm) {
                double n = Math.sqrt(out[i][0] * (double) out[i][0]
                        + out[i][1] * (double) out[i][1]
                        + out[i][2] * (double) out[i][2]);
                for (int k = 0; k < 3; k++) out[i][k] /= (float) n;
            }
        }
        return out;
    }
}
