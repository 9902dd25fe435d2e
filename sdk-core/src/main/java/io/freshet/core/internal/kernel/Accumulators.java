package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.kernel.CompiledLayout.K_COUNT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_DISTINCT;
import static io.freshet.core.internal.kernel.CompiledLayout.K_FIRST_SEEN;
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
import static io.freshet.core.internal.kernel.CompiledLayout.ROW_MAX_EVENT_TIME_MS;

import io.freshet.core.spi.RowBuffer;

/**
 * The aggregate kinds' accumulators (count, sum, min, max, mean, distinct, moments) at rest: their identity and the
 * empty row built from them ({@link RowWriteKernel} folds values in, on the row's base and address). The layout of an
 * accumulator is in {@link CompiledLayout}.
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
                case K_VARIANCE:
                case K_STDDEV:
                case K_QUANTILE:
                case K_TOP_K:
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
            case K_VARIANCE:
            case K_STDDEV:
            case K_QUANTILE:
            case K_TOP_K:
                row.setZero(acc, l.accBytes[i]);
                break;
            default:
                row.putLong(acc, 0);
                break;
        }
    }
}
