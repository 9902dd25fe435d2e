package io.freshet.kafka;

/**
 * The state of one feature set in a pipeline at one moment. Immutable.
 */
public final class SetStatus {
    /** The state. */
    public enum State {
        /** Every assigned partition has been applied up to its end (lag 0). */
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

    /** @return records not yet applied over the set's assigned partitions, -1 when unknown */
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
