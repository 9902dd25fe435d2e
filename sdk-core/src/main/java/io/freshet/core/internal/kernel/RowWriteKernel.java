package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.Memory.MEMORY;
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
import static io.freshet.core.internal.kernel.CompiledLayout.NO_EPOCH;
import static io.freshet.core.internal.kernel.CompiledLayout.NO_TIME;
import static io.freshet.core.internal.kernel.CompiledLayout.ROW_LAST_APPLY_MS;
import static io.freshet.core.internal.kernel.CompiledLayout.ROW_MAX_EVENT_TIME_MS;

import io.freshet.core.spi.RowBuffer;
import java.util.Arrays;

/**
 * Applies a prepared event to a row: no user code, no allocation; one instance per writer thread per set. The second
 * half of an apply ({@link EventPreparer} is the first): it only mutates, so a row is never left half-updated by a
 * throwing extractor.
 *
 * <p>How it stays cheap (issue 18 point 5; the row bytes it writes are those of the kernel before it, bit for bit):
 * <ul>
 *   <li>A compiled apply plan: per stored feature, its kind and offsets in plain arrays indexed by the stored index,
 *       so the loop never goes from a stored index to a feature index to an offset.</li>
 *   <li>One tile epoch per window class (distinct tile length) per event, and that without a division while the
 *       event stays in the class's last tile: one compare per class instead of a {@code floorDiv} per feature.</li>
 *   <li>The row's length is checked once per apply against the layout, then the row is accessed through its base and
 *       address: a {@link RowBuffer} accessor re-checks its bounds and, after each store to memory the JIT cannot
 *       tell apart from the buffer's fields, reloads them.</li>
 *   <li>Suffix rebuilds run one loop per kind, not a kind switch per accumulator.</li>
 * </ul>
 *
 * <p>Threading: one instance per writer thread (it caches the last tile epochs and the last {@code Math.exp}). No
 * locks. Obtain one from {@link Kernels#newWriteKernel}.
 */
public final class RowWriteKernel {
    /** The event was applied to every feature it passed the filter of. */
    public static final int APPLIED = 0;
    /** Applied, but at least one windowed feature dropped it as late (older than its oldest live tile). */
    public static final int APPLIED_LATE = 1;

    private final CompiledLayout l;
    private final int rowSizeBytes;
    // The apply plan, indexed by stored feature k (the order of PreparedEvent's arrays).
    private final int[] kind;
    private final int[] offset;
    /** Tiles per window, 0 for lifetime. */
    private final int[] tiles;
    private final int[] tileOffset;
    /** First suffix accumulator, -1 for none. */
    private final int[] suffixOffset;
    private final int[] accBytes;
    private final int[] param;
    private final double[] decayPerMs;
    /** The sketch of a QUANTILE feature, null for others. */
    private final QuantileSketch[] sketch;
    /** Index into the class arrays of a windowed feature's tile length, -1 for others. */
    private final int[] windowClass;
    /** Per window class (distinct tile length): the length, and the tile the last event fell in. */
    private final long[] classTileMs;
    private final long[] classEpoch;
    /** First ms of {@link #classEpoch}'s tile; Long.MIN_VALUE before the first event (no time is in its tile). */
    private final long[] classFirstMs;
    private final ExpCache expCache = new ExpCache();
    /** Set by {@link #tileFor}: the newest epoch whose suffix the current event changes, NO_EPOCH for none. */
    private long suffixesFrom = NO_EPOCH;
    private final CategoryWriter categories;

