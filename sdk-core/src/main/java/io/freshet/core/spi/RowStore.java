package io.freshet.core.spi;

import io.freshet.core.StoreException;
import io.freshet.core.StoreOpenState;

/**
 * The store SPI: one fixed-size row per entity key for one feature set, split into shards that each have a single
 * writer, with the applied Kafka offsets of each shard kept beside the rows. Engines live in {@code sdk-store}
 * (and {@link InMemoryRowStore} here, for tests); every engine passes the same contract test.
 *
 * <p>Threading: {@code readRow}, {@code shardOf}, {@code size} and {@code appliedOffset} may be called from any
 * thread at any time and never block a writer; {@link #writer(int)} hands each shard's writer to one thread.
 * Reads are allocation-free and never return a torn row.
 */
public interface RowStore extends AutoCloseable {
    /** @return the layout the store was opened with */
    RowLayout layout();

    /** @return how the store was found at open */
    StoreOpenState openState();

    /** @return number of shards (fixed at creation) */
    int shardCount();

    /**
     * @param key numeric key
     * @return the shard that owns it
     */
    int shardOf(long key);

    /**
     * @param key text key
     * @return the shard that owns it
     */
    int shardOf(CharSequence key);

    /**
     * Copies a consistent image of the key's row.
     *
     * @param key numeric key
     * @param into a row of at least {@code layout().rowSizeBytes()} bytes
     * @return false when the key has no row (nothing copied)
     */
    boolean readRow(long key, RowBuffer into);

    /**
     * Text-key variant of {@link #readRow(long, RowBuffer)}.
     *
     * @param key text key
     * @param into target row
     * @return false when absent (or the key is longer than the store's key length)
     */
    boolean readRow(CharSequence key, RowBuffer into);

    /**
     * Shows the key's row to a visitor in place, when the engine can do so without a copy: the visitor reads only the
     * parts of the row it needs (a served read of a large row touches a few cache lines, not all of them). The
     * default copies a consistent image into {@link RowVisitor#copyTarget()} and visits that once.
     *
     * @param key numeric key
     * @param visitor the reader; see {@link RowVisitor} for what it must tolerate
     * @return false when the key has no row (the visitor was not called)
     */
    default boolean readRow(long key, RowVisitor visitor) {
        RowBuffer copy = visitor.copyTarget();
        if (!readRow(key, copy)) {
            return false;
        }
        visitor.visit(copy);
        return true;
    }

    /**
     * Text-key variant of {@link #readRow(long, RowVisitor)}.
     *
     * @param key text key
     * @param visitor the reader
     * @return false when absent (or the key is longer than the store's key length)
     */
    default boolean readRow(CharSequence key, RowVisitor visitor) {
        RowBuffer copy = visitor.copyTarget();
        if (!readRow(key, copy)) {
            return false;
        }
        visitor.visit(copy);
        return true;
    }

    /**
     * Reads ahead, changing nothing, the memory that {@link #readRow(long, RowBuffer)} of {@code keys[from]} to
     * {@code keys[from + count - 1]} will read (all their index entries first, then all their rows), so that a caller
     * reading a batch lets the batch's cache misses overlap instead of following one another. A hint: correct code
     * never depends on it. Thread-safe like {@code readRow}; allocates nothing. An engine without such a hint returns
     * 0.
     *
     * @param keys numeric keys
     * @param from index of the first key
     * @param count number of keys
     * @return a value of the memory read: the caller must consume it (compare it, fold it into a result) so that the
     *     JIT keeps the reads
     */
    default long prefetchRows(long[] keys, int from, int count) {
        return 0;
    }

    /**
     * Text-key variant of {@link #prefetchRows(long[], int, int)}.
     *
     * @param keys text keys
     * @param from index of the first key
     * @param count number of keys
     * @return a value of the memory read, to be consumed
     */
    default long prefetchRows(CharSequence[] keys, int from, int count) {
        return 0;
    }

    /**
     * @param shard shard index
     * @return its writer; the caller's thread becomes its only user
     */
    ShardWriter writer(int shard);

    /** @return number of rows */
    long size();

    /** @return maximum number of rows */
    long capacity();

    /**
     * Returns the stable index of a topic in the store's offset table, registering it on first use.
     *
     * @param topic topic name
     * @return its index
     * @throws StoreException when the offset table is full
     */
    int topicIndex(String topic);

    /**
     * @param shard shard
     * @param topicIndex topic index
     * @param partition partition
     * @return the shard's applied offset, or {@link ShardWriter#NO_OFFSET}
     */
    long appliedOffset(int shard, int topicIndex, int partition);

    /**
     * @param key metadata key (e.g. {@code kafka.cluster.id})
     * @return the value, or null
     */
    String metadata(String key);

    /**
     * Stores a small string durably beside the offsets (cluster id, topic ids).
     *
     * @param key metadata key
     * @param value value
     */
    void putMetadata(String key, String value);

    /**
     * The newest {@link RowLayout#lastApplyMs} of any row: when the store was last applied to. For tools (the store
     * CLI's {@code inspect}): an engine that can say scans its rows, so the cost grows with the store; never call it
     * on a hot path. A value read while a writer applies may be a moment old.
     *
     * @return epoch ms; 0 when no row was ever applied to; -1 when the engine cannot say (the default)
     */
    default long newestApplyMs() {
        return -1;
    }

    /**
     * Copies a consistent snapshot of this store, open for writing and live, into a new store directory: every row
     * as of an apply boundary of its shard's writer, plus exactly the applied offsets of that boundary, so a store
     * opened on the copy (same definition and options) resumes from them instead of replaying the topics. The writers
     * keep applying meanwhile and do the copying themselves (as they apply, and in {@link ShardWriter#maintain} when
     * idle): call it from another thread while they run. The calling thread waits until the copy is complete and
     * sealed. A copy that did not finish is deleted, or (after a kill) refused by every open.
     *
     * @param target an absent or empty directory
     * @return rows copied
     * @throws UnsupportedOperationException when the engine cannot (the default)
     * @throws io.freshet.core.StoreException when the target is not empty, the store closes meanwhile, or the copy
     *     stalls
     */
    default long snapshotTo(java.nio.file.Path target) {
        throw new UnsupportedOperationException("the store engine of set=" + layout().setName() + " cannot snapshot "
            + "a live store: use the table engine (StoreEngines.table(), the default) for sets you snapshot");
    }

    /**
     * How many applies a killed writer left in flight that this open rolled back (at most one per shard), for the
     * operator's record of a recovery (the pipeline's JFR event {@code io.freshet.StoreOpen}).
     *
     * @return the count; 0 when the store was not recovered; -1 when the engine cannot say (the default)
     */
    default int rolledBackApplies() {
        return -1;
    }

    /** Flushes, marks a clean shutdown and releases the files. Idempotent. */
    @Override
    void close();
}
