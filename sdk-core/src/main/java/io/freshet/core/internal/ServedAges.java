package io.freshet.core.internal;

import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;

/**
 * How old the rows were that a feature set's readers returned: per read of a present row, its age (read time minus
 * the row's newest event time, the "served age") and the time since it was last applied (read time minus the row's
 * last apply, the "applied → served" stage); and, when made {@linkplain #ServedAges(boolean) timing reads}, how long
 * every read took (ns, present row or not). Installed into a reader only while a metrics binder wants it, so that a
 * reader nobody observes pays one null check.
 *
 * <p>Three cumulative log-linear histograms in one {@link AtomicLongArray}: a value lands in a bucket of 1/16 of its
 * power of two (≤ 6.25 % wide; exact below {@value #EXACT_BELOW}), one atomic increment per value. Cumulative counts
 * need no phaser and no swap: a reader of the figures copies them ({@link #copyCounts}) and subtracts its previous
 * copy for an interval. Copies are not atomic across buckets; a value recorded during the copy shows in this copy or
 * the next, never twice.
 *
 * <p>Threading: {@link #record} and {@link #recordReadNs} from any number of threads (lock-free, wait-free);
 * {@link #copyCounts} and {@link #copyReadNs} from any thread. Allocation: none after construction (~23 KB).
 */
public final class ServedAges {
    /** Values below this land in a bucket of their own. */
    static final int EXACT_BELOW = 32;
    /** Buckets per histogram: values up to 2^63 - 1. */
    public static final int BUCKETS = bucketOf(Long.MAX_VALUE) + 1;
    /** Offset of the applied → served histogram in {@link #counts}. */
    private static final int SINCE_APPLY = BUCKETS;
    /** Offset of the read-time histogram in {@link #counts}. */
    private static final int READ_NS = 2 * BUCKETS;

    private final AtomicLongArray counts = new AtomicLongArray(3 * BUCKETS);
    private final boolean timesReads;

    /** A recorder of served ages only: readers do not time their reads. */
    public ServedAges() {
        this(false);
    }

    /**
     * @param timesReads true: readers also time every read ({@link #recordReadNs}), two {@code System.nanoTime()}
     *     calls per read
     */
    public ServedAges(boolean timesReads) {
        this.timesReads = timesReads;
    }

    /** @return true when readers should time every read into {@link #recordReadNs} */
    public boolean timesReads() {
        return timesReads;
    }

    /**
     * Records one read of a present row. Negative differences (a clock behind the writer's) count as 0.
     *
     * @param ageMs read time minus the row's newest event time, ms
     * @param sinceApplyMs read time minus the row's last apply, ms
     */
    public void record(long ageMs, long sinceApplyMs) {
        counts.getAndIncrement(bucketOf(Math.max(0, ageMs)));
        counts.getAndIncrement(SINCE_APPLY + bucketOf(Math.max(0, sinceApplyMs)));
    }

    /**
     * Records how long one read took (a batch read records each of its keys).
     *
     * @param readNs the read's duration, ns (negative counts as 0)
     */
    public void recordReadNs(long readNs) {
        counts.getAndIncrement(READ_NS + bucketOf(Math.max(0, readNs)));
    }

    /**
     * Copies the cumulative read-time counts since this recorder was made.
     *
     * @param readNs receives the bucket counts, {@link #BUCKETS} long
     */
    public void copyReadNs(long[] readNs) {
        for (int i = 0; i < BUCKETS; i++) {
            readNs[i] = counts.get(READ_NS + i);
        }
    }

    /**
     * Copies the cumulative counts since this recorder was made.
     *
     * @param ages receives the served-age bucket counts, {@link #BUCKETS} long
     * @param sinceApply receives the applied → served bucket counts, {@link #BUCKETS} long
     */
    public void copyCounts(long[] ages, long[] sinceApply) {
        for (int i = 0; i < BUCKETS; i++) {
            ages[i] = counts.get(i);
            sinceApply[i] = counts.get(SINCE_APPLY + i);
        }
    }

    /**
     * Adds the difference of two copies to a histogram, each bucket as its middle value.
     *
     * @param now the later copy
     * @param before the earlier copy (all zeros for "since start")
     * @param into the histogram that receives the values (in the unit they were recorded in)
     */
    public static void addDifference(long[] now, long[] before, Histogram into) {
        for (int i = 0; i < BUCKETS; i++) {
            long n = now[i] - before[i];
            if (n > 0) {
                into.recordValueWithCount(Math.min(middleOf(i), into.getHighestTrackableValue()), n);
            }
        }
    }

    /**
     * @param value a value ≥ 0
     * @return its bucket: the value itself below {@value #EXACT_BELOW}, else 16 buckets per power of two
     */
    static int bucketOf(long value) {
        if (value < EXACT_BELOW) {
            return (int) value;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(value);
        // The top five bits of the value, 16..31, pick the bucket within its power of two.
        return ((exponent - 4) << 4) + (int) (value >>> (exponent - 4));
    }

    /**
     * @param bucket a bucket
     * @return the smallest value that lands in it
     */
    static long lowestOf(int bucket) {
        if (bucket < EXACT_BELOW) {
            return bucket;
        }
        int exponent = (bucket >>> 4) + 3;
        long top = (bucket & 15) + 16;
        return top << (exponent - 4);
    }

    /**
     * @param bucket a bucket
     * @return the middle of its values (the value itself for exact buckets)
     */
    static long middleOf(int bucket) {
        if (bucket < EXACT_BELOW) {
            return bucket;
        }
        long low = lowestOf(bucket);
        long width = 1L << ((bucket >>> 4) + 3 - 4);
        return low + (width >>> 1);
    }
}