    RowWriteKernel(CompiledLayout layout) {
        this.l = layout;
        this.rowSizeBytes = layout.rowSizeBytes;
        int[] stored = layout.stored;
        int n = stored.length;
        kind = new int[n];
        offset = new int[n];
        tiles = new int[n];
        tileOffset = new int[n];
        suffixOffset = new int[n];
        accBytes = new int[n];
        param = new int[n];
        decayPerMs = new double[n];
        sketch = new QuantileSketch[n];
        windowClass = new int[n];
        long[] lengths = new long[n];
        int classes = 0;
        for (int k = 0; k < n; k++) {
            int i = stored[k];
            kind[k] = layout.kind[i];
            offset[k] = layout.offset[i];
            tiles[k] = layout.tiles[i];
            tileOffset[k] = layout.tileOffset[i];
            suffixOffset[k] = layout.suffixOffset[i];
            accBytes[k] = layout.accBytes[i];
            param[k] = layout.param[i];
            decayPerMs[k] = layout.decayPerMs[i];
            sketch[k] = layout.sketches[i];
            windowClass[k] = -1;
            if (isWindowedAggregate(kind[k], tiles[k])) {
                int c = 0;
                while (c < classes && lengths[c] != layout.tileMs[i]) {
                    c++;
                }
                if (c == classes) {
                    lengths[classes++] = layout.tileMs[i];
                }
                windowClass[k] = c;
            }
        }
        classTileMs = Arrays.copyOf(lengths, classes);
        classEpoch = new long[classes];
        classFirstMs = new long[classes];
        Arrays.fill(classFirstMs, Long.MIN_VALUE);
        categories = new CategoryWriter(layout);
    }

    private static boolean isWindowedAggregate(int kind, int tiles) {
        switch (kind) {
            case K_LATEST:
            case K_FIRST_SEEN:
            case K_LAST_SEEN:
            case K_LAST_N:
            case K_DECAYED_COUNT:
            case K_DECAYED_SUM:
            case K_LATEST_CATEGORY:
            case K_LAST_N_CATEGORIES:
                return false;
            default:
                return tiles != 0;
        }
    }

    /**
     * Applies the prepared event to a row (existing, or initialised by the store) and consumes it: the event reads
     * as not prepared afterwards, so applying it twice fails instead of counting it twice.
     *
     * @param event an event prepared by this set's {@link EventPreparer}
     * @param row the row to mutate, at least the layout's row size long
     * @param nowMs the applying clock, epoch ms
     * @return {@link #APPLIED} or {@link #APPLIED_LATE}
     * @throws IllegalStateException when the event is not prepared
     * @throws IndexOutOfBoundsException when the row is shorter than the layout's row
     */
    public int apply(PreparedEvent event, RowBuffer row, long nowMs) {
        final long t = event.eventTimeMs;
        if (t == NO_TIME) {
            throw new IllegalStateException("no event prepared: call prepare() and check it returned PREPARED");
        }
        if (row.lengthBytes() < rowSizeBytes) {
            throw new IndexOutOfBoundsException("row of lengthBytes=" + row.lengthBytes() + " < rowSizeBytes="
                + rowSizeBytes + " of the set's layout: wrap the whole row");
        }
        event.eventTimeMs = NO_TIME;
        final boolean[] pass = event.pass;
        final double[] values = event.values;
        final long[] ids = event.ids;
        final Object base = row.base();
        final long a = row.address();
        MEMORY.putLong(base, a + ROW_LAST_APPLY_MS, nowMs);
        if (t > MEMORY.getLong(base, a + ROW_MAX_EVENT_TIME_MS)) {
            MEMORY.putLong(base, a + ROW_MAX_EVENT_TIME_MS, t);
        }
        for (int c = 0; c < classTileMs.length; c++) {
            // Most events fall in the tile of the one before: no division then. Event times are validated
            // non-negative, so t - first overflows (to negative) only against the initial Long.MIN_VALUE.
            final long tileMs = classTileMs[c];
            final long sinceFirst = t - classFirstMs[c];
            if (sinceFirst < 0 || sinceFirst >= tileMs) {
                final long e = TileRing.epochOf(t, tileMs);
                classEpoch[c] = e;
                classFirstMs[c] = e * tileMs;
            }
        }
        int result = APPLIED;
        for (int k = 0; k < kind.length; k++) {
            if (!pass[k]) {
                continue;
            }
            final int off = offset[k];
            final long featureTime = MEMORY.getLong(base, a + off);
            switch (kind[k]) {
                case K_LATEST:
                    if (t >= featureTime) {
                        MEMORY.putDouble(base, a + off + 8, values[k]);
                    }
                    break;
                case K_FIRST_SEEN:
                    if (t < MEMORY.getLong(base, a + off + 8)) {
                        MEMORY.putLong(base, a + off + 8, t);
                    }
                    break;
                case K_LAST_SEEN:
                    break;
                case K_LAST_N:
                    insertLastN(base, a + off, param[k], t, ids[k]);
                    break;
                case K_LATEST_CATEGORY:
                    categories.applyLatest(base, a + off, k, t >= featureTime, ids, values);
                    break;
                case K_LAST_N_CATEGORIES:
                    categories.insertLastN(base, a + off, k, t, ids, values);
                    break;
                case K_DECAYED_COUNT:
                    applyDecayed(base, a + off + 8, decayPerMs[k], featureTime, t, 1);
                    break;
                case K_DECAYED_SUM:
                    applyDecayed(base, a + off + 8, decayPerMs[k], featureTime, t, values[k]);
                    break;
                case K_DISTINCT:
                    int hll = tiles[k] == 0 ? off + 8 : tileFor(base, a, k, off);
                    if (hll < 0) {
                        result = APPLIED_LATE;
                        continue;
                    }
                    // Registers are bytes: the bounds-checked path, rare enough not to matter.
                    HyperLogLog.add(row, hll, param[k], ids[k]);
                    break;
                case K_QUANTILE:
                    int sketchAcc = tiles[k] == 0 ? off + 8 : tileFor(base, a, k, off);
                    if (sketchAcc < 0) {
                        result = APPLIED_LATE;
                        continue;
                    }
                    sketch[k].add(base, a + sketchAcc, values[k]);
                    break;
                case K_TOP_K:
                    int summary = tiles[k] == 0 ? off + 8 : tileFor(base, a, k, off);
                    if (summary < 0) {
                        result = APPLIED_LATE;
                        continue;
                    }
                    TopKSummary.add(base, a + summary, TopKSummary.counters(param[k]), ids[k]);
                    break;
                default:
                    if (tiles[k] == 0) {
                        accumulate(kind[k], base, a + off + 8, values[k]);
                        break;
                    }
                    int acc = tileFor(base, a, k, off);
                    if (acc < 0) {
                        result = APPLIED_LATE;
                        continue;
                    }
                    accumulate(kind[k], base, a + acc, values[k]);
                    if (suffixesFrom != NO_EPOCH) {
                        rebuildSuffixes(base, a, k, off, suffixesFrom);
                    }
                    break;
            }
            if (t > featureTime) {
                MEMORY.putLong(base, a + off, t);
            }
        }
        return result;
    }

