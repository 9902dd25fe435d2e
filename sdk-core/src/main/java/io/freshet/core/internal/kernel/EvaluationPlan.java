package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.kernel.CompiledLayout.K_COUNT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DECAYED_COUNT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DECAYED_SUM;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DIFFERENCE;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DISTINCT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_FIRST_SEEN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LAST_N;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LAST_N_CATEGORIES;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LAST_SEEN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LATEST;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LATEST_CATEGORY;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MAX;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MEAN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MIN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_QUANTILE;
import static io.freshet.core.internal.kernel.CompiledLayout.K_RATIO;
import static io.freshet.core.internal.kernel.CompiledLayout.K_STDDEV;
import static io.freshet.core.internal.kernel.CompiledLayout.K_SUM;
import static io.freshet.core.internal.kernel.CompiledLayout.K_TIME_SINCE;
import static io.freshet.core.internal.kernel.CompiledLayout.K_TOP_K;
import static io.freshet.core.internal.kernel.CompiledLayout.K_VARIANCE;
import static io.freshet.core.internal.kernel.CompiledLayout.MISSING_LONG;

import io.freshet.core.FeatureKind;
import java.util.Arrays;

/**
 * A feature set's evaluation, compiled once from its {@link CompiledLayout} into one flat int array that
 * {@link RowReadKernel} walks feature by feature: each feature's operation (its kind, already split into lifetime,
 * windowed-with-suffixes and windowed-by-scan, so that the read branches once per feature) and the offsets and slots
 * the operation needs, side by side in one cache line, instead of a look-up in eight arrays of the layout.
 *
 * <pre>
 * plan[i * STRIDE + ...], feature i (declaration order; derived features come after their inputs):
 *   OP     operation, an OP_ constant
 *   OFF    row offset of the feature's header, -1 for derived
 *   SLOT   first vector slot
 *   ACC    first tile accumulator (windowed), LAST_N / LAST_N_CATEGORIES capacity, or input A's feature index (derived)
 *   SUFFIX first suffix accumulator (windowed with suffixes), or input B's feature index (derived)
 *   CLASS  tile class (windowed): an index into the distinct (tile length, tile count) pairs of the set
 *   TILES  tiles per window (windowed)
 *   LONG   1 when the value is a long (missing: MISSING_LONG), 0 for a double (missing: NaN)
 * </pre>
 *
 * <p>Internal. Immutable after construction; shared by nothing (each kernel compiles its own, off the hot path).
 */
final class EvaluationPlan {
    static final int OP = 0;
    static final int OFF = 1;
    static final int SLOT = 2;
    static final int ACC = 3;
    static final int SUFFIX = 4;
    static final int CLASS = 5;
    static final int TILES = 6;
    static final int LONG = 7;
    /** Ints per feature: a power of two, so the index is a shift. */
    static final int STRIDE = 8;

    static final int OP_LATEST = 0;
    static final int OP_COUNT = 1;
    static final int OP_SUM = 2;
    static final int OP_EXTREME = 3;
    static final int OP_MEAN = 4;
    static final int OP_FIRST_SEEN = 5;
    static final int OP_LAST_SEEN = 6;
    static final int OP_LAST_N = 7;
    static final int OP_DECAYED = 8;
    static final int OP_DISTINCT = 9;
    static final int OP_DISTINCT_WINDOW = 10;
    static final int OP_COUNT_WINDOW = 11;
    static final int OP_SUM_WINDOW = 12;
    static final int OP_MIN_WINDOW = 13;
    static final int OP_MAX_WINDOW = 14;
    static final int OP_MEAN_WINDOW = 15;
    static final int OP_RATIO = 16;
    static final int OP_DIFFERENCE = 17;
    static final int OP_TIME_SINCE = 18;
    static final int OP_VARIANCE = 19;
    static final int OP_STDDEV = 20;
    static final int OP_VARIANCE_WINDOW = 21;
    static final int OP_STDDEV_WINDOW = 22;
    static final int OP_QUANTILE = 23;
    static final int OP_QUANTILE_WINDOW = 24;
    static final int OP_TOP_K = 25;
    static final int OP_TOP_K_WINDOW = 26;
    static final int OP_LATEST_CATEGORY = 27;
    static final int OP_LAST_N_CATEGORIES = 28;

    final int[] plan;
    /** The missing value's bits per feature. */
    final long[] missingBits;
    /** ln(2) / halfLifeMs per feature (decayed kinds). */
    final double[] decayPerMs;
    /** Per tile class: its tile length, ms, and tile count. */
    final long[] classTileMs;
    final int[] classTiles;
    /**
     * Per windowed feature with suffixes, {@value #WINDOW_STRIDE} ints: first tile accumulator, first suffix
     * accumulator, tile class, accumulator bytes (what a read touches ahead, see {@code RowReadKernel}).
     */
    final int[] windows;
    static final int WINDOW_STRIDE = 4;

