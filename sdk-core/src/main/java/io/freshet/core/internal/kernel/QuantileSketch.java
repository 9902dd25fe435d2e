package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.Memory.MEMORY;

/**
 * One QUANTILE feature's sketch: a log-bucket histogram (DDSketch, Masson et al. 2019) over a declared value range,
 * laid out in the row as one accumulator per tile (or one for a lifetime feature), merged at read time by adding the
 * live tiles' counters. This object is the immutable descriptor (bucket geometry, the value each bucket reads as);
 * {@link #add} and {@link #estimate} are the write and read kernels on a row's memory.
 *
 * <pre>
 * accumulator (accBytes, 8-aligned):
 *   +0  total   int    events counted in this accumulator (those whose counter was not saturated)
 *   +4  lowest  u16    the lowest counter index counted (valid when total &gt; 0)
 *   +6  highest u16    the highest counter index counted: a read walks only from one to the other
 *   +8  counters u16[buckets + 2], packed two per 32-bit word (counter c is the half (c &amp; 1) of word c &gt;&gt; 1):
 *         c = 0               underflow: v &lt; min (any v &lt;= 0 included); reads as min
 *         c = 1 .. buckets    v in (g^(k - 1), g^k], k = minIndex + c - 1, g = (1 + a) / (1 - a); reads as
 *                             2 g^k / (g + 1), within a of every value of the bucket
 *         c = buckets + 1     overflow: v &gt; max; reads as max
 *       each saturates at {@value #MAX_COUNTER}: a further event of that bucket is not counted (nor in total)
 * </pre>
 *
 * <p>Rank: the quantile q of n counted values is the value of rank {@code max(1, ceil(q * n))}, see {@link #rank}.
 *
 * <p>Internal: not part of the public API. Immutable; its kernels are allocation-free and lock-free.
 */
public final class QuantileSketch {
    /** A counter's largest value: it saturates there. */
    public static final int MAX_COUNTER = 0xFFFF;
    /** Bytes before the counters: the total and the lowest and highest counter used. */
    static final int COUNTERS = 8;
    private static final int LOWEST = 4;

    private final double q;
    private final double min;
    private final double max;
    private final double invLnGamma;
    private final int minIndex;
    /** In-range buckets (the counters hold two more: the edges). */
    private final int buckets;
    /** Counter index to the value it reads as. */
    private final double[] valueOf;
    private final int accBytes;

    /**
     * @param q the quantile, in (0, 1]
     * @param relativeError the relative accuracy a, in (0, 1)
     * @param min lower end of the range, positive
     * @param max upper end, greater than min
     */
    public QuantileSketch(double q, double relativeError, double min, double max) {
        this.q = q;
        this.min = min;
        this.max = max;
        final double gamma = (1 + relativeError) / (1 - relativeError);
        this.invLnGamma = 1 / Math.log(gamma);
        this.minIndex = indexOf(min);
        this.buckets = bucketCount(relativeError, min, max);
        this.valueOf = new double[buckets + 2];
        valueOf[0] = min;
        for (int c = 1; c <= buckets; c++) {
            valueOf[c] = 2 * Math.pow(gamma, minIndex + c - 1) / (gamma + 1);
        }
        valueOf[buckets + 1] = max;
        this.accBytes = accumulatorBytes(buckets);
    }

    /**
     * @param relativeError the relative accuracy
     * @param min lower end of the range
     * @param max upper end
     * @return the number of in-range buckets
     */
    public static int bucketCount(double relativeError, double min, double max) {
        final double inv = 1 / Math.log((1 + relativeError) / (1 - relativeError));
        return (int) (Math.ceil(Math.log(max) * inv) - Math.ceil(Math.log(min) * inv)) + 1;
    }

    /**
     * @param buckets in-range buckets
     * @return bytes of one accumulator: the header (total, lowest and highest counter) and the counters, padded to 8
     */
    public static int accumulatorBytes(int buckets) {
        return COUNTERS + (((buckets + 2) * 2 + 7) & ~7);
    }

    private int indexOf(double v) {
        return (int) Math.ceil(Math.log(v) * invLnGamma);
    }

    /** @return bytes of one accumulator */
    public int accumulatorBytes() {
        return accBytes;
    }

    /** @return the in-range bucket count */
    public int buckets() {
        return buckets;
    }

    /**
     * The counter a value goes to. Edge values whose logarithm rounds across the range's edge stay in range.
     *
     * @param v a finite value
     * @return the counter index, 0 to buckets + 1
     */
    int counterOf(double v) {
        if (v < min) {
            return 0;
        }
        if (v > max) {
            return buckets + 1;
        }
        final int c = indexOf(v) - minIndex + 1;
        return c < 1 ? 1 : Math.min(c, buckets);
    }