    /** Folds one value into a count, sum, min, max, mean or moments accumulator at absolute {@code acc}. */
    private static void accumulate(int kind, Object base, long acc, double v) {
        switch (kind) {
            case K_COUNT:
                MEMORY.putLong(base, acc, MEMORY.getLong(base, acc) + 1);
                break;
            case K_SUM:
                MEMORY.putDouble(base, acc, MEMORY.getDouble(base, acc) + v);
                break;
            case K_MIN:
                if (v < MEMORY.getDouble(base, acc)) {
                    MEMORY.putDouble(base, acc, v);
                }
                break;
            case K_MAX:
                if (v > MEMORY.getDouble(base, acc)) {
                    MEMORY.putDouble(base, acc, v);
                }
                break;
            case K_MEAN:
                MEMORY.putDouble(base, acc, MEMORY.getDouble(base, acc) + v);
                MEMORY.putLong(base, acc + 8, MEMORY.getLong(base, acc + 8) + 1);
                break;
            case K_VARIANCE:
            case K_STDDEV:
                Moments.add(base, acc, v);
                break;
            default:
                throw new IllegalStateException("not an accumulator kind: " + kind);
        }
    }

    /** Sets one accumulator at absolute {@code acc} to its kind's identity (as {@link Accumulators#reset}). */
    private static void reset(int kind, Object base, long acc, int accBytes) {
        switch (kind) {
            case K_MIN:
                MEMORY.putDouble(base, acc, Double.POSITIVE_INFINITY);
                break;
            case K_MAX:
                MEMORY.putDouble(base, acc, Double.NEGATIVE_INFINITY);
                break;
            case K_MEAN:
                MEMORY.putLong(base, acc, 0);
                MEMORY.putLong(base, acc + 8, 0);
                break;
            case K_DISTINCT:
            case K_QUANTILE:
            case K_TOP_K:
                MEMORY.fill(base, acc, accBytes, (byte) 0);
                break;
            case K_VARIANCE:
            case K_STDDEV:
                Moments.reset(base, acc);
                break;
            default:
                MEMORY.putLong(base, acc, 0);
                break;
        }
    }

