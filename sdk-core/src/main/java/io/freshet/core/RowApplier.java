package io.freshet.core;

import static io.freshet.core.internal.CompiledLayout.K_COUNT;
import static io.freshet.core.internal.CompiledLayout.K_DECAYED_COUNT;
import static io.freshet.core.internal.CompiledLayout.K_DECAYED_SUM;
import static io.freshet.core.internal.CompiledLayout.K_DISTINCT;
import static io.freshet.core.internal.CompiledLayout.K_FIRST_SEEN;
import static io.freshet.core.internal.CompiledLayout.K_LAST_N;
import static io.freshet.core.internal.CompiledLayout.K_LAST_SEEN;
import static io.freshet.core.internal.CompiledLayout.K_LATEST;
import static io.freshet.core.internal.CompiledLayout.K_MAX;
import static io.freshet.core.internal.CompiledLayout.K_MEAN;
import static io.freshet.core.internal.CompiledLayout.K_MIN;
import static io.freshet.core.internal.CompiledLayout.K_SUM;
import static io.freshet.core.internal.CompiledLayout.NO_EPOCH;
import static io.freshet.core.internal.CompiledLayout.NO_TIME;
import static io.freshet.core.internal.CompiledLayout.ROW_LAST_APPLY_MS;
import static io.freshet.core.internal.CompiledLayout.ROW_MAX_EVENT_TIME_MS;

import io.freshet.core.internal.CompiledLayout;
import io.freshet.core.internal.Fingerprint;
import io.freshet.core.spi.RowBuffer;

/**
 * Applies events of one feature set to rows, in two phases so that a row is never left half-updated:
 * {@link #prepare} runs every user extractor and filter and validates the event without touching any row (a
 * throwing extractor or a rejected event leaves the store as it was); {@link #applyPrepared} then mutates the row
 * with no user code involved.
 *
 * <p>Threading: one instance per writer thread (it holds the prepared event's values). Allocation: none after
 * construction. No locks. Obtain one from {@link FeatureSet#newApplier()}.
 *
 * @param <E> the event type
 */
public final class RowApplier<E> {
    /** The event was applied to every feature it passed the filter of. */
    public static final int APPLIED = 0;
    /** Applied, but at least one windowed feature dropped it as late (older than its oldest live tile). */
    public static final int APPLIED_LATE = 1;
    /** Prepared and ready for {@link #applyPrepared}. */
    public static final int PREPARED = 0;
    /** Rejected: event time is negative. */
    public static final int REJECTED_NEGATIVE_TIME = -1;
    /** Rejected: event time is further ahead of the applying clock than the set's future skew. */
    public static final int REJECTED_FUTURE = -2;
    /** Rejected: a value extractor returned NaN or an infinity. */
    public static final int REJECTED_NON_FINITE = -3;

    private final CompiledLayout l;
    private final long futureSkewMs;
    private final int[] stored;
    private final boolean[] pass;
    private final double[] values;
    private final long[] ids;
    private long preparedTimeMs = NO_TIME;
    /** Cache of {@code epochTimeMs / epochTileMs} for {@link #tileFor}: windows of a set often share a tile size. */
    private long epochTimeMs = NO_TIME;
    private long epochTileMs;
    private long epoch;
    /** Cache of {@code Math.exp(expArg)}: decayed features of a set often share the argument. */
    private double expArg = Double.NaN;
    private double expValue = Double.NaN;

    RowApplier(CompiledLayout layout, long futureSkewMs) {
        this.l = layout;
        this.futureSkewMs = futureSkewMs;
        this.stored = layout.stored;
        this.pass = new boolean[stored.length];
        this.values = new double[stored.length];
        this.ids = new long[stored.length];
    }

    /**
     * Runs the extractors and filters and validates the event. Exceptions from user code propagate unchanged and
     * leave nothing prepared.
     *
     * @param event the event
     * @param eventTimeMs its event time (from {@link FeatureSet#eventTimeOf})
     * @param nowMs the applying clock
     * @return {@link #PREPARED} or a negative {@code REJECTED_} code
     */
    public int prepare(E event, long eventTimeMs, long nowMs) {
        preparedTimeMs = NO_TIME;
        if (eventTimeMs < 0) {
            return REJECTED_NEGATIVE_TIME;
        }
        if (eventTimeMs - futureSkewMs > nowMs) {
            return REJECTED_FUTURE;
        }
        for (int k = 0; k < stored.length; k++) {
            int i = stored[k];
            boolean p = l.filters[i] == null || l.filters[i].test(event);
            pass[k] = p;
            if (p) {
                if (l.valueFns[i] != null) {
                    double v = l.valueFns[i].applyAsDouble(event);
                    if (Double.isNaN(v) || Double.isInfinite(v)) {
                        return REJECTED_NON_FINITE;
                    }
                    values[k] = v;
                }
                if (l.idFns[i] != null) {
                    ids[k] = l.idFns[i].applyAsLong(event);
                }
            }
        }
        preparedTimeMs = eventTimeMs;
        return PREPARED;
    }

