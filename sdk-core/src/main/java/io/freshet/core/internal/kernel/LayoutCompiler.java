package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.kernel.CompiledLayout.K_COUNT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DECAYED_COUNT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DECAYED_SUM;
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
import static io.freshet.core.internal.kernel.CompiledLayout.K_STDDEV;
import static io.freshet.core.internal.kernel.CompiledLayout.K_SUM;
import static io.freshet.core.internal.kernel.CompiledLayout.K_TOP_K;
import static io.freshet.core.internal.kernel.CompiledLayout.K_VARIANCE;
import static io.freshet.core.internal.kernel.CompiledLayout.MAX_ROW_BYTES;
import static io.freshet.core.internal.kernel.CompiledLayout.ROW_HEADER_BYTES;
import static io.freshet.core.internal.kernel.CompiledLayout.kindId;

import io.freshet.core.FeatureDefinitionException;
import io.freshet.core.FeatureKind;
import io.freshet.core.internal.FeatureSpec;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Compiles a set's declared features into its {@link CompiledLayout}: assigns each stored feature its byte offset
 * and state size (the row diagram is on {@link CompiledLayout}), each feature its vector slots, and resolves derived
 * features' inputs to indices. Runs once per set, at {@code build()}; the descriptor it produces is immutable.
 *
 * <p>Internal: not part of the public API.
 */
public final class LayoutCompiler {
    final int featureCount;
    final String[] names;
    final FeatureKind[] kinds;
    final int[] kind;
    final int[] offset;
    final int[] tiles;
    final long[] tileMs;
    final int[] accBytes;
    final int[] suffixOffset;
    final int[] tileOffset;
    final double[] decayPerMs;
    final int[] param;
    final int[] inputA;
    final int[] inputB;
    final ToDoubleFunction<Object>[] valueFns;
    final ToLongFunction<Object>[] idFns;
    final Predicate<Object>[] filters;
    final QuantileSketch[] sketches;
    final int[] stored;
    final int[] slot;
    final int[] width;
    final int vectorWidth;
    final int rowSizeBytes;
    final int headerBytes;
    final CategoryLayout categories;

    /**
     * @param features the declared features
     * @param setName the set's name, for messages
     * @return the layout
     * @throws FeatureDefinitionException when the row would exceed {@link CompiledLayout#MAX_ROW_BYTES}
     */
    public static CompiledLayout compile(List<FeatureSpec> features, String setName) {
        return new CompiledLayout(new LayoutCompiler(features, setName));
    }

    @SuppressWarnings("unchecked")
    private LayoutCompiler(List<FeatureSpec> features, String setName) {
        int n = features.size();
        featureCount = n;
        names = new String[n];
        kinds = new FeatureKind[n];
        kind = new int[n];
        offset = new int[n];
        tiles = new int[n];
        tileMs = new long[n];
        accBytes = new int[n];
        suffixOffset = new int[n];
        tileOffset = new int[n];
        decayPerMs = new double[n];
        param = new int[n];
        inputA = new int[n];
        inputB = new int[n];
        valueFns = new ToDoubleFunction[n];
        idFns = new ToLongFunction[n];
        filters = new Predicate[n];
        sketches = new QuantileSketch[n];
        slot = new int[n];
        width = new int[n];
        int storedCount = 0;
        for (int i = 0; i < n; i++) {
            kind[i] = kindId(features.get(i).kind);
            param[i] = features.get(i).param;
            storedCount += features.get(i).kind.isStored() ? 1 : 0;
        }
        categories = new CategoryLayout(features, kind, param, storedCount);
        storedCount = 0;
        long off = ROW_HEADER_BYTES;
        int slots = 0;
        for (int i = 0; i < n; i++) {
            FeatureSpec f = features.get(i);
            names[i] = f.name;
            kinds[i] = f.kind;
            kind[i] = kindId(f.kind);
            tiles[i] = f.window.tileCount();
            tileMs[i] = f.window.tileMs();
            param[i] = f.param;
            decayPerMs[i] = f.halfLifeMs > 0 ? Math.log(2) / f.halfLifeMs : 0;
            valueFns[i] = f.valueFn;
            idFns[i] = f.idFn;
            filters[i] = f.filter;
            if (f.quantile != null) {
                sketches[i] = new QuantileSketch(f.quantile.q(), f.quantile.relativeError(), f.quantile.min(),
                    f.quantile.max());
            }
            inputA[i] = f.inputA == null ? -1 : indexOf(features, f.inputA);
            inputB[i] = f.inputB == null ? -1 : indexOf(features, f.inputB);
            slot[i] = slots;
            width[i] = f.kind == FeatureKind.LAST_N ? f.param
                : f.kind == FeatureKind.TOP_K ? 2 * TopKSummary.k(f.param)
                : isCategorical(kind[i]) ? categories.width(kind[i], i, param[i]) : 1;
            slots += width[i];
            suffixOffset[i] = -1;
            if (!f.kind.isStored()) {
                offset[i] = -1;
                continue;
            }
            storedCount++;
            offset[i] = (int) Math.min(off, Integer.MAX_VALUE);
            accBytes[i] = kind[i] == K_QUANTILE ? sketches[i].accumulatorBytes() : accumulatorBytes(kind[i], param[i]);
            off += 8 + headerStateBytes(i);
        }
        headerBytes = (int) Math.min(off, Integer.MAX_VALUE);
        // The windowed arrays go after every feature's header, so that a read, which needs the headers of all
        // features but only one or two accumulators of each array, touches few cache lines of a large row.
        for (int i = 0; i < n; i++) {
            tileOffset[i] = -1;
            if (offset[i] < 0 || !isWindowedAggregate(i)) {
                continue;
            }
            tileOffset[i] = (int) Math.min(off, Integer.MAX_VALUE);
            off += (long) tiles[i] * accBytes[i];
            if (hasSuffixes(kind[i], tiles[i])) {
                suffixOffset[i] = (int) Math.min(off, Integer.MAX_VALUE);
                off += (long) tiles[i] * accBytes[i];
            }
        }
        if (off > MAX_ROW_BYTES) {
            throw new FeatureDefinitionException("set=" + setName + " compiles to rowBytes=" + off
                + " > MAX_ROW_BYTES=" + MAX_ROW_BYTES + ": use fewer or coarser tiles, a lower distinct precision, "
                + "coarser quantile sketches, or split the set");
        }
        rowSizeBytes = (int) off;
        vectorWidth = slots;
        stored = new int[storedCount];
        for (int i = 0, k = 0; i < n; i++) {
            if (offset[i] >= 0) {
                stored[k++] = i;
            }
        }
    }

