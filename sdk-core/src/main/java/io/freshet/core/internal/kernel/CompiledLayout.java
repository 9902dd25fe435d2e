package io.freshet.core.internal.kernel;

import io.freshet.core.FeatureKind;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The descriptor of a compiled feature set: plain arrays of byte offsets into the row, int kind ids and kernel
 * parameters, computed once by {@link LayoutCompiler}. The kernels that run on it ({@link RowWriteKernel},
 * {@link RowReadKernel}, {@link Accumulators}) index these arrays; they never look up a name or iterate a collection.
 *
 * <pre>
 * Row (all offsets in bytes, little-endian, 8-byte aligned; canonical form v2):
 *   0  lastApplyMs      long   applying clock at the last update (TTL, staleness)
 *   8  maxEventTimeMs   long   newest event time applied to the row
 *  16  feature headers, in declaration order (derived features have none):
 *      +0 eventTimeMs   long   newest event time applied to this feature; NO_TIME when none
 *      +8 state, by kind:
 *         LATEST          value double
 *         FIRST_SEEN      minEventTimeMs long
 *         LAST_SEEN       (none: eventTimeMs is the value)
 *         LAST_N          size long, then n entries [eventTimeMs long, id long], newest first
 *         DECAYED_*       value double, decayed to eventTimeMs
 *         LATEST_CATEGORY, LAST_N_CATEGORIES: see {@link CategoryLayout}
 *         lifetime COUNT, SUM, MIN, MAX, MEAN, DISTINCT_APPROX, VARIANCE, STDDEV, QUANTILE, TOP_K: one
 *                         accumulator (below)
 *         windowed ones:  maxEpoch long (NO_EPOCH when none); their arrays follow all headers
 *   then, per windowed aggregate in declaration order, at tileOffset[i]:
 *         n tile accumulators, tile epoch e in slot e mod n
 *         COUNT, SUM, MIN, MAX, MEAN, VARIANCE, STDDEV only, at suffixOffset[i]: n suffix accumulators, same
 *         slots: the slot of epoch e (maxEpoch - n < e < maxEpoch) holds tile(e) + tile(e + 1) + ... +
 *         tile(maxEpoch - 1), so a read at or after maxEpoch combines two accumulators, not n (the slot of maxEpoch
 *         itself is unused)
 *   accumulators: COUNT count long | SUM sum double | MIN, MAX value double (+inf/-inf when empty)
 *                 | MEAN sum double, count long | DISTINCT_APPROX 2^p one-byte registers, padded to 8
 *                 | VARIANCE, STDDEV count long, mean double, m2 double (see Moments)
 *                 | QUANTILE total long, then 16-bit bucket counters, padded to 8 (see {@link QuantileSketch})
 *                 | TOP_K m counters [id long, count long] (see TopKSummary)
 *
 * Headers first: a read needs every header but one or two accumulators of each array, so it touches a few cache
 * lines of a row of several KB.
 * </pre>
 *
 * <p>Kind ids: {@link #kind} holds {@link #kindId}, which is {@code FeatureKind.ordinal()} for every kind that has
 * a kernel (a test pins it): the int constants exist only because a {@code switch} needs compile-time constants.
 *
 * <p>Internal: not part of the public API. Immutable after construction.
 */
public final class CompiledLayout {
    public static final long NO_TIME = Long.MIN_VALUE;
    public static final long NO_EPOCH = Long.MIN_VALUE;
    /** A missing long value, as a read reports it. */
    public static final long MISSING_LONG = Long.MIN_VALUE;
    public static final int ROW_LAST_APPLY_MS = 0;
    public static final int ROW_MAX_EVENT_TIME_MS = 8;
    public static final int ROW_HEADER_BYTES = 16;
    /** The largest row a set may compile to. */
    public static final int MAX_ROW_BYTES = 16 * 1024;

    public static final int K_LATEST = 0;
    public static final int K_COUNT = 1;
    public static final int K_SUM = 2;
    public static final int K_MIN = 3;
    public static final int K_MAX = 4;
    public static final int K_MEAN = 5;
    public static final int K_FIRST_SEEN = 6;
    public static final int K_LAST_SEEN = 7;
    public static final int K_LAST_N = 8;
    public static final int K_DECAYED_COUNT = 9;
    public static final int K_DECAYED_SUM = 10;
    public static final int K_DISTINCT = 11;
    public static final int K_RATIO = 12;
    public static final int K_DIFFERENCE = 13;
    public static final int K_TIME_SINCE = 14;
    public static final int K_VARIANCE = 15;
    public static final int K_STDDEV = 16;
    public static final int K_QUANTILE = 17;
    public static final int K_TOP_K = 18;
    public static final int K_LATEST_CATEGORY = 19;
    public static final int K_LAST_N_CATEGORIES = 20;

    public final int featureCount;
    public final String[] names;
    public final FeatureKind[] kinds;
    /** Kind as a dense int (the K_ constants, see {@link #kindId}) for switches. */
    public final int[] kind;
    /** Offset of the feature block, -1 for derived. */
    public final int[] offset;
    /** Tiles per window, 0 for lifetime. */
    public final int[] tiles;
    public final long[] tileMs;
    /** Bytes per accumulator. */
    public final int[] accBytes;
    /** Row offset of a windowed aggregate's first tile accumulator, -1 for other features. */
    public final int[] tileOffset;
    /** Row offset of the first suffix accumulator, -1 for a feature without suffixes. */
    public final int[] suffixOffset;
    /** ln(2) / halfLifeMs for decayed kinds. */
    public final double[] decayPerMs;
    /** LAST_N capacity, HyperLogLog precision, or TOP_K's packed K and counters ({@link TopKSummary#pack}). */
    public final int[] param;
    /** Derived inputs as feature indices, -1 when unused. */
    public final int[] inputA;
    public final int[] inputB;
    public final ToDoubleFunction<Object>[] valueFns;
    public final ToLongFunction<Object>[] idFns;
    public final Predicate<Object>[] filters;
    /** The sketch of a QUANTILE feature, null for other kinds. */
    public final QuantileSketch[] sketches;
    /** Indices of the stored features, in order. */
    public final int[] stored;
    /** First vector slot and slot count per feature. */
    public final int[] slot;
    public final int[] width;
    public final int vectorWidth;
    public final int rowSizeBytes;
    /** End of the row header and the feature headers: where the windowed arrays begin. */
    public final int headerBytes;
    /** The categorical features' extractors, storage and text positions. */
    public final CategoryLayout categories;

    /**
     * The kernels' int id of a kind: its ordinal, spelled out so that a new {@link FeatureKind} without a kernel
     * fails here (and in the test that walks every kind) instead of being dispatched to another kind's code.
     *
     * @param k a kind
     * @return its K_ constant
     * @throws IllegalArgumentException for a kind no kernel handles
     */
    public static int kindId(FeatureKind k) {
        switch (k) {
            case LATEST:
                return K_LATEST;
            case COUNT:
                return K_COUNT;
            case SUM:
                return K_SUM;
            case MIN:
                return K_MIN;
            case MAX:
                return K_MAX;
            case MEAN:
                return K_MEAN;
            case FIRST_SEEN:
                return K_FIRST_SEEN;
            case LAST_SEEN:
                return K_LAST_SEEN;
            case LAST_N:
                return K_LAST_N;
            case DECAYED_COUNT:
                return K_DECAYED_COUNT;
            case DECAYED_SUM:
                return K_DECAYED_SUM;
            case DISTINCT_APPROX:
                return K_DISTINCT;
            case RATIO:
                return K_RATIO;
            case DIFFERENCE:
                return K_DIFFERENCE;
            case TIME_SINCE:
                return K_TIME_SINCE;
            case VARIANCE:
                return K_VARIANCE;
            case STDDEV:
                return K_STDDEV;
            case QUANTILE:
                return K_QUANTILE;
            case TOP_K:
                return K_TOP_K;
            case LATEST_CATEGORY:
                return K_LATEST_CATEGORY;
            case LAST_N_CATEGORIES:
                return K_LAST_N_CATEGORIES;
            default:
                throw new IllegalArgumentException("kind=" + k + " has no kernel: add a K_ constant and its cases");
        }
    }

    /** Takes over the arrays of a finished compile (no copy: the compiler is dropped right after). */
    CompiledLayout(LayoutCompiler c) {
        featureCount = c.featureCount;
        names = c.names;
        kinds = c.kinds;
        kind = c.kind;
        offset = c.offset;
        tiles = c.tiles;
        tileMs = c.tileMs;
        accBytes = c.accBytes;
        suffixOffset = c.suffixOffset;
        tileOffset = c.tileOffset;
        decayPerMs = c.decayPerMs;
        param = c.param;
        inputA = c.inputA;
        inputB = c.inputB;
        valueFns = c.valueFns;
        idFns = c.idFns;
        filters = c.filters;
        sketches = c.sketches;
        stored = c.stored;
        slot = c.slot;
        width = c.width;
        vectorWidth = c.vectorWidth;
        rowSizeBytes = c.rowSizeBytes;
        headerBytes = c.headerBytes;
        categories = c.categories;
    }
}