    /** SHIM (replaced at merge): copies the prepared filter bits, values and ids out. */
    public void exportPrepared(boolean[] passOut, double[] valuesOut, long[] idsOut) {
        System.arraycopy(pass, 0, passOut, 0, stored.length);
        System.arraycopy(values, 0, valuesOut, 0, stored.length);
        System.arraycopy(ids, 0, idsOut, 0, stored.length);
    }

    /** SHIM (replaced at merge): makes an exported prepared event the prepared one again. */
    public void importPrepared(boolean[] passIn, double[] valuesIn, long[] idsIn, long eventTimeMs) {
        System.arraycopy(passIn, 0, pass, 0, stored.length);
        System.arraycopy(valuesIn, 0, values, 0, stored.length);
        System.arraycopy(idsIn, 0, ids, 0, stored.length);
        preparedTimeMs = eventTimeMs;
    }

    /** @return the event time of the prepared event */
    public long preparedEventTimeMs() {
        return preparedTimeMs;
    }

    /**
     * Applies the prepared event to a row (existing, or initialised by the store).
     *
     * @param row the row to mutate
     * @param nowMs the applying clock
     * @return {@link #APPLIED} or {@link #APPLIED_LATE}
     * @throws IllegalStateException when nothing is prepared
     */
    public int applyPrepared(RowBuffer row, long nowMs) {
        final long t = preparedTimeMs;
        if (t == NO_TIME) {
            throw new IllegalStateException("no event prepared: call prepare() and check it returned PREPARED");
        }
        preparedTimeMs = NO_TIME;
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
                    accumulate(row, i, acc, values[k], ids[k]);
                    break;
            }
            if (t > featureTime) {
                row.putLong(off, t);
            }
        }
        return result;
    }

    /**
     * Prepares and applies in one call.
     *
     * @param event the event
     * @param eventTimeMs its event time
     * @param row the row
     * @param nowMs the applying clock
     * @return an {@code APPLIED} code, or a negative {@code REJECTED_} code with the row untouched
     */
    public int apply(E event, long eventTimeMs, RowBuffer row, long nowMs) {
        int r = prepare(event, eventTimeMs, nowMs);
        return r < 0 ? r : applyPrepared(row, nowMs);
    }

    /** Returns the offset of the accumulator for time t, advancing the ring; -1 when t is late. */
    private int tileFor(RowBuffer row, int i, int off, long t) {
        final int n = l.tiles[i];
        final long tileMs = l.tileMs[i];
        if (t != epochTimeMs || tileMs != epochTileMs) {
            epochTimeMs = t;
            epochTileMs = tileMs;
            epoch = t / tileMs;
        }
        final long e = epoch;
        final long maxEpoch = row.getLong(off + 8);
        final int base = off + 16;
        final int accBytes = l.accBytes[i];
        if (maxEpoch == NO_EPOCH) {
            row.putLong(off + 8, e);
        } else if (e > maxEpoch) {
            // Tiles the ring moves over are expired: reset them now, at most n of them. One modulo, then a wrapping
            // index: a row idle for a whole window resets all n tiles, and a 64-bit division per tile cost more
            // than the resets themselves.
            final long first = Math.max(maxEpoch + 1, e - n + 1);
            int tile = (int) (first % n);
            for (long left = e - first; left >= 0; left--) {
                l.resetAccumulator(row, i, base + tile * accBytes);
                if (++tile == n) {
                    tile = 0;
                }
            }
            row.putLong(off + 8, e);
        } else if (e <= maxEpoch - n) {
            return -1;
        }
        return base + (int) (e % n) * accBytes;
    }

    private void accumulate(RowBuffer row, int i, int acc, double v, long id) {
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
                final int p = l.param[i];
                final long h = Fingerprint.mix64(id);
                final int register = (int) (h >>> (64 - p));
                final byte rank = (byte) (Long.numberOfLeadingZeros((h << p) | (1L << (p - 1))) + 1);
                if (rank > row.getByte(acc + register)) {
                    row.putByte(acc + register, rank);
                }
                break;
            default:
                throw new IllegalStateException("not an accumulator kind: " + l.kinds[i]);
        }
    }

    private void applyDecayed(RowBuffer row, int off, double decayPerMs, long refTime, long t, double w) {
        if (refTime == NO_TIME) {
            row.putDouble(off + 8, w);
        } else if (t >= refTime) {
            row.putDouble(off + 8, row.getDouble(off + 8) * exp(-(t - refTime) * decayPerMs) + w);
        } else {
            row.putDouble(off + 8, row.getDouble(off + 8) + w * exp(-(refTime - t) * decayPerMs));
        }
    }

    /** Math.exp, remembered for the last argument (the same function of the same value: identical results). */
    private double exp(double arg) {
        if (arg != expArg) {
            expArg = arg;
            expValue = Math.exp(arg);
        }
        return expValue;
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
}
