package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.kernel.CompiledLayout.NO_TIME;

/**
 * One event's extracted values: filled on the consumer thread by {@link EventPreparer}, read on the applier thread by
 * {@link RowWriteKernel}. Pre-allocated and reused (carried by a hand-off slot); the hand-off's release/acquire
 * publishes it, so its fields are plain.
 *
 * <p>Values are indexed by stored feature (the k-th stored feature of the set), which is why one instance can carry
 * events of several sets: its capacity is the largest {@link Kernels#preparedCapacity} among them. Allocation: none
 * after construction.
 */
public final class PreparedEvent {
    /** Event time of the prepared event, or {@link CompiledLayout#NO_TIME} when nothing is prepared. */
    long eventTimeMs = NO_TIME;
    /** Per stored feature: whether the event passed its filter. */
    final boolean[] pass;
    /** Per stored feature: the extracted value (valid when it passed and the kind has a value extractor). */
    final double[] values;
    /** Per stored feature: the extracted id (valid when it passed and the kind has an id extractor). */
    final long[] ids;

    /** @param capacity at least Kernels.preparedCapacity(set) for every set whose events it will carry */
    public PreparedEvent(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity=" + capacity + " < 0");
        }
        this.pass = new boolean[capacity];
        this.values = new double[capacity];
        this.ids = new long[capacity];
    }

    /** @return the prepared event's time, ms */
    public long eventTimeMs() {
        return eventTimeMs;
    }
}
