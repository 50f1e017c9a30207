package io.pipelane.internal.stats;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyHistogramTest {

    @Test
    void everyValueFallsInABucketThatHoldsItAndIsAtMostOneSixteenthWide() {
        List<Long> values = new ArrayList<>();
        for (long v = 0; v < 5000; v++) values.add(v);
        for (int e = 4; e <= 41; e++) {
            long p = 1L << e;
            values.add(p - 1);
            values.add(p);
            values.add(p + 1);
            values.add(p + p / 3);
        }
        for (long v : values) {
            if (v > LatencyHistogram.MAX_VALUE) continue;
            int b = LatencyHistogram.bucket(v);
            assertTrue(b >= 0 && b < LatencyHistogram.BUCKETS, "bucket of " + v);
            long lo = LatencyHistogram.lowest(b);
            long hi = LatencyHistogram.highest(b);
            assertTrue(lo <= v && v <= hi, v + " not in [" + lo + ", " + hi + "]");
            if (v >= 16) assertTrue((hi - lo + 1) * 16 <= v, "bucket of " + v + " too wide: " + (hi - lo + 1));
            else assertEquals(lo, hi, "values below 16 are exact");
        }
        assertEquals(LatencyHistogram.BUCKETS - 1, LatencyHistogram.bucket(LatencyHistogram.MAX_VALUE));
    }

    @Test
    void quantilesOfAKnownDistributionAreWithinTheBucketError() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++) h.record(v);
        LatencyHistogram.Snapshot s = h.snapshot();
        assertEquals(100_000, s.count());
        assertEquals(100_000, s.max());
        for (double q : new double[] {0.5, 0.9, 0.99, 0.999}) {
            double exact = q * 100_000;
            double got = s.quantile(q);
            assertTrue(Math.abs(got - exact) <= exact / 16, "p" + q + ": " + got + " vs " + exact);
        }
        assertEquals(100_000, s.quantile(1.0));
        assertTrue(Math.abs(s.mean() - 50_000) < 50_000 / 16.0, "mean " + s.mean());
    }

    @Test
    void emptyIsZeroLargeValuesAreClampedAndResetForgets() {
        LatencyHistogram h = new LatencyHistogram();
        assertEquals(0, h.snapshot().quantile(0.99));
        h.record(-5);
        h.record(Long.MAX_VALUE);
        LatencyHistogram.Snapshot s = h.snapshot();
        assertEquals(2, s.count());
        assertEquals(0, s.quantile(0.5));
        assertEquals(LatencyHistogram.MAX_VALUE, s.max());
        assertThrows(IllegalArgumentException.class, () -> s.quantile(1.5));
        h.reset();
        assertEquals(0, h.snapshot().count());
    }

    @Test
    void concurrentRecordsAreAllCounted() throws Exception {
        LatencyHistogram h = new LatencyHistogram();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 50_000; i++) h.record(i % 1000);
            });
            threads[t].start();
        }
        for (Thread t : threads) t.join();
        assertEquals(200_000, h.snapshot().count());
        assertEquals(999, h.snapshot().max());
    }
}
