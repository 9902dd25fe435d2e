package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.kernel.CompiledLayout.K_COUNT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DISTINCT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_FIRST_SEEN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MAX;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MEAN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_MIN;
import static io.freshet.core.internal.kernel.CompiledLayout.K_SUM;
import static io.freshet.core.internal.kernel.CompiledLayout.NO_EPOCH;
import static io.freshet.core.internal.kernel.CompiledLayout.NO_TIME;
import static io.freshet.core.internal.kernel.CompiledLayout.ROW_MAX_EVENT_TIME_MS;

import io.freshet.core.spi.RowBuffer;

/**
 * The write side of the aggregate kinds' accumulators (count, sum, min, max, mean, distinct): their identity, one
 * value folded in, and the empty row built from them. The layout of an accumulator is in {@link CompiledLayout}.
 *
 * <p>Stateless and allocation-free; called by the writer of the row.
 */
public final class Accumulators {
    private Accumulators() {
    }

    /**
     * Writes the empty state of every feature into a zeroed or recycled row.
     *
     * @param l the layout
     * @param row the row
     */
    public static void initRow(CompiledLayout l, RowBuffer row) {
        row.setZero(0, l.rowSizeBytes);
        row.putLong(ROW_MAX_EVENT_TIME_MS, NO_TIME);
        for (int i : l.stored) {
            int off = l.offset[i];
            row.putLong(off, NO_TIME);
            switch (l.kind[i]) {
                case K_FIRST_SEEN:
                    row.putLong(off + 8, Long.MAX_VALUE);
                    break;
                case K_COUNT:
                case K_SUM:
                case K_MIN:
                case K_MAX:
                case K_MEAN:
                case K_DISTINCT:
                    if (l.tiles[i] == 0) {
                        reset(l, row, i, off + 8);
                    } else {
                        row.putLong(off + 8, NO_EPOCH);
                        for (int t = 0; t < l.tiles[i]; t++) {
                            reset(l, row, i, l.tileOffset[i] + t * l.accBytes[i]);
                        }
                        if (l.suffixOffset[i] >= 0) {
                            for (int t = 0; t < l.tiles[i]; t++) {
                                reset(l, row, i, l.suffixOffset[i] + t * l.accBytes[i]);
                            }
                        }
                    }
                    break;
                default:
                    break;
            }
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
    static void reset(CompiledLayout l, RowBuffer row, int i, int acc) {
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
    static void combine(CompiledLayout l, RowBuffer row, int i, int dst, int a, int b) {
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
    static void copy(CompiledLayout l, RowBuffer row, int i, int dst, int src) {
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
    static void accumulate(CompiledLayout l, RowBuffer row, int i, int acc, double v, long id) {
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
                HyperLogLog.add(row, acc, l.param[i], id);
                break;
            default:
                throw new IllegalStateException("not an accumulator kind: " + l.kinds[i]);
        }
    }
}
