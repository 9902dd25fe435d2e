package io.freshet.core.internal.kernel;

import io.freshet.core.RowApplier;

/**
 * SHIM (replaced at merge): runs a set's user extractors and filters into a {@link PreparedEvent}, through today's
 * {@link RowApplier#prepare}.
 *
 * <p>Threading: one instance per thread. Allocation: none.
 *
 * @param <E> the event type
 */
public final class EventPreparer<E> {
    /** Prepared. */
    public static final int PREPARED = RowApplier.PREPARED;
    /** Rejected: negative event time. */
    public static final int REJECTED_NEGATIVE_TIME = RowApplier.REJECTED_NEGATIVE_TIME;
    /** Rejected: event time too far in the future. */
    public static final int REJECTED_FUTURE = RowApplier.REJECTED_FUTURE;
    /** Rejected: a value extractor returned NaN or an infinity. */
    public static final int REJECTED_NON_FINITE = RowApplier.REJECTED_NON_FINITE;

    private final RowApplier<E> applier;

    EventPreparer(RowApplier<E> applier) {
        this.applier = applier;
    }

    /**
     * @param event the event
     * @param eventTimeMs its event time
     * @param nowMs the applying clock
     * @param into filled when {@link #PREPARED}
     * @return {@link #PREPARED} or a negative {@code REJECTED_} code; user exceptions propagate
     */
    public int prepare(E event, long eventTimeMs, long nowMs, PreparedEvent into) {
        int r = applier.prepare(event, eventTimeMs, nowMs);
        if (r == PREPARED) {
            applier.exportPrepared(into.pass, into.values, into.ids);
            into.timeMs = eventTimeMs;
        }
        return r;
    }
}
