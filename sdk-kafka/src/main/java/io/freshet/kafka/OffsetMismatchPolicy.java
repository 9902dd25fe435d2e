package io.freshet.kafka;

/** What {@code start()} does when a store's offsets do not belong to the cluster/topic it now reads. */
public enum OffsetMismatchPolicy {
    /** Refuse to start with an {@link OffsetMismatchException} that says what differs. The default. */
    FAIL,
    /**
     * Delete the store and rebuild it from the log start. Only for stores the pipeline opens itself
     * ({@code register(set, engine, config, ...)}). A log-start gap found later, at a rebalance, still fails.
     */
    REBUILD
}