    EvaluationPlan(CompiledLayout l) {
        final int n = l.featureCount;
        plan = new int[n * STRIDE];
        missingBits = new long[n];
        decayPerMs = l.decayPerMs.clone();
        long[] tileMsOf = new long[n];
        int[] tilesOf = new int[n];
        int classes = 0;
        for (int i = 0; i < n; i++) {
            final int p = i * STRIDE;
            final boolean isLong = l.kinds[i].valueType() == FeatureKind.ValueType.LONG;
            plan[p + OP] = op(l, i);
            plan[p + OFF] = l.offset[i];
            plan[p + SLOT] = l.slot[i];
            plan[p + LONG] = isLong ? 1 : 0;
            plan[p + TILES] = l.tiles[i];
            missingBits[i] = isLong ? MISSING_LONG : Double.doubleToRawLongBits(Double.NaN);
            if (l.kind[i] == K_LAST_N || l.kind[i] == K_LAST_N_CATEGORIES) {
                plan[p + ACC] = l.param[i];
            } else if (l.offset[i] < 0) {
                plan[p + ACC] = l.inputA[i];
                plan[p + SUFFIX] = l.inputB[i];
            } else {
                plan[p + ACC] = l.tileOffset[i];
                plan[p + SUFFIX] = l.suffixOffset[i];
            }
            if (l.offset[i] >= 0 && l.tiles[i] > 0) {
                int c = 0;
                while (c < classes && (tileMsOf[c] != l.tileMs[i] || tilesOf[c] != l.tiles[i])) {
                    c++;
                }
                if (c == classes) {
                    tileMsOf[c] = l.tileMs[i];
                    tilesOf[c] = l.tiles[i];
                    classes++;
                }
                plan[p + CLASS] = c;
            }
        }
        classTileMs = Arrays.copyOf(tileMsOf, classes);
        classTiles = Arrays.copyOf(tilesOf, classes);
        int w = 0;
        for (int i = 0; i < n; i++) {
            w += l.suffixOffset[i] >= 0 ? WINDOW_STRIDE : 0;
        }
        windows = new int[w];
        w = 0;
        for (int i = 0; i < n; i++) {
            if (l.suffixOffset[i] >= 0) {
                windows[w] = l.tileOffset[i];
                windows[w + 1] = l.suffixOffset[i];
                windows[w + 2] = plan[i * STRIDE + CLASS];
                windows[w + 3] = l.accBytes[i];
                w += WINDOW_STRIDE;
            }
        }
    }

    private static int op(CompiledLayout l, int i) {
        final boolean windowed = l.tiles[i] > 0;
        final boolean suffixes = l.suffixOffset[i] >= 0;
        switch (l.kind[i]) {
            case K_LATEST:
                return OP_LATEST;
            case K_COUNT:
                return windowed ? suffixedOrFail(l, i, suffixes, OP_COUNT_WINDOW) : OP_COUNT;
            case K_SUM:
                return windowed ? suffixedOrFail(l, i, suffixes, OP_SUM_WINDOW) : OP_SUM;
            case K_MIN:
                return windowed ? suffixedOrFail(l, i, suffixes, OP_MIN_WINDOW) : OP_EXTREME;
            case K_MAX:
                return windowed ? suffixedOrFail(l, i, suffixes, OP_MAX_WINDOW) : OP_EXTREME;
            case K_MEAN:
                return windowed ? suffixedOrFail(l, i, suffixes, OP_MEAN_WINDOW) : OP_MEAN;
            case K_FIRST_SEEN:
                return OP_FIRST_SEEN;
            case K_LAST_SEEN:
                return OP_LAST_SEEN;
            case K_LAST_N:
                return OP_LAST_N;
            case K_DECAYED_COUNT:
            case K_DECAYED_SUM:
                return OP_DECAYED;
            case K_DISTINCT:
                return windowed ? OP_DISTINCT_WINDOW : OP_DISTINCT;
            case K_RATIO:
                return OP_RATIO;
            case K_DIFFERENCE:
                return OP_DIFFERENCE;
            case K_TIME_SINCE:
                return OP_TIME_SINCE;
            case K_VARIANCE:
                return windowed ? suffixedOrFail(l, i, suffixes, OP_VARIANCE_WINDOW) : OP_VARIANCE;
            case K_STDDEV:
                return windowed ? suffixedOrFail(l, i, suffixes, OP_STDDEV_WINDOW) : OP_STDDEV;
            case K_QUANTILE:
                return windowed ? OP_QUANTILE_WINDOW : OP_QUANTILE;
            case K_TOP_K:
                return windowed ? OP_TOP_K_WINDOW : OP_TOP_K;
            case K_LATEST_CATEGORY:
                return OP_LATEST_CATEGORY;
            case K_LAST_N_CATEGORIES:
                return OP_LAST_N_CATEGORIES;
            default:
                throw new IllegalStateException("kind=" + l.kinds[i] + " has no read operation: add an OP_ constant");
        }
    }

    /**
     * The layout gives every windowed count, sum, min, max, mean, variance and stddev suffixes; a layout without them
     * is a bug.
     */
    private static int suffixedOrFail(CompiledLayout l, int i, boolean suffixes, int op) {
        if (!suffixes) {
            throw new IllegalStateException("feature=" + l.names[i] + " is windowed without suffix accumulators");
        }
        return op;
    }
}
