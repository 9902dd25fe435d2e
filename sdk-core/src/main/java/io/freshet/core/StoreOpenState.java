package io.freshet.core;

/** How a store was found when it was opened. */
public enum StoreOpenState {
    /** No store existed; a new empty one was created. */
    CREATED,
    /** The store was closed cleanly last time; no recovery was needed. */
    CLEAN,
    /** The last process did not close it (killed); recovery ran and rolled back at most one apply per shard. */
    RECOVERED,
    /**
     * Opened read-only while a writer (another process, or another store object in this JVM) has the store open: the
     * rows are live, not as of a clean close, and were not verified against a seal.
     */
    LIVE_WRITER
}
