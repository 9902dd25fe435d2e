package io.freshet.core.internal.kernel;

/**
 * SHIM (replaced at merge): an event prepared by {@link EventPreparer}, ready for {@link RowWriteKernel}.
 *
 * <p>Threading: written by one thread, handed over with a release/acquire edge. Allocation: none after construction.
 */
public final class PreparedEvent {
    /** Per stored feature: whether the event passed its filter. */
    public final boolean[] pass;
    /** Per stored feature: the extracted value. */
    public final double[] values;
    /** Per stored feature: the extracted id. */
    public final long[] ids;
    /** The event time, ms. */
    public long timeMs;

    /** @param capacity stored features of the widest set carried ({@link Kernels#preparedCapacity}) */
    public PreparedEvent(int capacity) {
        pass = new boolean[capacity];
        values = new double[capacity];
        ids = new long[capacity];
    }

    /** @return the prepared event's time, ms */
    public long eventTimeMs() {
        return timeMs;
    }
}
