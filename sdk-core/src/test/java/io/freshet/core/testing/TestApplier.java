package io.freshet.core.testing;

import io.freshet.core.FeatureSet;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowBuffer;

/**
 * For tests that write rows themselves: a set's preparer, write kernel and the prepared event between them, run on
 * one thread (the pipeline runs the two halves on a consumer and a writer thread). Not thread-safe.
 *
 * @param <E> the event type
 */
public final class TestApplier<E> {
    private final EventPreparer<E> preparer;
    private final RowWriteKernel kernel;
    private final PreparedEvent prepared;

    private TestApplier(FeatureSet<E> set) {
        preparer = Kernels.newPreparer(set);
        kernel = Kernels.newWriteKernel(set);
        prepared = new PreparedEvent(Kernels.preparedCapacity(set));
    }

    /**
     * @param set the feature set
     * @param <E> its event type
     * @return an applier of that set
     */
    public static <E> TestApplier<E> of(FeatureSet<E> set) {
        return new TestApplier<>(set);
    }

    /**
     * @param event the event
     * @param eventTimeMs its event time
     * @param nowMs the clock
     * @return {@link EventPreparer#PREPARED} or a negative {@code REJECTED_} code
     */
    public int prepare(E event, long eventTimeMs, long nowMs) {
        return preparer.prepare(event, eventTimeMs, nowMs, prepared);
    }

    /**
     * @param row the row
     * @param nowMs the clock
     * @return {@link RowWriteKernel#APPLIED} or {@link RowWriteKernel#APPLIED_LATE}
     */
    public int applyPrepared(RowBuffer row, long nowMs) {
        return kernel.apply(prepared, row, nowMs);
    }

    /**
     * Prepares and applies in one call.
     *
     * @param event the event
     * @param eventTimeMs its event time
     * @param row the row
     * @param nowMs the clock
     * @return an {@code APPLIED} code, or a negative {@code REJECTED_} code with the row untouched
     */
    public int apply(E event, long eventTimeMs, RowBuffer row, long nowMs) {
        int r = prepare(event, eventTimeMs, nowMs);
        return r < 0 ? r : applyPrepared(row, nowMs);
    }

    /** @return the prepared event's time, or {@code FeatureVector.NO_TIME} when none is prepared */
    public long preparedEventTimeMs() {
        return prepared.eventTimeMs();
    }
}
