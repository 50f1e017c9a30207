package io.pipelane.internal.stats;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A compact, lock-free histogram of durations in microseconds, for latency quantiles (the idea of
 * HdrHistogram, in 5 KiB): values below 16 µs have a bucket each; above, every power of two is split into 16
 * buckets, so a value's bucket is at most 1/16 (6.25 %) wider than the value. Up to 2^41 µs (25 days);
 * larger values count in the last bucket. Counts since creation (or the last {@link #reset()}).
 *
 * <p>{@link #record} is safe from any number of threads and never blocks (one atomic increment, and a CAS for
 * the maximum when it grows); {@link #snapshot()} reads without stopping the writers, so a snapshot taken while
 * values are recorded may miss the latest ones.
 */
public final class LatencyHistogram {
    static final int SUB_BITS = 4;
    static final int SUB = 1 << SUB_BITS;
    static final int MAX_EXPONENT = 40;
    /** Buckets 0..15 hold 0..15; then 16 per exponent from 4 to 40. */
    static final int BUCKETS = (MAX_EXPONENT - SUB_BITS + 2) * SUB;
    static final long MAX_VALUE = (1L << (MAX_EXPONENT + 1)) - 1;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final AtomicLong max = new AtomicLong();

    /** Records one duration of {@code micros} microseconds (negative counts as 0). */
    public void record(long micros) {
        long v = Math.max(0, Math.min(micros, MAX_VALUE));
        counts.incrementAndGet(bucket(v));
        if (v > max.get()) max.accumulateAndGet(v, Math::max);
    }

    static int bucket(long v) {
        if (v < SUB) return (int) v;
        int exponent = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
        int sub = (int) (v >>> (exponent - SUB_BITS)) & (SUB - 1);
        return (exponent - SUB_BITS + 1) * SUB + sub;
    }

    /** The smallest value of bucket {@code b}. */
    static long lowest(int b) {
        if (b < SUB) return b;
        int exponent = b / SUB + SUB_BITS - 1;
        long sub = b % SUB;
        return (SUB + sub) << (exponent - SUB_BITS);
    }

    /** The largest value of bucket {@code b}. */
    static long highest(int b) {
        return b + 1 < BUCKETS ? lowest(b + 1) - 1 : MAX_VALUE;
    }

    /** Forgets every value. Values recorded meanwhile may be kept or lost. */
    public void reset() {
        for (int i = 0; i < BUCKETS; i++) counts.set(i, 0);
        max.set(0);
    }

    public Snapshot snapshot() {
        long[] c = new long[BUCKETS];
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            c[i] = counts.get(i);
            total += c[i];
        }
        return new Snapshot(c, total, max.get());
    }

    /** The counts at one moment; quantiles are computed from it. */
    public static final class Snapshot {
        private final long[] counts;
        private final long count;
        private final long max;

        Snapshot(long[] counts, long count, long max) {
            this.counts = counts;
            this.count = count;
            this.max = max;
        }

        public long count() {
            return count;
        }

        /** The largest value recorded, in µs (0 when empty). */
        public long max() {
            return max;
        }

        /**
         * The value at quantile {@code q} (0 to 1) in µs: the middle of the bucket holding the value of rank
         * ⌈q·count⌉, never above {@link #max()}; 0 when empty. Within 1/32 of the exact value for values above 16.
         */
        public long quantile(double q) {
            if (q < 0 || q > 1 || Double.isNaN(q)) throw new IllegalArgumentException("quantile " + q + " not in [0, 1]");
            if (count == 0) return 0;
            long rank = Math.max(1, (long) Math.ceil(q * count));
            long seen = 0;
            for (int b = 0; b < counts.length; b++) {
                seen += counts[b];
                if (seen >= rank) {
                    long lo = lowest(b);
                    long mid = lo + (highest(b) - lo) / 2;
                    return Math.min(mid, max);
                }
            }
            return max;
        }

        /** The mean in µs, from the buckets' middles. */
        public double mean() {
            if (count == 0) return 0;
            double sum = 0;
            for (int b = 0; b < counts.length; b++) {
                if (counts[b] != 0) sum += counts[b] * (lowest(b) + (highest(b) - lowest(b)) / 2.0);
            }
            return sum / count;
        }
    }
}
