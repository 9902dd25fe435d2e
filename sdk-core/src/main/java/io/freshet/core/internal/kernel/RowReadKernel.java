package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.Memory.MEMORY;
import static io.freshet.core.internal.kernel.CompiledLayout.NO_EPOCH;
import static io.freshet.core.internal.kernel.CompiledLayout.NO_TIME;
import static io.freshet.core.internal.kernel.EvaluationPlan.ACC;
import static io.freshet.core.internal.kernel.EvaluationPlan.CLASS;
import static io.freshet.core.internal.kernel.EvaluationPlan.LONG;
import static io.freshet.core.internal.kernel.EvaluationPlan.OFF;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_COUNT;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_COUNT_WINDOW;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_DECAYED;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_DIFFERENCE;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_DISTINCT;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_DISTINCT_WINDOW;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_EXTREME;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_FIRST_SEEN;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_LAST_N;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_LAST_N_CATEGORIES;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_LAST_SEEN;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_LATEST;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_LATEST_CATEGORY;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_MAX_WINDOW;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_MEAN;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_MEAN_WINDOW;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_MIN_WINDOW;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_QUANTILE;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_QUANTILE_WINDOW;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_RATIO;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_STDDEV;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_STDDEV_WINDOW;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_SUM;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_SUM_WINDOW;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_TIME_SINCE;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_TOP_K;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_TOP_K_WINDOW;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_VARIANCE;
import static io.freshet.core.internal.kernel.EvaluationPlan.OP_VARIANCE_WINDOW;
import static io.freshet.core.internal.kernel.EvaluationPlan.SLOT;
import static io.freshet.core.internal.kernel.EvaluationPlan.STRIDE;
import static io.freshet.core.internal.kernel.EvaluationPlan.SUFFIX;
import static io.freshet.core.internal.kernel.EvaluationPlan.TILES;

import io.freshet.core.FeatureKind;
import io.freshet.core.spi.RowBuffer;

/**
 * Evaluates a row image into a feature vector's value arrays: combines the live tiles of windowed features, decays,
 * estimates distinct counts, and computes derived features from the stored ones. The arrays belong to the vector
 * ({@code FeatureVector}, whose getters read them); this kernel fills them.
 *
 * <pre>
 * per feature i, in slots slot[i] .. slot[i] + width[i] - 1:
 *   bits[s]     the value: a long, or a double's raw bits (by the kind's value type); missing: MISSING_LONG or NaN
 *   timesMs[s]  the newest event time that contributed, NO_TIME when none
 * sizes[i]      how many slots hold a value: 0 or 1, or 0..n for last-N
 * </pre>
 *
 * <p>How a read stays cheap (a served read evaluates every feature of the set): the set's {@link EvaluationPlan} is
 * walked in one loop with one switch over operations that are already split into lifetime and windowed; the row's
 * length is checked once against the layout, after which every offset comes from the plan (never from the row) and
 * every slot is bounded by the layout, so the row is read without a check per access; each tile class's read epoch and
 * ring slot are computed once per read time (one division per class, none per feature); a windowed count, sum, min,
 * max, mean, variance or stddev read at or after its newest tile combines two accumulators (the newest tile and the
 * suffix of the older ones), in the same order as before, so results are bit-identical to a scan of the tiles' suffix
 * form.
 *
 * <p>Threading: one instance per vector, used by the thread that reads into it. Allocation: none.
 */
public final class RowReadKernel {
    private final CompiledLayout l;
    private final long[] bits;
    private final long[] timesMs;
    private final int[] sizes;
    private final int[] plan;
    private final int[] windows;
    private final long[] missingBits;
    private final double[] decayPerMs;
    /** Per tile class (see {@link EvaluationPlan}): tile length and count. */
    private final long[] classTileMs;
    private final int[] classTiles;
    /** The read time the class arrays hold, and per class the read's tile epoch, its ring slot and the next slot. */
    private long classReadMs = NO_TIME;
    private final long[] classEpoch;
    private final int[] classSlot;
    private final int[] classNextSlot;
    private int rangeFirstSlot;
    /** Sink of {@link #touch}' loads, so that the JIT keeps them. */
    private long touched;
    /** Set by {@link #suffixRange}: ring slot of the newest tile (-1: nothing live) and of the suffix (-1: none). */
    private int newestSlot;
    private int suffixSlot;
    private final ExpCache expCache = new ExpCache();
    /** TOP_K's merge scratch, sized from the layout; null for a set without TOP_K. */
    private final TopKSummary.Merger topK;
    private final CategoryValues categories;

