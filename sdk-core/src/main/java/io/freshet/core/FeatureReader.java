package io.freshet.core;

import io.freshet.core.spi.RowStore;
import java.util.Objects;

/**
 * Reads feature vectors of one set from a store, evaluated at the clock's "now": the model-serving hot path.
 *
 * <p>Threading: thread-safe; any number of threads may read at once, each into its own vector, and never block the
 * store's writers. Allocation: none per read. The status a read reports is FRESH, STALE (older than the set's
 * {@code staleAfter}), CATCHING_UP (while the feeding pipeline says so) or MISSING. Obtain one from
 * {@code FeaturePipeline.reader(set)} or use {@link FeatureTestDriver}'s.
 */
public final class FeatureReader {
    private final FeatureSet<?> set;
    private final RowStore store;
    private final EpochClock clock;
    private final long staleAfterMs;
    private final KeyType keyType;
    private volatile boolean catchingUp;

    /** Readers come from the pipeline ({@code FeaturePipeline.reader(set)}) or {@link FeatureTestDriver}. */
    FeatureReader(FeatureSet<?> set, RowStore store, EpochClock clock) {
        this.set = Objects.requireNonNull(set, "set can't be null");
        this.store = Objects.requireNonNull(store, "store can't be null");
        this.clock = Objects.requireNonNull(clock, "clock can't be null");
        this.staleAfterMs = set.staleAfterMs();
        this.keyType = set.keyType();
        if (store.layout().fingerprint() != set.fingerprint()) {
            throw new IllegalArgumentException("store fingerprint=" + Long.toHexString(store.layout().fingerprint())
                + " != set=" + set.name() + " fingerprint=" + Long.toHexString(set.fingerprint()));
        }
    }

    /**
     * @param key numeric entity key
     * @param into the caller's vector of this set
     * @return true when the key has a row
     * @throws IllegalArgumentException when the set has a TEXT key, or the vector is of another set
     */
    public boolean read(long key, FeatureVector into) {
        check(into, KeyType.LONG);
        into.prepareRead(clock.nowMs(), staleAfterMs);
        return finish(into, store.readRow(key, into.evaluator));
    }

    /**
     * @param key text entity key
     * @param into the caller's vector of this set
     * @return true when the key has a row
     * @throws IllegalArgumentException when the set has a LONG key, or the vector is of another set
     */
    public boolean read(CharSequence key, FeatureVector into) {
        check(into, KeyType.TEXT);
        into.prepareRead(clock.nowMs(), staleAfterMs);
        return finish(into, store.readRow(key, into.evaluator));
    }

    /**
     * The store evaluated the row into the vector where it lies (see {@link FeatureVector#evaluator}); marks the
     * vector missing when there was none.
     */
    private boolean finish(FeatureVector into, boolean found) {
        if (!found) {
            into.clearMissing(into.readTimeMs());
            return false;
        }
        if (catchingUp) {
            into.markCatchingUp();
        }
        return true;
    }

    private IllegalArgumentException wrongKeyType() {
        // A key of the other type can never match a row: failing beats reading MISSING forever.
        return new IllegalArgumentException("set=" + set.name() + " has a " + keyType + " key: read it with a "
            + (keyType == KeyType.LONG ? "long" : "CharSequence") + " key");
    }

    private void check(FeatureVector into, KeyType keyTypeOfCall) {
        if (into.featureSet() != set) {
            throw new IllegalArgumentException("vector of set=" + into.featureSet().name() + " passed to reader of set="
                + set.name());
        }
        if (keyType != keyTypeOfCall) {
            throw wrongKeyType();
        }
    }

    /**
     * Set by the pipeline that feeds the store: while true, existing rows read as CATCHING_UP.
     *
     * @param catchingUp whether the feed is behind its sources
     */
    void setCatchingUp(boolean catchingUp) {
        this.catchingUp = catchingUp;
    }

    /** @return the feature set */
    public FeatureSet<?> featureSet() {
        return set;
    }

    /** @return the store it reads (internal: see {@code CoreInternals}) */
    RowStore store() {
        return store;
    }
}