    /**
     * Returns the row offset of the accumulator for the event's tile (the epoch of its window class), advancing the
     * ring; -1 when late. Sets {@link #suffixesFrom} for a feature with suffixes: the newest epoch whose suffix the
     * event changes (the tile before the new newest one after an advance, the event's own tile when it is older than
     * the newest), or NO_EPOCH when only the newest tile changes, which no suffix covers: the common case stays O(1).
     */
    private int tileFor(Object base, long a, int k, int off) {
        final int n = tiles[k];
        final long e = classEpoch[windowClass[k]];
        final long maxEpoch = MEMORY.getLong(base, a + off + 8);
        final int first = tileOffset[k];
        final int bytes = accBytes[k];
        final boolean suffixes = suffixOffset[k] >= 0;
        suffixesFrom = NO_EPOCH;
        if (maxEpoch == NO_EPOCH) {
            MEMORY.putLong(base, a + off + 8, e);
        } else if (e > maxEpoch) {
            if (suffixes) {
                suffixesFrom = e - 1;
            }
            // Tiles the ring moves over are expired: reset them now, at most n of them. One modulo, then a wrapping
            // index: a row idle for a whole window resets all n tiles, and a 64-bit division per tile cost more
            // than the resets themselves.
            final long oldest = Math.max(maxEpoch + 1, e - n + 1);
            final int kd = kind[k];
            int tile = (int) (oldest % n);
            for (long left = e - oldest; left >= 0; left--) {
                reset(kd, base, a + first + tile * bytes, bytes);
                if (++tile == n) {
                    tile = 0;
                }
            }
            MEMORY.putLong(base, a + off + 8, e);
        } else if (e <= maxEpoch - n) {
            return -1;
        } else if (suffixes && e < maxEpoch) {
            suffixesFrom = e;
        }
        // e >= 0 here (event times are validated non-negative), so % is the ring's mod.
        return first + (int) (e % n) * bytes;
    }

