package io.freshet.core;

import static io.freshet.core.internal.CompiledLayout.K_COUNT;
import static io.freshet.core.internal.CompiledLayout.K_DECAYED_COUNT;
import static io.freshet.core.internal.CompiledLayout.K_DECAYED_SUM;
import static io.freshet.core.internal.CompiledLayout.K_DIFFERENCE;
import static io.freshet.core.internal.CompiledLayout.K_DISTINCT;
import static io.freshet.core.internal.CompiledLayout.K_FIRST_SEEN;
import static io.freshet.core.internal.CompiledLayout.K_LAST_N;
import static io.freshet.core.internal.CompiledLayout.K_LAST_SEEN;
import static io.freshet.core.internal.CompiledLayout.K_LATEST;
import static io.freshet.core.internal.CompiledLayout.K_MAX;
import static io.freshet.core.internal.CompiledLayout.K_MEAN;
import static io.freshet.core.internal.CompiledLayout.K_MIN;
import static io.freshet.core.internal.CompiledLayout.K_RATIO;
import static io.freshet.core.internal.CompiledLayout.K_SUM;
import static io.freshet.core.internal.CompiledLayout.K_TIME_SINCE;
import static io.freshet.core.internal.CompiledLayout.NO_EPOCH;
import static io.freshet.core.internal.CompiledLayout.ROW_LAST_APPLY_MS;
import static io.freshet.core.internal.CompiledLayout.ROW_MAX_EVENT_TIME_MS;

import io.freshet.core.internal.CompiledLayout;
import io.freshet.core.internal.HyperLogLog;
import io.freshet.core.spi.RowBuffer;

/**
 * The features of one key at one read time: a caller-owned, reusable flyweight filled by
 * {@link FeatureReader#read} (or {@link FeatureTestDriver#read}). Values are read by compiled {@link FeatureRef}s;
 * each value carries the newest event time that contributed to it, so a caller knows how fresh it is.
 *
 * <p>A missing value (empty min/max/mean, a latest with no event, a row that does not exist) reads as NaN from
 * {@link #getDouble} and {@link #MISSING_LONG} from {@link #getLong}; counts and sums of nothing are 0.
 *
 * <p>Threading: not thread-safe; one vector per reading thread. Allocation: none when filled or read, except
 * {@link #toString()}. Create with {@link FeatureSet#newVector()}.
 */
public final class FeatureVector {
    /** {@link #getLong} of a missing value. */
    public static final long MISSING_LONG = Long.MIN_VALUE;
    /** {@link #eventTimeMs} of a value that no event contributed to. */
    public static final long NO_TIME = CompiledLayout.NO_TIME;

    private final FeatureSet<?> set;
    private final CompiledLayout l;
    private final long[] bits;
    private final long[] timesMs;
    private final int[] sizes;
    final RowBuffer row;
    private VectorStatus status = VectorStatus.MISSING;
    private long readTimeMs;
    private long rowUpdatedMs = NO_TIME;
    private long rowEventTimeMs = NO_TIME;
    private int rangeFirstSlot;
    /** Cache of {@code floorDiv(epochReadMs, epochTileMs)} for {@link #liveTiles}. */
    private long epochReadMs = NO_TIME;
    private long epochTileMs;
    private long readEpoch;
    /** Cache of {@code Math.exp(expArg)}: decayed features of one set often share the argument. */
    private double expArg = Double.NaN;
    private double expValue = Double.NaN;

    FeatureVector(FeatureSet<?> set, CompiledLayout layout) {
        this.set = set;
        this.l = layout;
        this.bits = new long[layout.vectorWidth];
        this.timesMs = new long[layout.vectorWidth];
        this.sizes = new int[layout.featureCount];
        this.row = RowBuffer.allocateHeap(layout.rowSizeBytes);
        clearMissing(0);
    }

    /** @return the feature set this vector belongs to */
    public FeatureSet<?> featureSet() {
        return set;
    }

    /** @return FRESH, STALE, CATCHING_UP or MISSING */
    public VectorStatus status() {
        return status;
    }

    /** @return the read time the values were evaluated at, epoch ms */
    public long readTimeMs() {
        return readTimeMs;
    }

    /** @return the applying clock at the row's last update, or {@link #NO_TIME} when missing */
    public long rowUpdatedMs() {
        return rowUpdatedMs;
    }

    /** @return the newest event time applied to the row, or {@link #NO_TIME} */
    public long rowEventTimeMs() {
        return rowEventTimeMs;
    }

    private int index(FeatureRef ref) {
        if (ref.owner != set) {
            throw new IllegalArgumentException("feature=" + ref + " belongs to another set than " + set.name());
        }
        return ref.index;
    }

