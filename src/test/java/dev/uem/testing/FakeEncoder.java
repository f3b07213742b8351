package dev.uem.testing;

import dev.uem.embed.SentenceEncoder;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A deterministic stand-in sentence encoder (3-d) that counts how many texts it was asked to embed. */
public final class FakeEncoder implements SentenceEncoder {
    public final AtomicInteger calls = new AtomicInteger();
    private final String id;

    public FakeEncoder(String id) {
        this.id = id;
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
        for (int i = 0; i < out.length; i++) out[i] = new float[] {texts.get(i).length(), texts.get(i).hashCode(), id.length()};
        return out;
    }
}
