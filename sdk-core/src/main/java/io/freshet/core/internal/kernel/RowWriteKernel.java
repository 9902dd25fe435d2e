package io.freshet.core.internal.kernel;

import io.freshet.core.RowApplier;
import io.freshet.core.spi.RowBuffer;

/**
 * SHIM (replaced at merge): applies a {@link PreparedEvent} to a row through today's
 * {@link RowApplier#applyPrepared}.
 *
 * <p>Threading: one instance per writer thread. Allocation: none. No user code.
 */
public final class RowWriteKernel {
    /** Applied. */
    public static final int APPLIED = RowApplier.APPLIED;
    /** Applied, but late for at least one windowed feature. */
    public static final int APPLIED_LATE = RowApplier.APPLIED_LATE;

    private final RowApplier<?> applier;

    RowWriteKernel(RowApplier<?> applier) {
        this.applier = applier;
    }

    /**
     * @param event a prepared event
     * @param row the row
     * @param nowMs the applying clock
     * @return {@link #APPLIED} or {@link #APPLIED_LATE}
     */
    public int apply(PreparedEvent event, RowBuffer row, long nowMs) {
        applier.importPrepared(event.pass, event.values, event.ids, event.timeMs);
        return applier.applyPrepared(row, nowMs);
    }
}
