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
     * to validation, the rest to test.
     */
    public static UserSplit of(int[] userIds, long seed, double trainShare, double valShare) {
        if (trainShare < 0 || valShare < 0 || trainShare + valShare > 1)
            throw new IllegalArgumentException("split shares must be >= 0 and sum to at most 1, " + "found train "
                    + trainShare + ", validation " + valShare);
        return of(userIds, seed, new Sizes(trainShare, valShare, 1 - trainShare - valShare));
    }

    public static UserSplit of(int[] userIds, long seed) {
        return of(userIds, seed, Sizes.DEFAULT);
    }

    /**
     * How many users go to train, validation and test: all three fractions (at most 1 together; when they make 1 the
     * test part takes the rest after rounding) or all three counts ({@code 117000,5000,5000}, the paper's; users left
     * over are in none).
     */
    public record Sizes(double train, double validation, double test) {
        public static final Sizes DEFAULT = new Sizes(0.8, 0.1, 0.1);

        public Sizes {
            boolean counts = train > 1 || validation > 1 || test > 1;
            for (double v : new double[] {train, validation, test})
                if (!(v >= 0) || (counts && v != Math.rint(v)))
                    throw new IllegalArgumentException("split: expected three fractions or three whole user counts, "
                            + "found " + train + "," + validation + "," + test);
            if (!counts && train + validation + test > 1 + 1e-9)
                throw new IllegalArgumentException(
                        "split: fractions must sum to at most 1, found " + train + "," + validation + "," + test);
        }

        /** From {@code "a,b,c"}; errors name the option. */
        public static Sizes parse(String text) {
            String[] f = text.split(",");
            if (f.length != 3)
                throw new IllegalArgumentException(
                        "--split: expected train,validation,test (e.g. 0.8,0.1,0.1 or 117000,5000,5000), found '" + text
                                + "'");
            try {
                return new Sizes(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--split: expected three numbers, found '" + text + "'");
            }
        }

        boolean counts() {
            return train > 1 || validation > 1 || test > 1;
        }

        /** The three part sizes for {@code n} users. */
        int[] of(int n) {
            if (counts()) {
                long asked = (long) train + (long) validation + (long) test;
                if (asked > n)
                    throw new IllegalArgumentException("--split: " + asked + " users asked for (" + (long) train + ","
                            + (long) validation + "," + (long) test + "), the dataset has " + n);
                return new int[] {(int) train, (int) validation, (int) test};
            }
            int nTrain = (int) Math.round(train * n), nVal = Math.min((int) Math.round(validation * n), n - nTrain);
            int nTest = Math.abs(train + validation + test - 1) < 1e-9
                    ? n - nTrain - nVal
                    : Math.min((int) Math.round(test * n), n - nTrain - nVal);
            return new int[] {nTrain, nVal, nTest};
        }

        @Override
        public String toString() {
            return counts()
                    ? (long) train + "," + (long) validation + "," + (long) test
                    : train + "," + validation + "," + test;
        }
    }

    /** The split with these part sizes, seeded: disjoint, each part's ids ascending. */
    public static UserSplit of(int[] userIds, long seed, Sizes sizes) {
        int[] ids = shuffled(userIds, seed);
        int[] n = sizes.of(ids.length);
        return new UserSplit(
                sorted(ids, 0, n[0]), sorted(ids, n[0], n[0] + n[1]), sorted(ids, n[0] + n[1], n[0] + n[1] + n[2]));
    }

    /** A fixed, seeded sample of {@code n} of {@code users} (all of them when n is 0 or not smaller), ascending. */
    public static int[] sample(int[] users, int n, long seed) {
        if (n <= 0 || n >= users.length) return users;
        return sorted(shuffled(users, seed), 0, n);
    }

    private static int[] shuffled(int[] userIds, long seed) {
        int[] ids = userIds.clone();
        Arrays.sort(ids);
        Random r = new Random(seed);
        for (int i = ids.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = ids[i];
            ids[i] = ids[j];
            ids[j] = t;
        }
        return ids;
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
