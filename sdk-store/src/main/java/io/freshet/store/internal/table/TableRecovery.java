package io.freshet.store.internal.table;

import static io.freshet.core.internal.Memory.MEMORY;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.store.internal.MetaFile;
import io.freshet.store.internal.UndoRecovery;
import io.freshet.store.internal.UndoSlots;
import java.lang.invoke.VarHandle;

/**
 * The table engine's side of undo recovery: {@link UndoRecovery} decides per shard, this class restores or deletes
 * the row in the shard's sub-table, under the same odd/even version step and index publication an apply uses.
 * Every step is idempotent, so a kill during it re-runs it at the next open.
 *
 * <p>Used by the opening thread only, before any writer or reader of this process touches the shards.
 */
final class TableRecovery implements UndoRecovery.Rows {
    private final Shard[] shards;
    private final UndoSlots undo;
    private final UndoRecovery decision;
    private final int rowBytes;
    private final RowBuffer row = new RowBuffer();
    /** Applies rolled back (rows restored or removed), for {@code RowStore.rolledBackApplies}. */
    private int rolledBack;
    /** Per shard: whether an apply was rolled back, and its key (for {@link #isRolledBackKey}). */
    private final boolean[] keyRolledBack;
    private final long[] rolledBackLongKey;
    private final byte[][] rolledBackTextKey;
    private final int[] rolledBackTextKeyLength;

    TableRecovery(Shard[] shards, MetaFile meta, boolean textKeys, int rowBytes) {
        this.shards = shards;
        this.undo = meta.undo();
        this.decision = new UndoRecovery(meta, textKeys);
        this.rowBytes = rowBytes;
        this.keyRolledBack = new boolean[shards.length];
        this.rolledBackLongKey = new long[shards.length];
        this.rolledBackTextKey = new byte[shards.length][];
        this.rolledBackTextKeyLength = new int[shards.length];
    }

    /**
     * Rolls back the apply a killed writer left in flight in one shard; its undo slot stays as it is until
     * {@link #clearUndo}, so that a kill before then re-runs the roll-back (idempotent).
     */
    void rollBackInFlightApply(Shard s) {
        int outcome = decision.rollBack(s.id, this);
        if (outcome == UndoRecovery.RESTORED || outcome == UndoRecovery.DELETED) {
            rolledBack++;
        }
    }

    /** Clears a shard's undo slot once its roll-back and what depends on it are done. */
    void clearUndo(Shard s) {
        if (undo.active(s.id) || undo.advancing(s.id)) {
            undo.clear(s.id);
        }
    }

    /**
     * @param shard the shard number
     * @param s a generation's sub-table of that shard
     * @param slot a slot of it
     * @return whether the slot holds the key of the apply this recovery rolled back in that shard
     */
    boolean isRolledBackKey(int shard, Shard s, long slot) {
        return keyRolledBack[shard] && s.slotHoldsKey(slot, rolledBackLongKey[shard], rolledBackTextKey[shard],
            rolledBackTextKeyLength[shard]);
    }

    private void noteKey(int shard, long longKey, byte[] textKey, int textKeyLength) {
        keyRolledBack[shard] = true;
        rolledBackLongKey[shard] = longKey;
        rolledBackTextKey[shard] = textKey == null ? null : java.util.Arrays.copyOf(textKey, textKeyLength);
        rolledBackTextKeyLength[shard] = textKeyLength;
    }

    /** @return applies rolled back so far */
    int rolledBack() {
        return rolledBack;
    }

    private static long hash(long longKey, byte[] textKey, int textKeyLength) {
        return textKey != null ? Utf8.hash(textKey, textKeyLength) : Keys.hash(longKey);
    }

    private static long find(Shard s, long longKey, byte[] textKey, int textKeyLength, long hash) {
        return textKey != null ? s.findText(textKey, textKeyLength, hash) : s.findLong(longKey, hash);
    }

    @Override
    public void restore(int shard, long longKey, byte[] textKey, int textKeyLength, RowBuffer image) {
        noteKey(shard, longKey, textKey, textKeyLength);
        Shard s = shards[shard];
        long hash = hash(longKey, textKey, textKeyLength);
        long p = find(s, longKey, textKey, textKeyLength, hash);
        long slot = p >= 0 ? s.slotAt(p) : s.allocate();
        long a = s.slotAddress(slot);
        long va = s.versionAddress(slot);
        long v = MEMORY.getLong(s.versionMem(), va) | 1;
        MEMORY.putLong(s.versionMem(), va, v);
        VarHandle.releaseFence();
        if (p < 0) {
            if (textKey != null) {
                s.putTextKey(a, textKey, textKeyLength);
            } else {
                MEMORY.putLong(s.rowMem(), a + TableFormat.S_KEY, longKey);
            }
        }
        row.wrap(s.rowMem(), a + s.rowOffset, rowBytes).copyFrom(image, rowBytes);
        if (s.rowChecks) {
            // The image is not under the undo record's check: its own check word, copied from the slot when the
            // apply began, proves it before it is served again.
            long want = undo.imageCheck(shard);
            if (s.computeCheck(a) != want) {
                throw new StoreException(Reason.CORRUPT, undo.path(), "undo slot of shard=" + shard + " holds a row "
                    + "image (for " + s.describeKey(slot) + ") that fails its row check: damaged while the store was "
                    + "down; delete the store directory to rebuild it from Kafka");
            }
            s.putCheck(a, want);
        }
        MEMORY.putLongRelease(s.versionMem(), va, v + 1);
        if (p < 0) {
            s.publish(-p - 1, s.entry(hash, slot));
        }
    }

    @Override
    public void delete(int shard, long longKey, byte[] textKey, int textKeyLength) {
        noteKey(shard, longKey, textKey, textKeyLength);
        Shard s = shards[shard];
        long p = find(s, longKey, textKey, textKeyLength, hash(longKey, textKey, textKeyLength));
        if (p >= 0) {
            long slot = s.slotAt(p);
            s.deleteAt(p);
            if (s.rowChecks) {
                s.clearCheck(slot);
            }
        }
    }
}
