package io.freshet.core;

/** How much a caller can trust a feature vector that was just read. */
public enum VectorStatus {
    /** The row exists and was updated within the feature set's staleness bound. */
    FRESH,
    /** The row exists but its last update is older than the feature set's staleness bound. */
    STALE,
    /** The row exists but the pipeline feeding it is still catching up with its sources. */
    CATCHING_UP,
    /** No row exists for the key (never seen, or evicted by TTL); values are empty. */
    MISSING
}
