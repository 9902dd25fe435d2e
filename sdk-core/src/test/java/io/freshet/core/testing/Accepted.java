package io.freshet.core.testing;

import java.util.Comparator;

/** One event as a feature of the {@link ReferenceModel} accepted it. */
final class Accepted {
    /** Orders accepted events by (event time, arrival): the last is the newest. */
    static final Comparator<Accepted> NEWEST_LAST =
        Comparator.comparingLong((Accepted a) -> a.timeMs).thenComparingLong(a -> a.arrival);

    final long timeMs;
    final long arrival;
    final double value;
    long id;
    /** A categorical feature's stored value, and whether it was a miss (cut, or outside the dictionary). */
    String text;
    boolean miss;

    Accepted(long timeMs, long arrival, double value, long id) {
        this.timeMs = timeMs;
        this.arrival = arrival;
        this.value = value;
        this.id = id;
    }
}
