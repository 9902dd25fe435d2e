package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.kernel.CompiledLayout.NO_TIME;

/**
 * Runs a set's filters and value/id extractors (user code) and validates the event; one instance per consumer thread
 * per set. This is the first half of an apply: it touches no row, so a throwing extractor or a rejected event leaves
 * the store as it was, and user code never runs on the thread that writes rows. {@link RowWriteKernel} is the second
 * half.
 *
 * <p>Validation order (and so which code wins when several apply): negative time, then future time, then each stored
 * feature in declaration order, where a non-finite value rejects the event. Allocation: none. Obtain one from
 * {@link Kernels#newPreparer}.
 *
 * @param <E> the event type
 */
public final class EventPreparer<E> {
    /** Prepared and ready for {@link RowWriteKernel#apply}. */
    public static final int PREPARED = 0;
    /** Rejected: event time is negative. */
    public static final int REJECTED_NEGATIVE_TIME = -1;
    /** Rejected: event time is further ahead of the preparing clock than the set's future skew. */
    public static final int REJECTED_FUTURE = -2;
    /** Rejected: a value extractor returned NaN or an infinity. */
    public static final int REJECTED_NON_FINITE = -3;

    private final CompiledLayout l;
    private final long futureSkewMs;
    private final int[] stored;
    private final CategoryLayout categories;
    private final int capacity;

    EventPreparer(CompiledLayout layout, long futureSkewMs) {
        this.l = layout;
        this.futureSkewMs = futureSkewMs;
        this.stored = layout.stored;
        this.categories = layout.categories;
        this.capacity = layout.categories.preparedCapacity;
    }

    /**
     * Runs the extractors and filters and validates the event. Exceptions from user code propagate; {@code into} is
     * then not prepared (nor is it after a rejection).
     *
     * @param event the event
     * @param eventTimeMs its event time (from {@code FeatureSet.eventTimeOf})
     * @param nowMs the preparing clock, epoch ms
     * @param into the caller's prepared event, of at least {@link Kernels#preparedCapacity} of this set
     * @return {@link #PREPARED} or a negative {@code REJECTED_} code
     */
    public int prepare(E event, long eventTimeMs, long nowMs, PreparedEvent into) {
        into.eventTimeMs = NO_TIME;
        if (eventTimeMs < 0) {
            return REJECTED_NEGATIVE_TIME;
        }
        if (eventTimeMs - futureSkewMs > nowMs) {
            return REJECTED_FUTURE;
        }
        final boolean[] pass = into.pass;
        final double[] values = into.values;
        final long[] ids = into.ids;
        if (pass.length < capacity) {
            throw new IllegalArgumentException("prepared event capacity=" + pass.length + " < preparedCapacity="
                + capacity + " of this set");
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
                } else if (categories.textFns[i] != null) {
                    CharSequence text = categories.textFns[i].apply(event);
                    if (text == null) {
                        // No value: the feature skips the event, as when its filter fails.
                        pass[k] = false;
                        continue;
                    }
                    CategoryWriter.prepare(categories.categories[i], text, ids, values, k,
                        categories.preparedWord[i], categories.words[i]);
                }
            }
        }
        into.eventTimeMs = eventTimeMs;
        return PREPARED;
    }
}