    /**
     * @param layout the set's layout
     * @param bits values, {@code layout.vectorWidth} long
     * @param timesMs event times, {@code layout.vectorWidth} long
     * @param sizes value counts, {@code layout.featureCount} long
     */
    public RowReadKernel(CompiledLayout layout, long[] bits, long[] timesMs, int[] sizes) {
        this.l = layout;
        this.bits = bits;
        this.timesMs = timesMs;
        this.sizes = sizes;
        EvaluationPlan p = new EvaluationPlan(layout);
        this.plan = p.plan;
        this.windows = p.windows;
        this.missingBits = p.missingBits;
        this.decayPerMs = p.decayPerMs;
        this.classTileMs = p.classTileMs;
        this.classTiles = p.classTiles;
        this.classEpoch = new long[classTileMs.length];
        this.classSlot = new int[classTileMs.length];
        this.classNextSlot = new int[classTileMs.length];
        this.topK = topKMerger(layout);
        this.categories = new CategoryValues(layout);
    }

    private static TopKSummary.Merger topKMerger(CompiledLayout l) {
        int maxCounters = 0;
        int maxK = 0;
        for (int i = 0; i < l.featureCount; i++) {
            if (l.kinds[i] == FeatureKind.TOP_K) {
                maxCounters = Math.max(maxCounters, Math.max(1, l.tiles[i]) * TopKSummary.counters(l.param[i]));
                maxK = Math.max(maxK, TopKSummary.k(l.param[i]));
            }
        }
        return maxK == 0 ? null : new TopKSummary.Merger(maxCounters, maxK);
    }

    /** @return the categorical values this kernel fills beside the value arrays */
    public CategoryValues categoryValues() {
        return categories;
    }

    /**
     * @param l the layout
     * @param bits the vector's values
     * @param i feature index
     * @param s slot
     * @return the value in slot s as a double, by the feature's value type
     */
    public static double doubleAt(CompiledLayout l, long[] bits, int i, int s) {
        return l.kinds[i].valueType() == FeatureKind.ValueType.LONG
            ? (double) bits[s] : Double.longBitsToDouble(bits[s]);
    }

    /** Marks every feature missing (the vector of a key with no row). */
    public void clear() {
        categories.clear();
        for (int i = 0; i < l.featureCount; i++) {
            sizes[i] = 0;
        }
        for (int s = 0; s < bits.length; s++) {
            bits[s] = Double.doubleToRawLongBits(Double.NaN);
            timesMs[s] = NO_TIME;
        }
    }

