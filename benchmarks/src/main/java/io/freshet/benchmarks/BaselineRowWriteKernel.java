package io.freshet.benchmarks;

import static io.freshet.core.internal.kernel.CompiledLayout.K_COUNT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DECAYED_COUNT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DECAYED_SUM;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DISTINCT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_FIRST_SEEN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LAST_N;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LAST_SEEN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LATEST;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MAX;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MEAN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MIN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_SUM;
import static io.freshet.core.internal.kernel.CompiledLayout.NO_EPOCH;
import static io.freshet.core.internal.kernel.CompiledLayout.NO_TIME;
import static io.freshet.core.internal.kernel.CompiledLayout.ROW_LAST_APPLY_MS;
import static io.freshet.core.internal.kernel.CompiledLayout.ROW_MAX_EVENT_TIME_MS;

import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.spi.RowBuffer;

/**
 * A frozen copy of the apply path as of commit 1badfd0 (before issue 18 point 5): the preparer's extraction and the
 * write kernel with the helpers it called, kept only so that {@link ApplyFloor} can time the apply before and after in
 * one JVM, in alternating rounds. Not used by Freshet; distinct counts are left out (the payment set has none), and
 * events are assumed valid (the benchmark's stream is).
 *
 * <p>Threading: one instance per thread. Allocation: none after construction.
 */
final class BaselineRowWriteKernel {
    static final int APPLIED = 0;
    static final int APPLIED_LATE = 1;

    private final CompiledLayout l;
    private final int[] stored;
    private final Ring ring = new Ring();
    private final Exp expCache = new Exp();
    private final boolean[] pass;
    private final double[] values;
    private final long[] ids;
    /** Set by {@link #tileFor}: the newest epoch whose suffix the current event changes, NO_EPOCH for none. */
    private long suffixesFrom = NO_EPOCH;

    BaselineRowWriteKernel(CompiledLayout layout) {
        this.l = layout;
        this.stored = layout.stored;
        this.pass = new boolean[stored.length];
        this.values = new double[stored.length];
        this.ids = new long[stored.length];
    }

    /**
     * EventPreparer.prepare then RowWriteKernel.apply of 1badfd0, for a valid event.
     *
     * @param event the event
     * @param t its event time, epoch ms, non-negative
     * @param row the row
     * @param nowMs the applying clock, epoch ms
     * @return APPLIED or APPLIED_LATE, or -3 for a non-finite value (as the preparer rejects it)
     */
    int apply(Object event, long t, RowBuffer row, long nowMs) {
        for (int k = 0; k < stored.length; k++) {
            int i = stored[k];
            boolean p = l.filters[i] == null || l.filters[i].test(event);
            pass[k] = p;
            if (p) {
                if (l.valueFns[i] != null) {
                    double v = l.valueFns[i].applyAsDouble(event);
                    if (Double.isNaN(v) || Double.isInfinite(v)) {
                        return -3;
                    }
                    values[k] = v;
                }
                if (l.idFns[i] != null) {
                    ids[k] = l.idFns[i].applyAsLong(event);
                }
            }
        }
        row.putLong(ROW_LAST_APPLY_MS, nowMs);
        if (t > row.getLong(ROW_MAX_EVENT_TIME_MS)) {
            row.putLong(ROW_MAX_EVENT_TIME_MS, t);
        }
        int result = APPLIED;
        for (int k = 0; k < stored.length; k++) {
            if (!pass[k]) {
                continue;
            }
            int i = stored[k];
            int off = l.offset[i];
            long featureTime = row.getLong(off);
            switch (l.kind[i]) {
                case K_LATEST:
                    if (t >= featureTime) {
                        row.putDouble(off + 8, values[k]);
                    }
                    break;
                case K_FIRST_SEEN:
                    if (t < row.getLong(off + 8)) {
                        row.putLong(off + 8, t);
                    }
                    break;
                case K_LAST_SEEN:
                    break;
                case K_LAST_N:
                    insertLastN(row, off, l.param[i], t, ids[k]);
                    break;
                case K_DECAYED_COUNT:
                case K_DECAYED_SUM:
                    applyDecayed(row, off, l.decayPerMs[i], featureTime, t,
                        l.kind[i] == K_DECAYED_COUNT ? 1 : values[k]);
                    break;
                default:
                    int acc = l.tiles[i] == 0 ? off + 8 : tileFor(row, i, off, t);
                    if (acc < 0) {
                        result = APPLIED_LATE;
                        continue;
                    }
                    accumulate(l, row, i, acc, values[k], ids[k]);
                    if (l.tiles[i] != 0 && suffixesFrom != NO_EPOCH) {
                        rebuildSuffixes(row, i, off, suffixesFrom);
                    }
                    break;
            }
            if (t > featureTime) {
                row.putLong(off, t);
            }
        }
        return result;
    }

