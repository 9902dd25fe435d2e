package io.freshet.kafka;

/**
 * The state of one feature set in a pipeline at one moment. Immutable.
 */
public final class SetStatus {
    /** The state. */
    public enum State {
        /**
         * Keeping up: the set was fully caught up (lag 0 on every assigned partition) and its lag has not stayed
         * above the builder's {@code runningLagTolerance} for longer than its grace since (see
         * {@code FeaturePipeline.Builder.runningLagTolerance}).
         */
        RUNNING,
        /** Behind its sources by {@link #lagRecords()} records (-1 while unknown); reads carry CATCHING_UP. */
        CATCHING_UP,
        /** Not running: not started, closed, or stopped by an error ({@link #reason()}). */
        DOWN
    }

    private final State state;
    private final long lagRecords;
    private final String reason;

    SetStatus(State state, long lagRecords, String reason) {
        this.state = state;
        this.lagRecords = lagRecords;
        this.reason = reason;
    }

    /** @return the state */
    public State state() {
        return state;
    }

    /**
     * @return records not yet consumed over the set's assigned partitions as of the last lag refresh (≤ 200 ms old;
     *     may be above 0 while RUNNING, within the tolerance), -1 when unknown
     */
    public long lagRecords() {
        return lagRecords;
    }

    /** @return why the set is DOWN, or null */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        switch (state) {
            case CATCHING_UP:
                return "CATCHING_UP(lag=" + lagRecords + ")";
            case DOWN:
                return "DOWN(" + reason + ")";
            default:
                return "RUNNING";
        }
    }
}