    /**
     * Evaluates every feature of {@code src} (a consistent row image) at read time {@code r} into the vector's
     * arrays.
     *
     * @param src the row image
     * @param r the read time, epoch ms
     * @throws IndexOutOfBoundsException when {@code src} is shorter than the layout's row
     */
    public void evaluate(RowBuffer src, long r) {
        if (src.lengthBytes() < l.rowSizeBytes) {
            throw new IndexOutOfBoundsException("row of lengthBytes=" + src.lengthBytes()
                + " < the layout's rowSizeBytes=" + l.rowSizeBytes + ": pass a whole row of this set");
        }
        // From here every offset is the plan's and every slot is bounded by the layout's tile counts: the row's
        // length was checked once for all of them.
        final Object base = src.base();
        final long a = src.address();
        if (r != classReadMs) {
            readAt(r);
        }
        touch(base, a);
        final int[] p = plan;
        final int end = l.featureCount * STRIDE;
        for (int q = 0, i = 0; q < end; q += STRIDE, i++) {
            final int off = p[q + OFF];
            final long ft = off >= 0 ? MEMORY.getLong(base, a + off) : NO_TIME;
            switch (p[q + OP]) {
                case OP_LATEST:
                    if (ft == NO_TIME) {
                        missing(i, p[q + SLOT]);
                    } else {
                        setDouble(i, p[q + SLOT], MEMORY.getDouble(base, a + off + 8), ft);
                    }
                    break;
                case OP_COUNT:
                    setLong(i, p[q + SLOT], MEMORY.getLong(base, a + off + 8), ft);
                    break;
                case OP_SUM:
                    setDouble(i, p[q + SLOT], MEMORY.getDouble(base, a + off + 8), ft);
                    break;
                case OP_EXTREME:
                    setExtreme(i, p[q + SLOT], MEMORY.getDouble(base, a + off + 8), ft);
                    break;
                case OP_MEAN:
                    setMean(i, p[q + SLOT], MEMORY.getDouble(base, a + off + 8), MEMORY.getLong(base, a + off + 16),
                        ft);
                    break;
                case OP_FIRST_SEEN:
                    if (ft == NO_TIME) {
                        missing(i, p[q + SLOT]);
                    } else {
                        setLong(i, p[q + SLOT], MEMORY.getLong(base, a + off + 8), ft);
                    }
                    break;
                case OP_LAST_SEEN:
                    if (ft == NO_TIME) {
                        missing(i, p[q + SLOT]);
                    } else {
                        setLong(i, p[q + SLOT], ft, ft);
                    }
                    break;
                case OP_LAST_N:
                    evaluateLastN(base, a, i, off, p[q + SLOT], p[q + ACC]);
                    break;
                case OP_LATEST_CATEGORY:
                    categories.evaluateLatest(base, a, i, off, p[q + SLOT], ft, bits, timesMs, sizes);
                    break;
                case OP_LAST_N_CATEGORIES:
                    categories.evaluateLastN(base, a, i, off, p[q + SLOT], p[q + ACC], bits, timesMs, sizes);
                    break;
                case OP_DECAYED:
                    setDouble(i, p[q + SLOT], ft == NO_TIME ? 0
                        : MEMORY.getDouble(base, a + off + 8) * expCache.exp(-(r - ft) * decayPerMs[i]), ft);
                    break;
                case OP_COUNT_WINDOW:
                    setLong(i, p[q + SLOT], windowCount(base, a, q, off), ft);
                    break;
                case OP_SUM_WINDOW:
                    setDouble(i, p[q + SLOT], windowSum(base, a, q, off), ft);
                    break;
                case OP_MIN_WINDOW:
                    setExtreme(i, p[q + SLOT], windowMin(base, a, q, off), ft);
                    break;
                case OP_MAX_WINDOW:
                    setExtreme(i, p[q + SLOT], windowMax(base, a, q, off), ft);
                    break;
                case OP_MEAN_WINDOW:
                    windowMean(base, a, i, q, off, ft);
                    break;
                case OP_VARIANCE:
                    setSpread(i, p[q + SLOT], Moments.variance(base, a + off + 8), false, ft);
                    break;
                case OP_STDDEV:
                    setSpread(i, p[q + SLOT], Moments.variance(base, a + off + 8), true, ft);
                    break;
                case OP_VARIANCE_WINDOW:
                    setSpread(i, p[q + SLOT], windowVariance(base, a, q, off), false, ft);
                    break;
                case OP_STDDEV_WINDOW:
                    setSpread(i, p[q + SLOT], windowVariance(base, a, q, off), true, ft);
                    break;
                case OP_DISTINCT:
                    setDouble(i, p[q + SLOT], HyperLogLog.estimate(src, off + 8, 0, 0, 1, 1, l.param[i]), ft);
                    break;
                case OP_DISTINCT_WINDOW:
                    int count = liveTiles(base, a, q, off);
                    setDouble(i, p[q + SLOT], HyperLogLog.estimate(src, l.tileOffset[i], l.accBytes[i],
                        rangeFirstSlot, count, l.tiles[i], l.param[i]), ft);
                    break;
                case OP_QUANTILE:
                    setQuantile(i, p[q + SLOT], l.sketches[i].estimate(base, a + off + 8, 0, 1, 1), ft);
                    break;
                case OP_QUANTILE_WINDOW:
                    int live = liveTiles(base, a, q, off);
                    setQuantile(i, p[q + SLOT], l.sketches[i].estimate(base, a + p[q + ACC], rangeFirstSlot, live,
                        p[q + TILES]), ft);
                    break;
                case OP_TOP_K:
                    topK.begin();
                    topK.addSummary(base, a + off + 8, TopKSummary.counters(l.param[i]));
                    setTopK(i, p[q + SLOT], ft);
                    break;
                case OP_TOP_K_WINDOW:
                    windowTopK(base, a, i, q, off, ft);
                    break;
                default:
                    evaluateDerived(i, q, r);
                    break;
            }
        }
    }