    /**
     * Returns the offset of the accumulator for time t (validated non-negative), advancing the ring; -1 when late.
     * Sets {@link #suffixesFrom} for a feature with suffixes: the newest epoch whose suffix the event changes (the
     * tile before the new newest one after an advance, the event's own tile when it is older than the newest), or
     * NO_EPOCH when only the newest tile changes, which no suffix covers: the common case stays O(1).
     */
    private int tileFor(RowBuffer row, int i, int off, long t) {
        final int n = l.tiles[i];
        final long tileMs = l.tileMs[i];
        final long e = ring.cachedEpochOf(t, tileMs);
        final long maxEpoch = row.getLong(off + 8);
        final int base = l.tileOffset[i];
        final int accBytes = l.accBytes[i];
        final boolean suffixes = l.suffixOffset[i] >= 0;
        suffixesFrom = NO_EPOCH;
        if (maxEpoch == NO_EPOCH) {
            row.putLong(off + 8, e);
        } else if (e > maxEpoch) {
            if (suffixes) {
                suffixesFrom = e - 1;
            }
            // Tiles the ring moves over are expired: reset them now, at most n of them. One modulo, then a wrapping
            // index: a row idle for a whole window resets all n tiles, and a 64-bit division per tile cost more
            // than the resets themselves.
            final long first = Math.max(maxEpoch + 1, e - n + 1);
            int tile = (int) (first % n);
            for (long left = e - first; left >= 0; left--) {
                reset(l, row, i, base + tile * accBytes);
                if (++tile == n) {
                    tile = 0;
                }
            }
            row.putLong(off + 8, e);
        } else if (e <= maxEpoch - n) {
            return -1;
        } else if (suffixes && e < maxEpoch) {
            suffixesFrom = e;
        }
        // e >= 0 here (event times are validated non-negative), so % is the ring's mod.
        return base + (int) (e % n) * accBytes;
    }

    /**
     * Recomputes the suffix accumulators of epochs {@code from} down to the oldest live one from the tiles:
     * suffix(maxEpoch - 1) = tile(maxEpoch - 1), suffix(e) = tile(e) + suffix(e + 1). Recomputed rather than
     * patched, so that the suffixes are always the same function of the tiles, whatever order the events came in.
     */
    private void rebuildSuffixes(RowBuffer row, int i, int off, long from) {
        final int n = l.tiles[i];
        final long maxEpoch = row.getLong(off + 8);
        final int accBytes = l.accBytes[i];
        final int tiles = l.tileOffset[i];
        final int suffixes = l.suffixOffset[i];
        final long oldest = maxEpoch - n + 1;
        int slot = (int) Math.floorMod(from, (long) n);
        for (long e = from; e >= oldest; e--) {
            if (e == maxEpoch - 1) {
                copy(l, row, i, suffixes + slot * accBytes, tiles + slot * accBytes);
            } else {
                int next = slot + 1 == n ? 0 : slot + 1;
                combine(l, row, i, suffixes + slot * accBytes, tiles + slot * accBytes,
                    suffixes + next * accBytes);
            }
            if (--slot < 0) {
                slot = n - 1;
            }
        }
    }

    private void applyDecayed(RowBuffer row, int off, double decayPerMs, long refTime, long t, double w) {
        if (refTime == NO_TIME) {
            row.putDouble(off + 8, w);
        } else if (t >= refTime) {
            row.putDouble(off + 8, row.getDouble(off + 8) * expCache.exp(-(t - refTime) * decayPerMs) + w);
        } else {
            row.putDouble(off + 8, row.getDouble(off + 8) + w * expCache.exp(-(refTime - t) * decayPerMs));
        }
    }