    /**
     * @param ref the feature
     * @return true when it has a value
     */
    public boolean isPresent(FeatureRef ref) {
        return sizes[index(ref)] > 0;
    }

    /**
     * @param ref the feature
     * @return its value as a double (the newest id for last-N); NaN when missing
     */
    public double getDouble(FeatureRef ref) {
        int i = index(ref);
        return sizes[i] == 0 ? Double.NaN : doubleAt(i, l.slot[i]);
    }

    private double doubleAt(int i, int s) {
        return l.kinds[i].valueType() == FeatureKind.ValueType.LONG
            ? (double) bits[s] : Double.longBitsToDouble(bits[s]);
    }

    /**
     * @param ref the feature
     * @return its value as a long (doubles rounded to nearest); {@link #MISSING_LONG} when missing
     */
    public long getLong(FeatureRef ref) {
        int i = index(ref);
        if (sizes[i] == 0) {
            return MISSING_LONG;
        }
        int s = l.slot[i];
        return l.kinds[i].valueType() == FeatureKind.ValueType.LONG
            ? bits[s] : Math.round(Double.longBitsToDouble(bits[s]));
    }

    /**
     * @param ref the feature
     * @return the newest event time that contributed to the value, or {@link #NO_TIME}
     */
    public long eventTimeMs(FeatureRef ref) {
        return timesMs[l.slot[index(ref)]];
    }

    /**
     * @param ref the feature
     * @return read time minus {@link #eventTimeMs}, or -1 when there is no event time
     */
    public long ageMs(FeatureRef ref) {
        long t = eventTimeMs(ref);
        return t == NO_TIME ? -1 : readTimeMs - t;
    }

    /**
     * @param ref the feature
     * @return how many values it holds: 0 or 1, or 0 to n for last-N
     */
    public int size(FeatureRef ref) {
        return sizes[index(ref)];
    }

    /**
     * @param ref a last-N feature (for another feature, position 0 is {@link #getLong(FeatureRef)})
     * @param position 0 for the newest
     * @return the id at that position, or {@link #MISSING_LONG} past the size
     */
    public long getLong(FeatureRef ref, int position) {
        int i = index(ref);
        if (l.kind[i] != K_LAST_N) {
            return position == 0 ? getLong(ref) : MISSING_LONG;
        }
        return position >= 0 && position < sizes[i] ? bits[l.slot[i] + position] : MISSING_LONG;
    }

    /**
     * @param ref a last-N feature
     * @param position 0 for the newest
     * @return the event time at that position, or {@link #NO_TIME} past the size
     */
    public long eventTimeMs(FeatureRef ref, int position) {
        int i = index(ref);
        return position >= 0 && position < sizes[i] ? timesMs[l.slot[i] + position] : NO_TIME;
    }

    /** @return the number of doubles {@link #copyTo(double[], int)} writes */
    public int width() {
        return l.vectorWidth;
    }

    /**
     * Copies every value, in declaration order, as model input: a last-N feature takes n positions (newest first),
     * missing values are NaN.
     *
     * @param out target, at least {@link #width()} long from {@code offset}
     * @param offset first position to write
     */
    public void copyTo(double[] out, int offset) {
        if (out.length - offset < l.vectorWidth || offset < 0) {
            throw new IndexOutOfBoundsException("out.length=" + out.length + " offset=" + offset + " width="
                + l.vectorWidth);
        }
        for (int i = 0; i < l.featureCount; i++) {
            int s = l.slot[i];
            for (int j = 0; j < l.width[i]; j++) {
                out[offset + s + j] = j < sizes[i] ? doubleAt(i, s + j) : Double.NaN;
            }
        }
    }

    /**
     * @param out target, at least {@link #width()} long
     * @see #copyTo(double[], int)
     */
    public void copyTo(double[] out) {
        copyTo(out, 0);
    }

    /**
     * Like {@link #copyTo(double[], int)}, narrowed to float.
     *
     * @param out target
     * @param offset first position to write
     */
    public void copyTo(float[] out, int offset) {
        if (out.length - offset < l.vectorWidth || offset < 0) {
            throw new IndexOutOfBoundsException("out.length=" + out.length + " offset=" + offset + " width="
                + l.vectorWidth);
        }
        for (int i = 0; i < l.featureCount; i++) {
            int s = l.slot[i];
            for (int j = 0; j < l.width[i]; j++) {
                out[offset + s + j] = j < sizes[i] ? (float) doubleAt(i, s + j) : Float.NaN;
            }
        }
    }

    /**
     * @param out target, at least {@link #width()} long
     * @see #copyTo(float[], int)
     */
    public void copyTo(float[] out) {
        copyTo(out, 0);
    }

