package io.freshet.benchmarks;

import static io.freshet.core.internal.kernel.CompiledLayout.K_COUNT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DECAYED_COUNT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DECAYED_SUM;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DIFFERENCE;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DISTINCT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_FIRST_SEEN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LAST_N;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LAST_SEEN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LATEST;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MAX;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MEAN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MIN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_RATIO;
import static io.freshet.core.internal.kernel.CompiledLayout.K_SUM;
import static io.freshet.core.internal.kernel.CompiledLayout.K_TIME_SINCE;
import static io.freshet.core.internal.kernel.CompiledLayout.MISSING_LONG;
import static io.freshet.core.internal.kernel.CompiledLayout.NO_EPOCH;
import static io.freshet.core.internal.kernel.CompiledLayout.NO_TIME;

import io.freshet.core.FeatureKind;
import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.spi.RowBuffer;
import java.util.Arrays;

/**
 * A frozen copy of the read kernel as of commit bd07917 (before issue 18's evaluation plan), kept only so that
 * {@link EvaluationFloor} can time the evaluation before and after in one JVM, in alternating rounds. Not used by
 * Freshet; distinct counts are left out (the payment set has none).
 *
 * <p>Threading: one instance per thread. Allocation: none.
 */
final class BaselineRowReadKernel {
    private final CompiledLayout l;
    private final long[] bits;
    private final long[] timesMs;
    private final int[] sizes;
    private int rangeFirstSlot;
    /** Sink of {@link #touchHeaders}' loads, so that the JIT keeps them. */
    private long touched;
    /** Set by {@link #suffixRange}: ring slot of the newest tile (-1: nothing live) and of the suffix (-1: none). */
    private int newestSlot;
    private int suffixSlot;
    /** Per feature with suffixes: its tile class, a distinct (tile length, tile count) pair of the set. */
    private final int[] tileClass;
    private final long[] classTileMs;
    private final int[] classTiles;
    /** The read time the class arrays hold, and per class the read's tile epoch and its ring slot. */
    private long classReadMs = NO_TIME;
    private final long[] classEpoch;
    private final int[] classSlot;
    private final Ring ring = new Ring();
    private final Exp expCache = new Exp();

