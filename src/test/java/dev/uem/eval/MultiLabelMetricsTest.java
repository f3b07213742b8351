package dev.uem.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Cases worked by hand (and checked against scikit-learn's definitions). */
class MultiLabelMetricsTest {
    static final double EPS = 1e-12;

    @Test
    void weightedMicroMacroByHand() {
        MultiLabelMetrics m = new MultiLabelMetrics();
        m.add(List.of("likes:A", "likes:B"), List.of("likes:A", "likes:C"));
        m.add(List.of("likes:A", "dislikes:D"), List.of("likes:B", "dislikes:D"));
        m.add(List.of("likes:A"), List.of(), false);
        // per label (tp, fp, fn): A (1,0,2) B (0,1,1) C (0,1,0) D (1,0,0)
        // P: A 1, B 0, C 0, D 1; R: A 1/3, B 0, C 0, D 1; F1: A 0.5, B 0, C 0, D 1; support A 3, B 1, C 0, D 1
        MultiLabelMetrics.Report r = m.report();
        assertEquals((3 * 1 + 1 * 0 + 1 * 1) / 5.0, r.weighted().precision(), EPS);
        assertEquals((3 * (1 / 3.0) + 0 + 1) / 5.0, r.weighted().recall(), EPS);
        assertEquals((3 * 0.5 + 0 + 1) / 5.0, r.weighted().f1(), EPS);
        assertEquals(5, r.weighted().support());
        // micro: tp 2, fp 2, fn 3
        assertEquals(0.5, r.micro().precision(), EPS);
        assertEquals(0.4, r.micro().recall(), EPS);
        assertEquals(2 * 2 / (2.0 * 2 + 2 + 3), r.micro().f1(), EPS);
        // macro over the 4 labels seen in truth or prediction
        assertEquals(0.5, r.macro().precision(), EPS);
        assertEquals((1 / 3.0 + 1) / 4, r.macro().recall(), EPS);
        assertEquals(1.5 / 4, r.macro().f1(), EPS);
        // likes alone: A, B, C
        assertEquals((3 * 0.5) / 4.0, r.byKind().get("likes").f1(), EPS);
        assertEquals(1.0, r.byKind().get("dislikes").f1(), EPS);
        assertEquals(1 / 3.0, r.unparseableShare(), EPS);
        assertEquals(4, r.perLabel().size());
    }

    @Test
    void zeroDivisionGivesZeroAndPerfectGivesOne() {
        MultiLabelMetrics empty = new MultiLabelMetrics();
        empty.add(List.of(), List.of());
        assertEquals(0.0, empty.report().weighted().f1(), EPS);
        MultiLabelMetrics perfect = new MultiLabelMetrics();
        perfect.add(List.of("likes:A", "dislikes:B"), List.of("dislikes:B", "likes:A"));
        assertEquals(1.0, perfect.report().weighted().f1(), EPS);
        assertEquals(1.0, perfect.report().micro().precision(), EPS);
    }
}
