package dev.uem.data;

import java.util.Arrays;
import java.util.Random;

/** Users split, seeded, into train / validation / test (docs/TASK.md §5); no user is in two splits. */
public record UserSplit(int[] train, int[] validation, int[] test) {
    public enum Part {
        TRAIN,
        VALIDATION,
        TEST
    }

    /**
     * Shuffles the ascending ids with {@code seed}; the first {@code trainShare} go to train, the next {@code valShare}
     * to validation.
     */
    public static UserSplit of(int[] userIds, long seed, double trainShare, double valShare) {
        if (trainShare < 0 || valShare < 0 || trainShare + valShare > 1)
            throw new IllegalArgumentException("split shares must be >= 0 and sum to at most 1, " + "found train "
                    + trainShare + ", validation " + valShare);
        int[] ids = userIds.clone();
        Arrays.sort(ids);
        Random r = new Random(seed);
        for (int i = ids.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = ids[i];
            ids[i] = ids[j];
            ids[j] = t;
        }
        int nTrain = (int) Math.round(trainShare * ids.length), nVal = (int) Math.round(valShare * ids.length);
        nVal = Math.min(nVal, ids.length - nTrain);
        return new UserSplit(
                sorted(ids, 0, nTrain), sorted(ids, nTrain, nTrain + nVal), sorted(ids, nTrain + nVal, ids.length));
    }

    public static UserSplit of(int[] userIds, long seed) {
        return of(userIds, seed, 0.8, 0.1);
    }

    public int[] users(Part p) {
        return switch (p) {
            case TRAIN -> train;
            case VALIDATION -> validation;
            case TEST -> test;
        };
    }

    private static int[] sorted(int[] a, int from, int to) {
        int[] out = Arrays.copyOfRange(a, from, to);
        Arrays.sort(out);
        return out;
    }
}