    /**
     * @param layout the set's layout
     * @param bits values, {@code layout.vectorWidth} long
     * @param timesMs event times, {@code layout.vectorWidth} long
     * @param sizes value counts, {@code layout.featureCount} long
     */
    BaselineRowReadKernel(CompiledLayout layout, long[] bits, long[] timesMs, int[] sizes) {
        this.l = layout;
        this.bits = bits;
        this.timesMs = timesMs;
        this.sizes = sizes;
        int n = 0;
        for (int i = 0; i < layout.featureCount; i++) {
            n += layout.suffixOffset[i] >= 0 ? 1 : 0;
        }
        this.tileClass = new int[layout.featureCount];
        long[] tileMsOf = new long[n];
        int[] tilesOf = new int[n];
        int classes = 0;
        for (int i = 0; i < layout.featureCount; i++) {
            if (layout.suffixOffset[i] < 0) {
                continue;
            }
            int c = 0;
            while (c < classes && (tileMsOf[c] != layout.tileMs[i] || tilesOf[c] != layout.tiles[i])) {
                c++;
            }
            if (c == classes) {
                tileMsOf[c] = layout.tileMs[i];
                tilesOf[c] = layout.tiles[i];
                classes++;
            }
            tileClass[i] = c;
        }
        this.classTileMs = Arrays.copyOf(tileMsOf, classes);
        this.classTiles = Arrays.copyOf(tilesOf, classes);
        this.classEpoch = new long[classes];
        this.classSlot = new int[classes];
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
     */
    public void evaluate(RowBuffer src, long r) {
        touchHeaders(src);
        for (int i = 0; i < l.featureCount; i++) {
            final int off = l.offset[i];
            final long ft = off >= 0 ? src.getLong(off) : NO_TIME;
            switch (l.kind[i]) {
                case K_LATEST:
                    if (ft == NO_TIME) {
                        missing(i);
                    } else {
                        setDouble(i, src.getDouble(off + 8), ft);
                    }
                    break;
                case K_COUNT:
                    setLong(i, l.tiles[i] == 0 ? src.getLong(off + 8) : windowCount(src, i, off, r), ft);
                    break;
                case K_SUM:
                    setDouble(i, l.tiles[i] == 0 ? src.getDouble(off + 8) : windowSum(src, i, off, r), ft);
                    break;
                case K_MIN:
                case K_MAX:
                    double m = l.tiles[i] == 0 ? src.getDouble(off + 8) : windowExtreme(src, i, off, r);
                    if (Double.isInfinite(m)) {
                        missing(i);
                    } else {
                        setDouble(i, m, ft);
                    }
                    break;
                case K_MEAN:
                    evaluateMean(src, i, off, r, ft);
                    break;
                case K_FIRST_SEEN:
                    if (ft == NO_TIME) {
                        missing(i);
                    } else {
                        setLong(i, src.getLong(off + 8), ft);
                    }
                    break;
                case K_LAST_SEEN:
                    if (ft == NO_TIME) {
                        missing(i);
                    } else {
                        setLong(i, ft, ft);
                    }
                    break;
                case K_LAST_N:
                    evaluateLastN(src, i, off);
                    break;
                case K_DECAYED_COUNT:
                case K_DECAYED_SUM:
                    setDouble(i, ft == NO_TIME ? 0
                        : src.getDouble(off + 8) * expCache.exp(-(r - ft) * l.decayPerMs[i]), ft);
                    break;
                case K_DISTINCT:
                    evaluateDistinct(src, i, off, r, ft);
                    break;
                default:
                    evaluateDerived(i, r);
                    break;
            }
        }
    }

    /**
     * Loads one word of every cache line of the headers before evaluating any feature: the loads do not depend on
     * each other, so a row that is not in cache costs about one memory latency for all its header lines instead of
     * one per feature (the evaluation's own loads come far apart in its instruction stream). A word every 64 bytes
     * reaches every line whatever the row's alignment; the last word covers the tail.
     */
    private void touchHeaders(RowBuffer src) {
        final int end = l.headerBytes - 8;
        long sum = 0;
        for (int o = 0; o < end; o += 64) {
            sum += src.getLong(o);
        }
        touched = sum + src.getLong(end);
    }

    private void setDouble(int i, double v, long t) {
        int s = l.slot[i];
        bits[s] = Double.doubleToRawLongBits(v);
        timesMs[s] = t;
        sizes[i] = 1;
    }

    private void setLong(int i, long v, long t) {
        int s = l.slot[i];
        bits[s] = v;
        timesMs[s] = t;
        sizes[i] = 1;
    }

    private void missing(int i) {
        int s = l.slot[i];
        bits[s] = l.kinds[i].valueType() == FeatureKind.ValueType.LONG ? MISSING_LONG
            : Double.doubleToRawLongBits(Double.NaN);
        timesMs[s] = NO_TIME;
        sizes[i] = 0;
    }

    /**
     * Sets {@link #rangeFirstSlot} and returns how many live tiles a read at r covers. The live tiles are the ring
     * slots rangeFirstSlot, rangeFirstSlot + 1, ... wrapping at n; loops walk them as two contiguous runs (to n,
     * then from 0) so that the JIT sees simple counted loops, in the same order as one wrapping walk.
     */
    private int liveTiles(RowBuffer src, int i, int off, long r) {
        // An empty range must not leave the previous feature's first slot behind: callers derive loop bounds from it.
        rangeFirstSlot = 0;
        final long maxEpoch = src.getLong(off + 8);
        if (maxEpoch == NO_EPOCH) {
            return 0;
        }
        final int n = l.tiles[i];
        final long tileMs = l.tileMs[i];
        final long readEpoch = ring.cachedEpochOf(r, tileMs);
        final long lo = Math.max(readEpoch - n + 1, maxEpoch - n + 1);
        final long hi = Math.min(readEpoch, maxEpoch);
        if (hi < lo) {
            return 0;
        }
        rangeFirstSlot = (int) Math.floorMod(lo, (long) n);
        return (int) (hi - lo + 1);
    }

    /**
     * For a feature with suffixes read at or after its newest tile: sets {@link #newestSlot} and
     * {@link #suffixSlot} and returns true; the window is then tile(newestSlot), plus suffix(suffixSlot) when
     * suffixSlot >= 0. False sends the caller to the tile scan: no suffixes, no tile yet (the scan gives the empty
     * value), or a read older than the newest tile, whose window ends before it and so is not a suffix.
     */
    private boolean suffixRange(RowBuffer src, int i, int off, long r) {
        if (l.suffixOffset[i] < 0) {
            return false;
        }
        final long maxEpoch = src.getLong(off + 8);
        if (maxEpoch == NO_EPOCH) {
            return false;
        }
        final int c = tileClass[i];
        if (r != classReadMs) {
            readAt(r);
        }
        final int n = l.tiles[i];
        // How far the read's tile is past the newest tile: negative for a read before it (the window then ends
        // before the newest tile: not a suffix), n or more when no tile is live any more.
        final long ahead = classEpoch[c] - maxEpoch;
        if (ahead < 0) {
            return false;
        }
        if (ahead >= n) {
            newestSlot = -1;
            suffixSlot = -1;
            return true;
        }
        // Slots from the read's slot, without a division per feature: newest = read - ahead; the oldest live tile,
        // whose suffix the read combines, is read - n + 1, i.e. read + 1, unless it is the newest itself.
        final int readSlot = classSlot[c];
        final int s = readSlot - (int) ahead;
        newestSlot = s < 0 ? s + n : s;
        if (ahead == n - 1) {
            suffixSlot = -1;
        } else {
            suffixSlot = readSlot + 1 == n ? 0 : readSlot + 1;
        }
        return true;
    }

    /** Computes, once per read time, each tile class's read epoch and its ring slot: one division per class. */
    private void readAt(long r) {
        for (int c = 0; c < classTileMs.length; c++) {
            long e = Math.floorDiv(r, classTileMs[c]);
            classEpoch[c] = e;
            classSlot[c] = (int) Math.floorMod(e, (long) classTiles[c]);
        }
        classReadMs = r;
    }

    private long windowCount(RowBuffer src, int i, int off, long r) {
        if (suffixRange(src, i, off, r)) {
            if (newestSlot < 0) {
                return 0;
            }
            long total = src.getLong(l.tileOffset[i] + newestSlot * 8);
            return suffixSlot < 0 ? total : total + src.getLong(l.suffixOffset[i] + suffixSlot * 8);
        }
        final int count = liveTiles(src, i, off, r);
        final int first = rangeFirstSlot;
        final int end = Math.min(l.tiles[i], first + count);
        final int base = l.tileOffset[i];
        long total = 0;
        for (int s = first; s < end; s++) {
            total += src.getLong(base + s * 8);
        }
        for (int s = 0, rest = count - (end - first); s < rest; s++) {
            total += src.getLong(base + s * 8);
        }
        return total;
    }

    private double windowSum(RowBuffer src, int i, int off, long r) {
        if (suffixRange(src, i, off, r)) {
            if (newestSlot < 0) {
                return 0;
            }
            double newest = src.getDouble(l.tileOffset[i] + newestSlot * 8);
            return suffixSlot < 0 ? newest : src.getDouble(l.suffixOffset[i] + suffixSlot * 8) + newest;
        }
        final int count = liveTiles(src, i, off, r);
        final int first = rangeFirstSlot;
        final int end = Math.min(l.tiles[i], first + count);
        final int base = l.tileOffset[i];
        double total = 0;
        for (int s = first; s < end; s++) {
            total += src.getDouble(base + s * 8);
        }
        for (int s = 0, rest = count - (end - first); s < rest; s++) {
            total += src.getDouble(base + s * 8);
        }
        return total;
    }

    private double windowExtreme(RowBuffer src, int i, int off, long r) {
        if (suffixRange(src, i, off, r)) {
            final boolean min = l.kind[i] == K_MIN;
            if (newestSlot < 0) {
                return min ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            }
            double newest = src.getDouble(l.tileOffset[i] + newestSlot * 8);
            if (suffixSlot < 0) {
                return newest;
            }
            double older = src.getDouble(l.suffixOffset[i] + suffixSlot * 8);
            return min ? Math.min(older, newest) : Math.max(older, newest);
        }
        final int count = liveTiles(src, i, off, r);
        final int first = rangeFirstSlot;
        final int end = Math.min(l.tiles[i], first + count);
        final int rest = count - (end - first);
        final int base = l.tileOffset[i];
        if (l.kind[i] == K_MIN) {
            double m = Double.POSITIVE_INFINITY;
            for (int s = first; s < end; s++) {
                m = Math.min(m, src.getDouble(base + s * 8));
            }
            for (int s = 0; s < rest; s++) {
                m = Math.min(m, src.getDouble(base + s * 8));
            }
            return m;
        }
        double m = Double.NEGATIVE_INFINITY;
        for (int s = first; s < end; s++) {
            m = Math.max(m, src.getDouble(base + s * 8));
        }
        for (int s = 0; s < rest; s++) {
            m = Math.max(m, src.getDouble(base + s * 8));
        }
        return m;
    }

    private void evaluateMean(RowBuffer src, int i, int off, long r, long ft) {
        double sum;
        long count = 0;
        if (l.tiles[i] == 0) {
            sum = src.getDouble(off + 8);
            count = src.getLong(off + 16);
        } else if (suffixRange(src, i, off, r)) {
            sum = 0;
            if (newestSlot >= 0) {
                final int newest = l.tileOffset[i] + newestSlot * 16;
                sum = src.getDouble(newest);
                count = src.getLong(newest + 8);
                if (suffixSlot >= 0) {
                    final int older = l.suffixOffset[i] + suffixSlot * 16;
                    sum = src.getDouble(older) + sum;
                    count += src.getLong(older + 8);
                }
            }
        } else {
            final int tiles = liveTiles(src, i, off, r);
            final int first = rangeFirstSlot;
            final int end = Math.min(l.tiles[i], first + tiles);
            final int base = l.tileOffset[i];
            sum = 0;
            for (int s = first; s < end; s++) {
                sum += src.getDouble(base + s * 16);
                count += src.getLong(base + s * 16 + 8);
            }
            for (int s = 0, rest = tiles - (end - first); s < rest; s++) {
                sum += src.getDouble(base + s * 16);
                count += src.getLong(base + s * 16 + 8);
            }
        }
        if (count == 0) {
            missing(i);
        } else {
            setDouble(i, sum / count, ft);
        }
    }

    private void evaluateDistinct(RowBuffer src, int i, int off, long r, long ft) {
        throw new UnsupportedOperationException("the baseline copy has no distinct counts");
    }

    private void evaluateLastN(RowBuffer src, int i, int off) {
        final int n = l.param[i];
        final int size = (int) Math.max(0, Math.min(n, src.getLong(off + 8)));
        final int s = l.slot[i];
        for (int j = 0; j < n; j++) {
            if (j < size) {
                timesMs[s + j] = src.getLong(off + 16 + j * 16);
                bits[s + j] = src.getLong(off + 16 + j * 16 + 8);
            } else {
                timesMs[s + j] = NO_TIME;
                bits[s + j] = MISSING_LONG;
            }
        }
        sizes[i] = size;
    }

    private void evaluateDerived(int i, long r) {
        final int a = l.inputA[i];
        final int b = l.inputB[i];
        final long ta = timesMs[l.slot[a]];
        switch (l.kind[i]) {
            case K_TIME_SINCE:
                if (ta == NO_TIME) {
                    missing(i);
                } else {
                    setDouble(i, (double) (r - ta), ta);
                }
                return;
            case K_RATIO:
            case K_DIFFERENCE:
                if (sizes[a] == 0 || sizes[b] == 0) {
                    missing(i);
                    return;
                }
                double va = doubleAt(l, bits, a, l.slot[a]);
                double vb = doubleAt(l, bits, b, l.slot[b]);
                long t = Math.max(ta, timesMs[l.slot[b]]);
                if (l.kind[i] == K_DIFFERENCE) {
                    setDouble(i, va - vb, t);
                } else if (vb == 0) {
                    missing(i);
                } else {
                    setDouble(i, va / vb, t);
                }
                return;
            default:
                throw new IllegalStateException("unknown kind " + l.kinds[i]);
        }
    }

    /** TileRing's cached epoch, as of bd07917. */
    private static final class Ring {
        private long timeMs = NO_TIME;
        private long tileMs;
        private long epoch;

        long cachedEpochOf(long t, long tile) {
            if (t != timeMs || tile != tileMs) {
                timeMs = t;
                tileMs = tile;
                epoch = Math.floorDiv(t, tile);
            }
            return epoch;
        }
    }

    /** ExpCache, as of bd07917. */
    private static final class Exp {
        private double arg = Double.NaN;
        private double value = Double.NaN;

        double exp(double a) {
            if (a != arg) {
                arg = a;
                value = Math.exp(a);
            }
            return value;
        }
    }
}