    /** Marks the vector as CATCHING_UP (a row exists but its pipeline is not live yet). */
    void markCatchingUp() {
        if (status != VectorStatus.MISSING) {
            status = VectorStatus.CATCHING_UP;
        }
    }

    void clearMissing(long readTimeMs) {
        this.readTimeMs = readTimeMs;
        this.status = VectorStatus.MISSING;
        this.rowUpdatedMs = NO_TIME;
        this.rowEventTimeMs = NO_TIME;
        for (int i = 0; i < l.featureCount; i++) {
            sizes[i] = 0;
        }
        for (int s = 0; s < bits.length; s++) {
            bits[s] = Double.doubleToRawLongBits(Double.NaN);
            timesMs[s] = NO_TIME;
        }
    }

    /** Evaluates {@code src} (a consistent row image) at read time {@code r}. */
    void evaluate(RowBuffer src, long r, long staleAfterMs) {
        readTimeMs = r;
        rowUpdatedMs = src.getLong(ROW_LAST_APPLY_MS);
        rowEventTimeMs = src.getLong(ROW_MAX_EVENT_TIME_MS);
        status = r - rowUpdatedMs > staleAfterMs ? VectorStatus.STALE : VectorStatus.FRESH;
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
                    setDouble(i, ft == NO_TIME ? 0 : src.getDouble(off + 8) * exp(-(r - ft) * l.decayPerMs[i]), ft);
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

    /** Math.exp, remembered for the last argument (identical result: the same function of the same value). */
    private double exp(double arg) {
        if (arg != expArg) {
            expArg = arg;
            expValue = Math.exp(arg);
        }
        return expValue;
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
        // Windows of one set often share a tile size: divide once per read and tile size.
        if (tileMs != epochTileMs || r != epochReadMs) {
            epochTileMs = tileMs;
            epochReadMs = r;
            readEpoch = Math.floorDiv(r, tileMs);
        }
        final long lo = Math.max(readEpoch - n + 1, maxEpoch - n + 1);
        final long hi = Math.min(readEpoch, maxEpoch);
        if (hi < lo) {
            return 0;
        }
        rangeFirstSlot = (int) Math.floorMod(lo, (long) n);
        return (int) (hi - lo + 1);
    }

    private long windowCount(RowBuffer src, int i, int off, long r) {
        final int count = liveTiles(src, i, off, r);
        final int first = rangeFirstSlot;
        final int end = Math.min(l.tiles[i], first + count);
        final int base = off + 16;
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
        final int count = liveTiles(src, i, off, r);
        final int first = rangeFirstSlot;
        final int end = Math.min(l.tiles[i], first + count);
        final int base = off + 16;
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
        final int count = liveTiles(src, i, off, r);
        final int first = rangeFirstSlot;
        final int end = Math.min(l.tiles[i], first + count);
        final int rest = count - (end - first);
        final int base = off + 16;
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
        } else {
            final int tiles = liveTiles(src, i, off, r);
            final int first = rangeFirstSlot;
            final int end = Math.min(l.tiles[i], first + tiles);
            final int base = off + 16;
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
        double estimate;
        if (l.tiles[i] == 0) {
            estimate = HyperLogLog.estimate(src, off + 8, 0, 0, 1, 1, l.param[i]);
        } else {
            int count = liveTiles(src, i, off, r);
            estimate = HyperLogLog.estimate(src, off + 16, l.accBytes[i], rangeFirstSlot, count, l.tiles[i],
                l.param[i]);
        }
        setDouble(i, estimate, ft);
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
                double va = doubleAt(a, l.slot[a]);
                double vb = doubleAt(b, l.slot[b]);
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

    /** @return a readable dump of every feature; allocates, so keep it off hot paths */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(64 + 32 * l.featureCount);
        sb.append(set.name()).append('{').append("status=").append(status).append(", readTimeMs=").append(readTimeMs);
        for (int i = 0; i < l.featureCount; i++) {
            sb.append(", ").append(l.names[i]).append('=');
            int s = l.slot[i];
            if (l.kind[i] == K_LAST_N) {
                sb.append('[');
                for (int j = 0; j < sizes[i]; j++) {
                    sb.append(j == 0 ? "" : ", ").append(bits[s + j]);
                }
                sb.append(']');
            } else if (sizes[i] == 0) {
                sb.append("missing");
            } else if (l.kinds[i].valueType() == FeatureKind.ValueType.LONG) {
                sb.append(bits[s]);
            } else {
                sb.append(Double.longBitsToDouble(bits[s]));
            }
            if (sizes[i] > 0 && timesMs[s] != NO_TIME) {
                sb.append(" (age ").append(readTimeMs - timesMs[s]).append(" ms)");
            }
        }
        return sb.append('}').toString();
    }
}