    /**
     * Loads one word of every cache line a read at the class read times most likely needs before evaluating any
     * feature: every line of the headers, and per windowed feature with suffixes the accumulators of the read's own
     * tile and of the suffix after it. These loads do not depend on each other nor on the row's contents, so a row
     * that is not in cache costs about one memory latency for all of them instead of a chain of misses (header, then
     * the tile its maxEpoch names). The suffix slot is the one a read combines whenever the window is live; the read's
     * own tile is the newest tile of a key updated in it, and its line holds the few tiles before it. A word every 64
     * bytes reaches every header line whatever the row's alignment; the last word covers the tail.
     */
    private void touch(Object base, long a) {
        final int end = l.headerBytes - 8;
        long sum = 0;
        for (int o = 0; o < end; o += 64) {
            sum += MEMORY.getLong(base, a + o);
        }
        final int[] w = windows;
        for (int k = 0; k < w.length; k += EvaluationPlan.WINDOW_STRIDE) {
            final int c = w[k + 2];
            final int acc = w[k + 3];
            sum += MEMORY.getLong(base, a + w[k] + classSlot[c] * acc);
            sum += MEMORY.getLong(base, a + w[k + 1] + classNextSlot[c] * acc);
        }
        touched = sum + MEMORY.getLong(base, a + end);
    }

    /** Computes, once per read time, each tile class's read epoch and its ring slots: one division per class. */
    private void readAt(long r) {
        for (int c = 0; c < classTileMs.length; c++) {
            long e = TileRing.epochOf(r, classTileMs[c]);
            int slot = (int) Math.floorMod(e, (long) classTiles[c]);
            classEpoch[c] = e;
            classSlot[c] = slot;
            classNextSlot[c] = slot + 1 == classTiles[c] ? 0 : slot + 1;
        }
        classReadMs = r;
    }

    private void setDouble(int i, int s, double v, long t) {
        bits[s] = Double.doubleToRawLongBits(v);
        timesMs[s] = t;
        sizes[i] = 1;
    }

    private void setLong(int i, int s, long v, long t) {
        bits[s] = v;
        timesMs[s] = t;
        sizes[i] = 1;
    }

    /** A min or max: infinite (the empty accumulator) reads as missing. */
    private void setExtreme(int i, int s, double m, long t) {
        if (Double.isInfinite(m)) {
            missing(i, s);
        } else {
            setDouble(i, s, m, t);
        }
    }

    private void setMean(int i, int s, double sum, long count, long t) {
        if (count == 0) {
            missing(i, s);
        } else {
            setDouble(i, s, sum / count, t);
        }
    }

    /** A variance, or its square root for a stddev: NaN (the empty accumulator) reads as missing. */
    private void setSpread(int i, int s, double variance, boolean root, long t) {
        if (Double.isNaN(variance)) {
            missing(i, s);
        } else {
            setDouble(i, s, root ? Math.sqrt(variance) : variance, t);
        }
    }

    /** A quantile: NaN (no value counted in the window) reads as missing. */
    private void setQuantile(int i, int s, double v, long t) {
        if (Double.isNaN(v)) {
            missing(i, s);
        } else {
            setDouble(i, s, v, t);
        }
    }

    private void missing(int i, int s) {
        bits[s] = missingBits[i];
        timesMs[s] = NO_TIME;
        sizes[i] = 0;
    }

