package io.freshet.store.internal;

import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.ShardWriter;

/**
 * The one decision recovery makes per shard after its writer was killed (DESIGN.md, "Crash safety without replaying
 * Kafka"), for every engine, after {@link MetaFile#checkAfterKill()} has checked the slots and the applied offsets. An
 * idle undo slot: nothing was in flight. An offset advance in flight changed no row. An active slot whose record's
 * offset is the partition's applied offset: the apply completed (the offset moves only at commit, after the row) and
 * the row stays. Otherwise the apply is rolled back: the key's row goes back to the slot's image when the key existed
 * before (re-inserted if it is gone), and is deleted when the key was new. The engine does the row work through {@link
 * Rows}; the slot stays active, so that a kill during the roll-back re-runs it (every step is idempotent), and the
 * caller clears it once the roll-back is durable by its engine's rules.
 *
 * <p>Internal. Used by one opening thread; allocates its key and view once per open.
 */
public final class UndoRecovery {
    /** {@link #rollBack} outcome: the slot was idle. */
    public static final int IDLE = 0;
    /** {@link #rollBack} outcome: the apply (or offset advance) had completed; no row changed. */
    public static final int COMPLETED = 1;
    /** {@link #rollBack} outcome: the row got its old image back. */
    public static final int RESTORED = 2;
    /** {@link #rollBack} outcome: the key, new in the apply, was deleted. */
    public static final int DELETED = 3;

    /** What an engine does to its rows when an apply is rolled back. Called by the opening thread only. */
    public interface Rows {
        /**
         * Gives a key its row image back, inserting the key when it is absent.
         *
         * @param shard the shard
         * @param longKey the numeric key (numeric key type)
         * @param textKey the UTF-8 key (text key type), else null
         * @param textKeyLength its length
         * @param image the row before the apply (a view of the undo slot)
         */
        void restore(int shard, long longKey, byte[] textKey, int textKeyLength, RowBuffer image);

        /**
         * Deletes a key if present.
         *
         * @param shard the shard
         * @param longKey the numeric key (numeric key type)
         * @param textKey the UTF-8 key (text key type), else null
         * @param textKeyLength its length
         */
        void delete(int shard, long longKey, byte[] textKey, int textKeyLength);
    }

    private final UndoSlots undo;
    private final OffsetTable offsets;
    private final byte[] textKey;
    private final RowBuffer image = new RowBuffer();

    /**
     * @param meta the store's meta file
     * @param textKeys whether keys are text
     */
    public UndoRecovery(MetaFile meta, boolean textKeys) {
        this.undo = meta.undo();
        this.offsets = meta.offsets();
        this.textKey = textKeys ? new byte[Math.max(1, meta.geometry().maxKeyBytes)] : null;
    }

    /**
     * Decides about one shard's undo slot and rolls its apply back through {@code rows} when it did not complete.
     * Leaves the slot as it is. Call {@link MetaFile#checkAfterKill()} first.
     *
     * @param shard the shard
     * @param rows the engine's row operations
     * @return {@link #IDLE}, {@link #COMPLETED}, {@link #RESTORED} or {@link #DELETED}
     */
    public int rollBack(int shard, Rows rows) {
        if (undo.advancing(shard)) {
            return COMPLETED;
        }
        if (!undo.active(shard)) {
            return IDLE;
        }
        int topic = undo.topic(shard);
        if (topic != ShardWriter.NO_SOURCE && offsets.get(shard, topic, undo.partition(shard)) == undo.offset(shard)) {
            return COMPLETED;
        }
        long longKey = 0;
        int keyLength = 0;
        if (textKey != null) {
            keyLength = undo.keyBytes(shard, textKey);
        } else {
            longKey = undo.longKey(shard);
        }
        if (undo.existed(shard)) {
            rows.restore(shard, longKey, textKey, keyLength, undo.rowImage(shard, image));
            return RESTORED;
        }
        rows.delete(shard, longKey, textKey, keyLength);
        return DELETED;
    }
}
