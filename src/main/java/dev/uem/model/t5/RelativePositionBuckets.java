package dev.uem.model.t5;

/**
 * T5's relative-position buckets ({@code T5Attention._relative_position_bucket}): exact buckets for small
 * distances, logarithmic ones up to {@code maxDistance}, everything further in the last bucket. The encoder
 * is bidirectional (half the buckets for keys after the query); the decoder is causal (only keys before).
 *
 * <p>The logarithm is evaluated in float32 as HF does, so boundary distances (16, 32, 64 for 32/128) land
 * in the same bucket; the golden fixture's full table checks this.
 */
public final class RelativePositionBuckets {
    private RelativePositionBuckets() {}

    /** Bucket of {@code relativePosition = keyPosition - queryPosition}. */
    public static int bucket(int relativePosition, boolean bidirectional, int numBuckets, int maxDistance) {
        int buckets = numBuckets;
        int offset = 0;
        int n;
        if (bidirectional) {
            buckets /= 2;
            if (relativePosition > 0) offset = buckets;
            n = Math.abs(relativePosition);
        } else {
            n = -Math.min(relativePosition, 0);
        }
        int maxExact = buckets / 2;
        if (n < maxExact) return offset + n;
        float ratio = (float) n / (float) maxExact;
        float scaled = (float) Math.log(ratio)
                / (float) Math.log((double) maxDistance / maxExact)
                * (float) (buckets - maxExact);
        int large = maxExact + (int) scaled;
        return offset + Math.min(large, buckets - 1);
    }

    /** Row-major {@code [qLen, kLen]} table for queries at positions {@code qStart..qStart+qLen-1}. */
    public static long[] table(int qStart, int qLen, int kLen, boolean bidirectional, int numBuckets, int maxDistance) {
        long[] out = new long[qLen * kLen];
        // the bucket depends only on k - q, so compute each distance once
        int minRel = -(qStart + qLen - 1), maxRel = kLen - 1 - qStart;
        int[] byRel = new int[maxRel - minRel + 1];
        for (int r = minRel; r <= maxRel; r++) byRel[r - minRel] = bucket(r, bidirectional, numBuckets, maxDistance);
        for (int i = 0; i < qLen; i++)
            for (int j = 0; j < kLen; j++) out[i * kLen + j] = byRel[j - (qStart + i) - minRel];
        return out;
    }
}