    /**
     * For a windowed feature with suffixes: sets {@link #newestSlot} and {@link #suffixSlot} and returns true when
     * the read is at or after its newest tile (or nothing is live); the window is then tile(newestSlot), plus
     * suffix(suffixSlot) when suffixSlot >= 0, or empty when newestSlot < 0. False sends the caller to the tile scan:
     * a read older than the newest tile, whose window ends before it and so is not a suffix.
     */
    private boolean suffixRange(Object base, long a, int q, int off) {
        final long maxEpoch = MEMORY.getLong(base, a + off + 8);
        if (maxEpoch == NO_EPOCH) {
            newestSlot = -1;
            return true;
        }
        final int c = plan[q + CLASS];
        final int n = plan[q + TILES];
        // How far the read's tile is past the newest tile: negative for a read before it (the window then ends
        // before the newest tile: not a suffix), n or more when no tile is live any more.
        final long ahead = classEpoch[c] - maxEpoch;
        if (ahead < 0) {
            return false;
        }
        if (ahead >= n) {
            newestSlot = -1;
            return true;
        }
        // Slots from the read's slot, without a division per feature: newest = read - ahead; the oldest live tile,
        // whose suffix the read combines, is read - n + 1, i.e. read + 1, unless it is the newest itself.
        final int s = classSlot[c] - (int) ahead;
        newestSlot = s < 0 ? s + n : s;
        suffixSlot = ahead == n - 1 ? -1 : classNextSlot[c];
        return true;
    }

    /**
     * Sets {@link #rangeFirstSlot} and returns how many live tiles a read at the class's read time covers. The live
     * tiles are the ring slots rangeFirstSlot, rangeFirstSlot + 1, ... wrapping at n; loops walk them as two
     * contiguous runs (to n, then from 0) so that the JIT sees simple counted loops, in the same order as one
     * wrapping walk.
     */
    private int liveTiles(Object base, long a, int q, int off) {
        // An empty range must not leave the previous feature's first slot behind: callers derive loop bounds from it.
        rangeFirstSlot = 0;
        final long maxEpoch = MEMORY.getLong(base, a + off + 8);
        if (maxEpoch == NO_EPOCH) {
            return 0;
        }
        final int n = plan[q + TILES];
        final long readEpoch = classEpoch[plan[q + CLASS]];
        final long lo = Math.max(readEpoch - n + 1, maxEpoch - n + 1);
        final long hi = Math.min(readEpoch, maxEpoch);
        if (hi < lo) {
            return 0;
        }
        rangeFirstSlot = (int) Math.floorMod(lo, (long) n);
        return (int) (hi - lo + 1);
    }

    private long windowCount(Object base, long a, int q, int off) {
        final int tiles = plan[q + ACC];
        if (suffixRange(base, a, q, off)) {
            if (newestSlot < 0) {
                return 0;
            }
            long total = MEMORY.getLong(base, a + tiles + newestSlot * 8);
            return suffixSlot < 0 ? total : total + MEMORY.getLong(base, a + plan[q + SUFFIX] + suffixSlot * 8);
        }
        final int count = liveTiles(base, a, q, off);
        final int first = rangeFirstSlot;
        final int end = Math.min(plan[q + TILES], first + count);
        long total = 0;
        for (int s = first; s < end; s++) {
            total += MEMORY.getLong(base, a + tiles + s * 8);
        }
        for (int s = 0, rest = count - (end - first); s < rest; s++) {
            total += MEMORY.getLong(base, a + tiles + s * 8);
        }
        return total;
    }

    private double windowSum(Object base, long a, int q, int off) {
        final int tiles = plan[q + ACC];
        if (suffixRange(base, a, q, off)) {
            if (newestSlot < 0) {
                return 0;
            }
            double newest = MEMORY.getDouble(base, a + tiles + newestSlot * 8);
            return suffixSlot < 0 ? newest
                : MEMORY.getDouble(base, a + plan[q + SUFFIX] + suffixSlot * 8) + newest;
        }
        final int count = liveTiles(base, a, q, off);
        final int first = rangeFirstSlot;
        final int end = Math.min(plan[q + TILES], first + count);
        double total = 0;
        for (int s = first; s < end; s++) {
            total += MEMORY.getDouble(base, a + tiles + s * 8);
        }
        for (int s = 0, rest = count - (end - first); s < rest; s++) {
            total += MEMORY.getDouble(base, a + tiles + s * 8);
        }
        return total;
    }