    /**
     * Recomputes the suffix accumulators of epochs {@code from} down to the oldest live one from the tiles:
     * suffix(maxEpoch - 1) = tile(maxEpoch - 1), suffix(e) = tile(e) + suffix(e + 1). Recomputed rather than
     * patched, so that the suffixes are always the same function of the tiles, whatever order the events came in.
     * One loop per kind: the combine of {@link Accumulators#combine}, operand for operand.
     */
    private void rebuildSuffixes(Object base, long a, int k, int off, long from) {
        final int n = tiles[k];
        final long maxEpoch = MEMORY.getLong(base, a + off + 8);
        final long tileBase = a + tileOffset[k];
        final long suffixBase = a + suffixOffset[k];
        final int kd = kind[k];
        final int bytes = accBytes[k];
        final long oldest = maxEpoch - n + 1;
        int slot = (int) Math.floorMod(from, (long) n);
        long e = from;
        if (e == maxEpoch - 1 && e >= oldest) {
            MEMORY.putLong(base, suffixBase + slot * bytes, MEMORY.getLong(base, tileBase + slot * bytes));
            for (int word = 8; word < bytes; word += 8) {
                MEMORY.putLong(base, suffixBase + slot * bytes + word,
                    MEMORY.getLong(base, tileBase + slot * bytes + word));
            }
            e--;
            slot = slot == 0 ? n - 1 : slot - 1;
        }
        // From here on each suffix is its tile combined with the suffix of the next (newer) slot.
        int left = (int) (e - oldest + 1);
        switch (kd) {
            case K_COUNT:
                for (; left > 0; left--) {
                    int next = slot + 1 == n ? 0 : slot + 1;
                    MEMORY.putLong(base, suffixBase + slot * 8L,
                        MEMORY.getLong(base, tileBase + slot * 8L) + MEMORY.getLong(base, suffixBase + next * 8L));
                    slot = slot == 0 ? n - 1 : slot - 1;
                }
                break;
            case K_SUM:
                for (; left > 0; left--) {
                    int next = slot + 1 == n ? 0 : slot + 1;
                    MEMORY.putDouble(base, suffixBase + slot * 8L,
                        MEMORY.getDouble(base, tileBase + slot * 8L) + MEMORY.getDouble(base, suffixBase + next * 8L));
                    slot = slot == 0 ? n - 1 : slot - 1;
                }
                break;
            case K_MIN:
                for (; left > 0; left--) {
                    int next = slot + 1 == n ? 0 : slot + 1;
                    double tile = MEMORY.getDouble(base, tileBase + slot * 8L);
                    double newer = MEMORY.getDouble(base, suffixBase + next * 8L);
                    MEMORY.putDouble(base, suffixBase + slot * 8L, Math.min(tile, newer));
                    slot = slot == 0 ? n - 1 : slot - 1;
                }
                break;
            case K_MAX:
                for (; left > 0; left--) {
                    int next = slot + 1 == n ? 0 : slot + 1;
                    double tile = MEMORY.getDouble(base, tileBase + slot * 8L);
                    double newer = MEMORY.getDouble(base, suffixBase + next * 8L);
                    MEMORY.putDouble(base, suffixBase + slot * 8L, Math.max(tile, newer));
                    slot = slot == 0 ? n - 1 : slot - 1;
                }
                break;
            case K_MEAN:
                for (; left > 0; left--) {
                    int next = slot + 1 == n ? 0 : slot + 1;
                    long dst = suffixBase + slot * 16L;
                    long tile = tileBase + slot * 16L;
                    long newer = suffixBase + next * 16L;
                    MEMORY.putDouble(base, dst, MEMORY.getDouble(base, tile) + MEMORY.getDouble(base, newer));
                    MEMORY.putLong(base, dst + 8, MEMORY.getLong(base, tile + 8) + MEMORY.getLong(base, newer + 8));
                    slot = slot == 0 ? n - 1 : slot - 1;
                }
                break;
            case K_VARIANCE:
            case K_STDDEV:
                for (; left > 0; left--) {
                    int next = slot + 1 == n ? 0 : slot + 1;
                    final long dst = suffixBase + slot * (long) Moments.BYTES;
                    Moments.merge(base, dst, tileBase + slot * (long) Moments.BYTES,
                        suffixBase + next * (long) Moments.BYTES);
                    slot = slot == 0 ? n - 1 : slot - 1;
                }
                break;
            default:
                throw new IllegalStateException("no suffixes for kind " + kd);
        }
    }

    /** Folds weight {@code w} at time t into the decayed value at absolute {@code value}, decayed to refTime. */
    private void applyDecayed(Object base, long value, double perMs, long refTime, long t, double w) {
        if (refTime == NO_TIME) {
            MEMORY.putDouble(base, value, w);
        } else if (t >= refTime) {
            MEMORY.putDouble(base, value, MEMORY.getDouble(base, value) * expCache.exp(-(t - refTime) * perMs) + w);
        } else {
            MEMORY.putDouble(base, value, MEMORY.getDouble(base, value) + w * expCache.exp(-(refTime - t) * perMs));
        }
    }

    /** Inserts (t, id) into the newest-first list of the LAST_N block at absolute {@code block}, capacity n. */
    private static void insertLastN(Object base, long block, int n, long t, long id) {
        final int size = (int) MEMORY.getLong(base, block + 8);
        final long entries = block + 16;
        int pos = 0;
        while (pos < size && MEMORY.getLong(base, entries + pos * 16L) > t) {
            pos++;
        }
        if (pos >= n) {
            return;
        }
        for (int j = Math.min(size, n - 1) - 1; j >= pos; j--) {
            MEMORY.putLong(base, entries + (j + 1) * 16L, MEMORY.getLong(base, entries + j * 16L));
            MEMORY.putLong(base, entries + (j + 1) * 16L + 8, MEMORY.getLong(base, entries + j * 16L + 8));
        }
        MEMORY.putLong(base, entries + pos * 16L, t);
        MEMORY.putLong(base, entries + pos * 16L + 8, id);
        if (size < n) {
            MEMORY.putLong(base, block + 8, size + 1);
        }
    }
}
