package io.freshet.kafka.internal;

/**
 * Whether one feature set counts as RUNNING or CATCHING_UP, with hysteresis, so that a set under steady load does
 * not flip between the two whenever a lag refresh happens to see a record in flight.
 *
 * <p>The rule:
 * <ul>
 *   <li>CATCHING_UP → RUNNING when an observation finds the set fully caught up: every consumer's last lag
 *       refresh saw lag 0 on every assigned partition and nothing paused, the summed lag is 0, and every hand-off
 *       queue is empty (the strict test {@code awaitCaughtUp} also uses).</li>
 *   <li>RUNNING → CATCHING_UP when the lag is unknown (no assignment yet, or the broker silent past the fetch
 *       silence bound) — at once; or when every observation for at least {@code graceNs} found the lag above
 *       {@code toleranceRecords} — a set that keeps up with its input shows a small lag that returns to it, one
 *       that falls behind shows a lag that stays high.</li>
 * </ul>
 * Observations are made by every {@code status()} call and by each consumer thread after its lag refresh (every
 * 200 ms), so the grace is measured to within one refresh interval.
 *
 * <p>Threading: any thread; the methods are synchronized (status queries, a few per second, never the record
 * path). Allocation: none.
 */
public final class StatusTracker {
    private final long toleranceRecords;
    private final long graceNs;
    private boolean running;
    /** When the current unbroken run of observations above the tolerance began ({@code System.nanoTime()}). */
    private long aboveSinceNs;
    private boolean above;

    /**
     * @param toleranceRecords lag a RUNNING set may show without leaving RUNNING, records, ≥ 0
     * @param graceNs how long the lag must stay above the tolerance before the set leaves RUNNING, ns, ≥ 0
     */
    public StatusTracker(long toleranceRecords, long graceNs) {
        if (toleranceRecords < 0 || graceNs < 0) {
            throw new IllegalArgumentException("toleranceRecords=" + toleranceRecords + " graceNs=" + graceNs
                + ": both must be >= 0");
        }
        this.toleranceRecords = toleranceRecords;
        this.graceNs = graceNs;
    }

    /**
     * Takes one observation and answers with the state it leads to.
     *
     * @param fullyCaughtUp the strict test: last lag refreshes all 0, nothing paused, queues empty
     * @param lagRecords summed lag of the set's partitions, -1 when unknown
     * @param nowNs {@link System#nanoTime()}
     * @return true for RUNNING, false for CATCHING_UP
     */
    public synchronized boolean observe(boolean fullyCaughtUp, long lagRecords, long nowNs) {
        if (!running) {
            if (fullyCaughtUp && lagRecords == 0) {
                running = true;
                above = false;
            }
            return running;
        }
        if (lagRecords < 0) {
            running = false;
            above = false;
            return false;
        }
        if (lagRecords <= toleranceRecords) {
            above = false;
            return true;
        }
        if (!above) {
            above = true;
            aboveSinceNs = nowNs;
        }
        if (nowNs - aboveSinceNs >= graceNs) {
            running = false;
            above = false;
        }
        return running;
    }

    /** Forgets RUNNING (the pipeline stopped or was closed): the next observation must find it caught up again. */
    public synchronized void reset() {
        running = false;
        above = false;
    }
}