    private double windowMin(Object base, long a, int q, int off) {
        final int tiles = plan[q + ACC];
        if (suffixRange(base, a, q, off)) {
            if (newestSlot < 0) {
                return Double.POSITIVE_INFINITY;
            }
            double newest = MEMORY.getDouble(base, a + tiles + newestSlot * 8);
            return suffixSlot < 0 ? newest
                : Math.min(MEMORY.getDouble(base, a + plan[q + SUFFIX] + suffixSlot * 8), newest);
        }
        final int count = liveTiles(base, a, q, off);
        final int first = rangeFirstSlot;
        final int end = Math.min(plan[q + TILES], first + count);
        double m = Double.POSITIVE_INFINITY;
        for (int s = first; s < end; s++) {
            m = Math.min(m, MEMORY.getDouble(base, a + tiles + s * 8));
        }
        for (int s = 0, rest = count - (end - first); s < rest; s++) {
            m = Math.min(m, MEMORY.getDouble(base, a + tiles + s * 8));
        }
        return m;
    }

    private double windowMax(Object base, long a, int q, int off) {
        final int tiles = plan[q + ACC];
        if (suffixRange(base, a, q, off)) {
            if (newestSlot < 0) {
                return Double.NEGATIVE_INFINITY;
            }
            double newest = MEMORY.getDouble(base, a + tiles + newestSlot * 8);
            return suffixSlot < 0 ? newest
                : Math.max(MEMORY.getDouble(base, a + plan[q + SUFFIX] + suffixSlot * 8), newest);
        }
        final int count = liveTiles(base, a, q, off);
        final int first = rangeFirstSlot;
        final int end = Math.min(plan[q + TILES], first + count);
        double m = Double.NEGATIVE_INFINITY;
        for (int s = first; s < end; s++) {
            m = Math.max(m, MEMORY.getDouble(base, a + tiles + s * 8));
        }
        for (int s = 0, rest = count - (end - first); s < rest; s++) {
            m = Math.max(m, MEMORY.getDouble(base, a + tiles + s * 8));
        }
        return m;
    }

    private void windowMean(Object base, long a, int i, int q, int off, long ft) {
        final int tiles = plan[q + ACC];
        double sum = 0;
        long count = 0;
        if (suffixRange(base, a, q, off)) {
            if (newestSlot >= 0) {
                final long newest = a + tiles + newestSlot * 16;
                sum = MEMORY.getDouble(base, newest);
                count = MEMORY.getLong(base, newest + 8);
                if (suffixSlot >= 0) {
                    final long older = a + plan[q + SUFFIX] + suffixSlot * 16;
                    sum = MEMORY.getDouble(base, older) + sum;
                    count += MEMORY.getLong(base, older + 8);
                }
            }
        } else {
            final int live = liveTiles(base, a, q, off);
            final int first = rangeFirstSlot;
            final int end = Math.min(plan[q + TILES], first + live);
            for (int s = first; s < end; s++) {
                sum += MEMORY.getDouble(base, a + tiles + s * 16);
                count += MEMORY.getLong(base, a + tiles + s * 16 + 8);
            }
            for (int s = 0, rest = live - (end - first); s < rest; s++) {
                sum += MEMORY.getDouble(base, a + tiles + s * 16);
                count += MEMORY.getLong(base, a + tiles + s * 16 + 8);
            }
        }
        setMean(i, plan[q + SLOT], sum, count, ft);
    }

    /**
     * A windowed variance: the newest tile merged with the suffix of the older ones (two accumulators) at or after
     * the newest tile, else a merge of the live tiles oldest first. NaN when the window is empty.
     */
    private double windowVariance(Object base, long a, int q, int off) {
        final int tiles = plan[q + ACC];
        if (suffixRange(base, a, q, off)) {
            if (newestSlot < 0) {
                return Double.NaN;
            }
            final long newest = a + tiles + (long) newestSlot * Moments.BYTES;
            return suffixSlot < 0 ? Moments.variance(base, newest)
                : Moments.mergedVariance(base, a + plan[q + SUFFIX] + (long) suffixSlot * Moments.BYTES, newest);
        }
        final int live = liveTiles(base, a, q, off);
        return Moments.scanVariance(base, a + tiles, rangeFirstSlot, live, plan[q + TILES]);
    }