    /**
     * @param c a counter index
     * @return the value that counter reads as
     */
    double valueOf(int c) {
        return valueOf[c];
    }

    /**
     * Counts one value in the accumulator at absolute {@code acc}, unless its counter is saturated.
     *
     * @param base the row's base object
     * @param acc the accumulator's absolute address
     * @param v a finite value
     */
    void add(Object base, long acc, double v) {
        final int c = counterOf(v);
        final long word = acc + COUNTERS + ((c >>> 1) << 2);
        final int shift = (c & 1) << 4;
        final int w = MEMORY.getInt(base, word);
        if (((w >>> shift) & MAX_COUNTER) == MAX_COUNTER) {
            return;
        }
        MEMORY.putInt(base, word, w + (1 << shift));
        final int total = MEMORY.getInt(base, acc);
        // lowest and highest are the two u16 halves of the int at +4 (little-endian: lowest is the low half).
        final int span = MEMORY.getInt(base, acc + LOWEST);
        if (total == 0) {
            MEMORY.putInt(base, acc + LOWEST, c | (c << 16));
        } else if (c < (span & MAX_COUNTER) || c > span >>> 16) {
            MEMORY.putInt(base, acc + LOWEST, Math.min(c, span & MAX_COUNTER) | (Math.max(c, span >>> 16) << 16));
        }
        MEMORY.putInt(base, acc, total + 1);
    }

    /**
     * The rank of quantile q among n values: {@code max(1, ceil(q * n))}, with a relative tolerance of 1e-12 on the
     * product so that a q written in decimal gives the rank its decimal product gives (0.9 * 10 is 9, not 10).
     *
     * @param q the quantile
     * @param n the number of values, positive
     * @return the rank, 1 to n
     */
    public static long rank(double q, long n) {
        final double qn = q * n;
        final long r = (long) Math.ceil(qn - qn * 1e-12);
        return r < 1 ? 1 : Math.min(r, n);
    }

    /**
     * Estimates the quantile over several accumulators of a ring (the live tiles of a window), or one (a lifetime
     * feature): their counters are added bucket by bucket while walking from the end nearer to the rank (from the
     * top for q above one half) and only between the lowest and the highest counter any of them used, so a p99
     * reads a few buckets of each tile, not all of them.
     *
     * @param base the row's base object
     * @param firstAcc absolute address of the ring's first accumulator (slot 0)
     * @param firstSlot ring slot of the first accumulator to merge
     * @param count how many accumulators to merge (wrapping at {@code ringSize}); 0 gives NaN
     * @param ringSize accumulators in the ring
     * @return the estimate, NaN when no value is counted
     */
    double estimate(Object base, long firstAcc, int firstSlot, int count, int ringSize) {
        final int stride = accBytes;
        long n = 0;
        int lowest = buckets + 1;
        int highest = 0;
        for (int k = 0, s = firstSlot; k < count; k++) {
            final long acc = firstAcc + (long) s * stride;
            final int total = MEMORY.getInt(base, acc);
            if (total > 0) {
                n += total;
                final int span = MEMORY.getInt(base, acc + LOWEST);
                lowest = Math.min(lowest, span & MAX_COUNTER);
                highest = Math.max(highest, span >>> 16);
            }
            if (++s == ringSize) {
                s = 0;
            }
        }
        if (n <= 0) {
            return Double.NaN;
        }
        // Bounded by the counters whatever the row holds.
        highest = Math.min(buckets + 1, highest);
        lowest = Math.min(lowest, highest);
        final long r = rank(q, n);
        if (q > 0.5) {
            // The value of rank r is in the highest bucket whose count together with every bucket above it reaches
            // n - r + 1.
            final long need = n - r + 1;
            long seen = 0;
            for (int c = highest; c > lowest; c--) {
                seen += counterSum(base, firstAcc, c, firstSlot, count, ringSize);
                if (seen >= need) {
                    return valueOf[c];
                }
            }
            return valueOf[lowest];
        }
        long seen = 0;
        for (int c = lowest; c < highest; c++) {
            seen += counterSum(base, firstAcc, c, firstSlot, count, ringSize);
            if (seen >= r) {
                return valueOf[c];
            }
        }
        return valueOf[highest];
    }

    private long counterSum(Object base, long firstAcc, int c, int firstSlot, int count, int ringSize) {
        final long word = firstAcc + COUNTERS + ((c >>> 1) << 2);
        final int shift = (c & 1) << 4;
        final int stride = accBytes;
        long sum = 0;
        for (int k = 0, s = firstSlot; k < count; k++) {
            sum += (MEMORY.getInt(base, word + (long) s * stride) >>> shift) & MAX_COUNTER;
            if (++s == ringSize) {
                s = 0;
            }
        }
        return sum;
    }
}