    private static boolean isCategorical(int k) {
        return k == K_LATEST_CATEGORY || k == K_LAST_N_CATEGORIES;
    }

    private static int indexOf(List<FeatureSpec> features, String name) {
        for (int i = 0; i < features.size(); i++) {
            if (features.get(i).name.equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("unknown input " + name);
    }

    /**
     * Whether a feature keeps suffix aggregates beside its tiles: the windowed kinds whose combine is cheap and exact
     * enough (count, sum, min, max, mean, and the moments of variance and stddev). Distinct keeps tiles only: its
     * suffixes would cost 2^p bytes per tile and a merge of every register per tile rotation.
     */
    static boolean hasSuffixes(int k, int tileCount) {
        return tileCount > 0 && (k == K_COUNT || k == K_SUM || k == K_MIN || k == K_MAX || k == K_MEAN
            || k == K_VARIANCE || k == K_STDDEV);
    }

    private static int accumulatorBytes(int k, int p) {
        switch (k) {
            case K_MEAN:
                return 16;
            case K_VARIANCE:
            case K_STDDEV:
                return Moments.BYTES;
            case K_DISTINCT:
                return ((1 << p) + 7) & ~7;
            case K_TOP_K:
                return TopKSummary.summaryBytes(p);
            default:
                return 8;
        }
    }

    private boolean isWindowedAggregate(int i) {
        switch (kind[i]) {
            case K_LATEST:
            case K_FIRST_SEEN:
            case K_DECAYED_COUNT:
            case K_DECAYED_SUM:
            case K_LAST_SEEN:
            case K_LAST_N:
            case K_LATEST_CATEGORY:
            case K_LAST_N_CATEGORIES:
                return false;
            default:
                return tiles[i] > 0;
        }
    }

    /** Bytes after a feature's event time in its header; a windowed aggregate's arrays are not in it. */
    private long headerStateBytes(int i) {
        switch (kind[i]) {
            case K_LATEST:
            case K_FIRST_SEEN:
            case K_DECAYED_COUNT:
            case K_DECAYED_SUM:
                return 8;
            case K_LAST_SEEN:
                return 0;
            case K_LAST_N:
                return 8 + 16L * param[i];
            case K_LATEST_CATEGORY:
            case K_LAST_N_CATEGORIES:
                return categories.headerStateBytes(kind[i], i, param[i]);
            default:
                // A lifetime aggregate's accumulator; a windowed one's maxEpoch.
                return tiles[i] == 0 ? accBytes[i] : 8;
        }
    }
}
