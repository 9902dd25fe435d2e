package io.freshet.core.spi;

/**
 * The single writer of one shard of a {@link RowStore}. An apply is {@code begin} → mutate {@link #row()} →
 * {@code commit}; the store keeps an undo image so that a process killed at any instruction restarts with the row
 * and the applied offset either both before or both after the apply (exactly-once effect per record).
 *
 * <p>Threading: one thread at a time per shard (the shard's applier); never shared. Allocation: none per apply.
 * Readers of the store never block this writer.
 */
public interface ShardWriter {
    /** {@link #begin} succeeded: mutate {@link #row()}, then {@link #commit()}. */
    int BEGIN_OK = 0;
    /** The record's offset is at or below the shard's applied offset for its partition: skip it. */
    int BEGIN_DUPLICATE = 1;
    /** The key is new and the store is full: nothing changed. */
    int BEGIN_FULL = 2;
    /** {@link #delete} removed the key's row (and advanced the offset). */
    int DELETED = 3;
    /** {@link #delete} found no row for the key; the offset advanced as for any applied record. */
    int DELETE_ABSENT = 4;
    /** Offset of a partition the shard has never applied. */
    long NO_OFFSET = -1;
    /** Topic index for applies that track no offset (tests, manual loads). */
    int NO_SOURCE = -1;

    /** @return the shard this writer owns */
    int shard();

    /**
     * Starts applying one record to a numeric key; creates and initialises the row when the key is new.
     *
     * @param key entity key
     * @param topicIndex from {@link RowStore#topicIndex(String)}, or {@link #NO_SOURCE}
     * @param partition Kafka partition
     * @param offset the record's offset
     * @return {@link #BEGIN_OK}, {@link #BEGIN_DUPLICATE} or {@link #BEGIN_FULL}
     */
    int begin(long key, int topicIndex, int partition, long offset);

    /**
     * Text-key variant of {@link #begin(long, int, int, long)}.
     *
     * @param key entity key, at most the store's key length in UTF-8 bytes
     * @param topicIndex topic index or {@link #NO_SOURCE}
     * @param partition Kafka partition
     * @param offset the record's offset
     * @return a {@code BEGIN_} code
     * @throws IllegalArgumentException when the key is too long or not valid UTF-16
     */
    int begin(CharSequence key, int topicIndex, int partition, long offset);

    /**
     * Deletes the key's row, consuming one record (a tombstone) or none ({@link #NO_SOURCE}: a delete asked for by
     * the application). One step under the undo protocol: the store records the row's image first, so that a process
     * killed at any instruction restarts with the row present and the offset not advanced, or the row gone and the
     * offset advanced; never a mix. The freed slot is reused by later inserts; a read afterwards finds no row.
     * A delete with {@link #NO_SOURCE} that a kill interrupts is rolled back (its caller never saw it complete).
     * Never with an apply in flight.
     *
     * @param key entity key
     * @param topicIndex from {@link RowStore#topicIndex(String)}, or {@link #NO_SOURCE}
     * @param partition Kafka partition
     * @param offset the tombstone's offset
     * @return {@link #DELETED}, {@link #DELETE_ABSENT} or {@link #BEGIN_DUPLICATE} (offset already applied: nothing
     *     changed)
     */
    int delete(long key, int topicIndex, int partition, long offset);

    /**
     * Text-key variant of {@link #delete(long, int, int, long)}.
     *
     * @param key entity key, at most the store's key length in UTF-8 bytes
     * @param topicIndex topic index or {@link #NO_SOURCE}
     * @param partition Kafka partition
     * @param offset the tombstone's offset
     * @return {@link #DELETED}, {@link #DELETE_ABSENT} or {@link #BEGIN_DUPLICATE}
     * @throws IllegalArgumentException when the key is too long or not valid UTF-16
     */
    int delete(CharSequence key, int topicIndex, int partition, long offset);

    /** @return the row being applied, valid between a successful {@code begin} and {@code commit}/{@code abort} */
    RowBuffer row();

    /** Publishes the mutated row and advances the applied offset. */
    void commit();

    /** Restores the row as it was before {@code begin} (removing it if it was new); the offset does not move. */
    void abort();

    /**
     * @param topicIndex topic index
     * @param partition partition
     * @return the last offset this shard applied (or skipped past) in that partition, or {@link #NO_OFFSET}
     */
    long appliedOffset(int topicIndex, int partition);

    /**
     * Moves the applied offset without changing a row: for records this shard skips (bad records under a skip
     * policy) and for progress markers (every record of the partition below the offset was routed elsewhere).
     * Never moves the offset backwards.
     *
     * @param topicIndex topic index
     * @param partition partition
     * @param offset the new applied offset
     */
    void advanceOffset(int topicIndex, int partition, long offset);

    /**
     * Reads, without changing anything, the memory that {@link #begin(long, int, int, long)} of this key will read
     * first (e.g. its index entry and row), so that a caller applying a batch can call it for several keys before
     * applying any and let their cache misses overlap. Purely a performance hint: correct code never depends on it.
     * Writer thread only; allocates nothing. An engine without such a hint returns 0.
     *
     * @param key a numeric key of this shard
     * @return a value of the memory read: the caller must consume it (e.g. fold it into a field) so that the JIT
     *     keeps the reads
     */
    default long touch(long key) {
        return 0;
    }

    /**
     * Evicts rows of this shard whose last update is older than {@code nowMs - ttlMs}, scanning at most
     * {@code maxSlots} slots from where the last call stopped (so that eviction is incremental).
     *
     * @param nowMs applying clock
     * @param ttlMs time to live
     * @param maxSlots scan budget
     * @return number of rows evicted
     */
    int evictIdle(long nowMs, long ttlMs, int maxSlots);

    /**
     * Does upkeep that the engine otherwise does a little of on each apply, and that a shard receiving no applies
     * would never get: the table engine copies rows into its grown layout here, so that a growth finishes even when
     * one shard is idle (or its set is paused because another shard is full). Appliers call it when they have
     * nothing to apply. Writer thread only, never with an apply in flight; allocates nothing.
     *
     * @param budget most rows to handle
     * @return work done (0 when nothing needed doing)
     */
    default int maintain(int budget) {
        return 0;
    }
}
