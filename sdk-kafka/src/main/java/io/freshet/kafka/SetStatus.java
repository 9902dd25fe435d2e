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
        /**
         * Waiting for room: a record's new key found its shard of the store full. Nothing is skipped or
         * dead-lettered, whatever the source's bad-record policy: the record waits, the partitions feeding its
         * applier pause (their offsets stay where the store has them) and reads keep being served (they carry
         * CATCHING_UP). The set resumes by itself once there is room: rows expire (the set's TTL), are deleted, or
         * the store grows. {@link #storeRows()} and {@link #storeCapacity()} say how full it is, {@link #reason()}
         * which shard waits.
         */
        STORE_FULL,
        /** Not running: not started, closed, or stopped by an error ({@link #reason()}). */
        DOWN
    }

    private final State state;
    private final long lagRecords;
    private final String reason;
    private final long storeRows;
    private final long storeCapacity;

    SetStatus(State state, long lagRecords, String reason, long storeRows, long storeCapacity) {
        this.state = state;
        this.lagRecords = lagRecords;
        this.reason = reason;
        this.storeRows = storeRows;
        this.storeCapacity = storeCapacity;
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

    /** @return why the set is DOWN or STORE_FULL, or null */
    public String reason() {
        return reason;
    }

    /** @return rows in the set's store now, -1 when unknown (the store is not open) */
    public long storeRows() {
        return storeRows;
    }

    /** @return the store's capacity in rows, -1 when unknown */
    public long storeCapacity() {
        return storeCapacity;
    }

    @Override
    public String toString() {
        switch (state) {
            case CATCHING_UP:
                return "CATCHING_UP(lag=" + lagRecords + ")";
            case DOWN:
                return "DOWN(" + reason + ")";
            case STORE_FULL:
                return "STORE_FULL(rows=" + storeRows + ", capacity=" + storeCapacity + ", lag=" + lagRecords + ")";
            default:
                return "RUNNING";
        }
    }
}