    private static void insertLastN(RowBuffer row, int off, int n, long t, long id) {
        final int size = (int) row.getLong(off + 8);
        final int entries = off + 16;
        int pos = 0;
        while (pos < size && row.getLong(entries + pos * 16) > t) {
            pos++;
        }
        if (pos >= n) {
            return;
        }
        for (int j = Math.min(size, n - 1) - 1; j >= pos; j--) {
            row.putLong(entries + (j + 1) * 16, row.getLong(entries + j * 16));
            row.putLong(entries + (j + 1) * 16 + 8, row.getLong(entries + j * 16 + 8));
        }
        row.putLong(entries + pos * 16, t);
        row.putLong(entries + pos * 16 + 8, id);
        if (size < n) {
            row.putLong(off + 8, size + 1);
        }
    }

    /**
     * Writes {@code a + b} (the combine of the feature's kind: sum, or min, or max; mean adds both fields) into
     * {@code dst}; {@code dst} may be {@code a} or {@code b}. Count and mean counts are exact; a sum rounds once per
     * combine, as the read of the tiles it replaces did.
     *
     * @param l the layout
     * @param row the row
     * @param i feature index (count, sum, min, max or mean)
     * @param dst target accumulator offset
     * @param a first accumulator offset
     * @param b second accumulator offset
     */
    private static void combine(CompiledLayout l, RowBuffer row, int i, int dst, int a, int b) {
        switch (l.kind[i]) {
            case K_COUNT:
                row.putLong(dst, row.getLong(a) + row.getLong(b));
                break;
            case K_SUM:
                row.putDouble(dst, row.getDouble(a) + row.getDouble(b));
                break;
            case K_MIN:
                row.putDouble(dst, Math.min(row.getDouble(a), row.getDouble(b)));
                break;
            case K_MAX:
                row.putDouble(dst, Math.max(row.getDouble(a), row.getDouble(b)));
                break;
            case K_MEAN:
                row.putDouble(dst, row.getDouble(a) + row.getDouble(b));
                row.putLong(dst + 8, row.getLong(a + 8) + row.getLong(b + 8));
                break;
            default:
                throw new IllegalStateException("no combine for kind " + l.kinds[i]);
        }
    }

    /**
     * Copies one accumulator of a feature with suffixes (8 or 16 bytes).
     *
     * @param l the layout
     * @param row the row
     * @param i feature index
     * @param dst target accumulator offset
     * @param src source accumulator offset
     */
    private static void copy(CompiledLayout l, RowBuffer row, int i, int dst, int src) {
        row.putLong(dst, row.getLong(src));
        if (l.accBytes[i] == 16) {
            row.putLong(dst + 8, row.getLong(src + 8));
        }
    }

    /**
     * Folds one event into an accumulator.
     *
     * @param l the layout
     * @param row the row
     * @param i feature index
     * @param acc accumulator offset
     * @param v the event's value (unused by count and distinct)
     * @param id the event's id (distinct only)
     */
    private static void accumulate(CompiledLayout l, RowBuffer row, int i, int acc, double v, long id) {
        switch (l.kind[i]) {
            case K_COUNT:
                row.putLong(acc, row.getLong(acc) + 1);
                break;
            case K_SUM:
                row.putDouble(acc, row.getDouble(acc) + v);
                break;
            case K_MIN:
                if (v < row.getDouble(acc)) {
                    row.putDouble(acc, v);
                }
                break;
            case K_MAX:
                if (v > row.getDouble(acc)) {
                    row.putDouble(acc, v);
                }
                break;
            case K_MEAN:
                row.putDouble(acc, row.getDouble(acc) + v);
                row.putLong(acc + 8, row.getLong(acc + 8) + 1);
                break;
            case K_DISTINCT:
                throw new UnsupportedOperationException("distinct counts are left out of the frozen kernel");
            default:
                throw new IllegalStateException("not an accumulator kind: " + l.kinds[i]);
        }
    }

    /** TileRing's cached epoch, as of 1badfd0. */
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

    /**
     * Sets one accumulator to its identity.
     *
     * @param l the layout
     * @param row the row
     * @param i feature index
     * @param acc accumulator offset
     */
    private static void reset(CompiledLayout l, RowBuffer row, int i, int acc) {
        switch (l.kind[i]) {
            case K_MIN:
                row.putDouble(acc, Double.POSITIVE_INFINITY);
                break;
            case K_MAX:
                row.putDouble(acc, Double.NEGATIVE_INFINITY);
                break;
            case K_MEAN:
                row.putLong(acc, 0);
                row.putLong(acc + 8, 0);
                break;
            case K_DISTINCT:
                row.setZero(acc, l.accBytes[i]);
                break;
            default:
                row.putLong(acc, 0);
                break;
        }
    }

    /** ExpCache, as of 1badfd0. */
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