    /** TOP_K over the live tiles: every live tile's summary merged, as the ring's two contiguous runs. */
    private void windowTopK(Object base, long a, int i, int q, int off, long ft) {
        final int live = liveTiles(base, a, q, off);
        final int first = rangeFirstSlot;
        final int end = Math.min(plan[q + TILES], first + live);
        final int m = TopKSummary.counters(l.param[i]);
        final int bytes = l.accBytes[i];
        final long tiles = a + plan[q + ACC];
        topK.begin();
        for (int s = first; s < end; s++) {
            topK.addSummary(base, tiles + (long) s * bytes, m);
        }
        for (int s = 0, rest = live - (end - first); s < rest; s++) {
            topK.addSummary(base, tiles + (long) s * bytes, m);
        }
        setTopK(i, plan[q + SLOT], ft);
    }

    /**
     * Writes the merger's best K: ids in slots s .. s + K - 1, their counts in s + K .. s + 2K - 1 (missing past the
     * size); every value's time is the feature's newest event time.
     */
    private void setTopK(int i, int s, long ft) {
        final int k = TopKSummary.k(l.param[i]);
        final int n = topK.finish(k);
        for (int j = 0; j < k; j++) {
            if (j < n) {
                bits[s + j] = topK.topIds[j];
                bits[s + k + j] = topK.topCounts[j];
                timesMs[s + j] = ft;
                timesMs[s + k + j] = ft;
            } else {
                bits[s + j] = CompiledLayout.MISSING_LONG;
                bits[s + k + j] = CompiledLayout.MISSING_LONG;
                timesMs[s + j] = NO_TIME;
                timesMs[s + k + j] = NO_TIME;
            }
        }
        sizes[i] = n;
    }

    /** Last-N: the size is the row's, clamped to the layout's capacity, so that a torn row reads no further. */
    private void evaluateLastN(Object base, long a, int i, int off, int s, int n) {
        final int size = (int) Math.max(0, Math.min(n, MEMORY.getLong(base, a + off + 8)));
        final long entries = a + off + 16;
        for (int j = 0; j < n; j++) {
            if (j < size) {
                timesMs[s + j] = MEMORY.getLong(base, entries + j * 16);
                bits[s + j] = MEMORY.getLong(base, entries + j * 16 + 8);
            } else {
                timesMs[s + j] = NO_TIME;
                bits[s + j] = CompiledLayout.MISSING_LONG;
            }
        }
        sizes[i] = size;
    }

    private double valueOf(int f) {
        final int s = plan[f * STRIDE + SLOT];
        return plan[f * STRIDE + LONG] != 0 ? (double) bits[s] : Double.longBitsToDouble(bits[s]);
    }

    private void evaluateDerived(int i, int q, long r) {
        final int fa = plan[q + ACC];
        final int fb = plan[q + SUFFIX];
        final int s = plan[q + SLOT];
        final long ta = timesMs[plan[fa * STRIDE + SLOT]];
        switch (plan[q + OP]) {
            case OP_TIME_SINCE:
                if (ta == NO_TIME) {
                    missing(i, s);
                } else {
                    setDouble(i, s, (double) (r - ta), ta);
                }
                return;
            case OP_RATIO:
            case OP_DIFFERENCE:
                if (sizes[fa] == 0 || sizes[fb] == 0) {
                    missing(i, s);
                    return;
                }
                double va = valueOf(fa);
                double vb = valueOf(fb);
                long t = Math.max(ta, timesMs[plan[fb * STRIDE + SLOT]]);
                if (plan[q + OP] == OP_DIFFERENCE) {
                    setDouble(i, s, va - vb, t);
                } else if (vb == 0) {
                    missing(i, s);
                } else {
                    setDouble(i, s, va / vb, t);
                }
                return;
            default:
                throw new IllegalStateException("unknown kind " + l.kinds[i]);
        }
    }
}
