package dev.uem.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The split as counts (the paper's 117k / 5k / 5k) or fractions, and the evaluation's user sample. */
class UserSplitSizesTest {
    private static final int[] USERS = IntStream.rangeClosed(1, 1000).toArray();

    @Test
    void countsGiveExactlyThoseSizesDisjointAndSeeded() {
        UserSplit s = UserSplit.of(USERS, 7, UserSplit.Sizes.parse("700,100,50"));
        assertEquals(700, s.train().length);
        assertEquals(100, s.validation().length);
        assertEquals(50, s.test().length);
        Set<Integer> seen = new HashSet<>();
        for (int[] part : new int[][] {s.train(), s.validation(), s.test()}) for (int u : part) assertTrue(seen.add(u));
        assertArrayEquals(
                s.test(),
                UserSplit.of(USERS, 7, UserSplit.Sizes.parse("700,100,50")).test());
        assertTrue(!java.util.Arrays.equals(
                s.test(),
                UserSplit.of(USERS, 8, UserSplit.Sizes.parse("700,100,50")).test()));
    }

    @Test
    void theDefaultFractionsSplitAsBefore() {
        UserSplit shares = UserSplit.of(USERS, 3, 0.8, 0.1), sizes = UserSplit.of(USERS, 3, UserSplit.Sizes.DEFAULT);
        assertArrayEquals(shares.train(), sizes.train());
        assertArrayEquals(shares.validation(), sizes.validation());
        assertArrayEquals(shares.test(), sizes.test());
        assertEquals(
                1000,
                sizes.train().length + sizes.validation().length + sizes.test().length,
                "the test part takes the rest");
        UserSplit part = UserSplit.of(USERS, 3, UserSplit.Sizes.parse("0.5,0.1,0.1"));
        assertEquals(100, part.test().length, "fractions below 1 together leave users out");
    }

    @Test
    void impossibleSizesAreRefusedNamingTheOption() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> UserSplit.of(USERS, 0, UserSplit.Sizes.parse("117000,5000,5000")));
        assertEquals("--split: 127000 users asked for (117000,5000,5000), the dataset has 1000", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> UserSplit.Sizes.parse("0.9,0.2,0.1"));
        assertThrows(IllegalArgumentException.class, () -> UserSplit.Sizes.parse("100.5,10,10"));
        assertThrows(IllegalArgumentException.class, () -> UserSplit.Sizes.parse("a,b,c"));
    }

    @Test
    void theEvaluationSampleIsFixedBySeedAndASubset() {
        int[] test = UserSplit.of(USERS, 1).test();
        int[] sample = UserSplit.sample(test, 20, 1);
        assertEquals(20, sample.length);
        Set<Integer> all = new HashSet<>();
        for (int u : test) all.add(u);
        for (int u : sample) assertTrue(all.contains(u));
        assertArrayEquals(sample, UserSplit.sample(test, 20, 1));
        assertArrayEquals(test, UserSplit.sample(test, 0, 1), "0: every user");
        assertArrayEquals(test, UserSplit.sample(test, 5000, 1), "more than there are: every user");
    }
}
