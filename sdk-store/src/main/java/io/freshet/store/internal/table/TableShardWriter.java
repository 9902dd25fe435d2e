package io.freshet.store.internal.table;

import static io.freshet.core.internal.Memory.MEMORY;

import io.freshet.core.KeyType;
import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowLayout;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.internal.MetaFile;
import io.freshet.store.internal.OffsetTable;
import io.freshet.store.internal.UndoSlots;
import java.lang.invoke.VarHandle;

/**
 * The single writer of one shard of a {@link TableStore}, implementing the undo-slot apply protocol:
 * {@code begin} records the undo image in the meta file (published before any row byte changes), makes the slot's
 * version odd and hands out the row in place; {@code commit} makes the version even (release), publishes a new key's
 * index entry (one ordered store), advances the applied offset (release) and clears the undo slot (release).
 * A new key's slot is invisible to readers until commit, so they never wait on an insert.
 *
 * <p>Threading: one thread at a time, as {@link ShardWriter} says. Allocation: none per apply.
 */
final class TableShardWriter implements ShardWriter {
    private static final int IDLE = 0;
    private static final int EXISTING = 1;
    private static final int NEW = 2;

    private final TableStore store;
    private final Shard shard;
    private final UndoSlots undo;
    private final OffsetTable offsets;
    private final RowLayout layout;
    private final boolean textKeys;
    private final int maxKeyBytes;
    private final byte[] keyBytes;
    private final RowBuffer row = new RowBuffer();
    private final RowBuffer undoView = new RowBuffer();

    private int state = IDLE;
    private long slotAddress;
    private long versionAddress;
    private long slot;
    private long emptyPosition;
    private int newEntry;
    private long version;
    private int topicIndex;
    private int partition;
    private long offset;
    private long evictCursor;

    TableShardWriter(TableStore store, Shard shard, MetaFile meta, RowLayout layout, int maxKeyBytes) {
        this.store = store;
        this.shard = shard;
        this.undo = meta.undo();
        this.offsets = meta.offsets();
        this.layout = layout;
        this.textKeys = layout.keyType() == KeyType.TEXT;
        this.maxKeyBytes = maxKeyBytes;
        this.keyBytes = new byte[Math.max(1, maxKeyBytes)];
    }

    @Override
    public int shard() {
        return shard.id;
    }

    private void checkIdle() {
        if (state != IDLE) {
            throw new IllegalStateException("shard=" + shard.id + " has an apply in flight: commit() or abort() it "
                + "before the next begin");
        }
    }

    @Override
    public int begin(long key, int topicIndex, int partition, long offset) {
        store.checkOpen();
        checkIdle();
        if (textKeys) {
            throw new IllegalArgumentException("the store has TEXT keys: call begin(CharSequence, ...)");
        }
        long prev = NO_OFFSET;
        if (topicIndex != NO_SOURCE) {
            prev = offsets.get(shard.id, topicIndex, partition);
            if (offset <= prev) {
                return BEGIN_DUPLICATE;
            }
        }
        long hash = Keys.hash(key);
        long p = shard.findLong(key, hash);
        if (p >= 0) {
            beginExisting();
            undo.record(shard.id, topicIndex, partition, offset, key, null, 0, row);
            makeOdd();
        } else {
            if (shard.full()) {
                return BEGIN_FULL;
            }
            beginNew(p, hash);
            undo.record(shard.id, topicIndex, partition, offset, key, null, 0, null);
            makeOdd();
            MEMORY.putLong(shard.rowMem(), slotAddress + TableFormat.S_KEY, key);
            layout.initRow(row);
        }
        remember(topicIndex, partition, offset);
        return BEGIN_OK;
    }

    @Override
    public long touch(long key) {
        return textKeys ? 0 : shard.touch(Keys.hash(key));
    }

    @Override
    public int begin(CharSequence key, int topicIndex, int partition, long offset) {
        store.checkOpen();
        checkIdle();
        if (!textKeys) {
            throw new IllegalArgumentException("the store has LONG keys: call begin(long, ...)");
        }
        int len = Keys.encodeUtf8(key, keyBytes);
        if (len < 0 || len > maxKeyBytes) {
            throw new IllegalArgumentException("key of length=" + key.length() + " exceeds maxKeyBytes=" + maxKeyBytes
                + " in UTF-8: create the store with a larger maxKeyBytes (at most 256)");
        }
        long prev = NO_OFFSET;
        if (topicIndex != NO_SOURCE) {
            prev = offsets.get(shard.id, topicIndex, partition);
            if (offset <= prev) {
                return BEGIN_DUPLICATE;
            }
        }
        long hash = Utf8.hash(keyBytes, len);
        long p = shard.findText(keyBytes, len, hash);
        if (p >= 0) {
            beginExisting();
            undo.record(shard.id, topicIndex, partition, offset, 0, keyBytes, len, row);
            makeOdd();
        } else {
            if (shard.full()) {
                return BEGIN_FULL;
            }
            beginNew(p, hash);
            undo.record(shard.id, topicIndex, partition, offset, 0, keyBytes, len, null);
            makeOdd();
            shard.putTextKey(slotAddress, keyBytes, len);
            layout.initRow(row);
        }
        remember(topicIndex, partition, offset);
        return BEGIN_OK;
    }

    private void beginExisting() {
        slot = shard.foundSlot();
        slotAddress = shard.slotAddress(slot);
        versionAddress = shard.versionAddress(slot);
        row.wrap(shard.rowMem(), slotAddress + shard.rowOffset, shard.rowBytes);
        state = EXISTING;
    }

    private void beginNew(long negativePosition, long hash) {
        emptyPosition = -negativePosition - 1;
        slot = shard.allocate();
        slotAddress = shard.slotAddress(slot);
        versionAddress = shard.versionAddress(slot);
        newEntry = shard.entry(hash, slot);
        row.wrap(shard.rowMem(), slotAddress + shard.rowOffset, shard.rowBytes);
        state = NEW;
    }

    /**
     * The slot's version word odd before any byte of the slot changes (the undo record was fenced before this). The
     * word is even here: this writer is the only one of the shard, and recovery evens out what a killed one left.
     */
    private void makeOdd() {
        long v = MEMORY.getLong(shard.versionMem(), versionAddress);
        version = v | 1;
        MEMORY.putLong(shard.versionMem(), versionAddress, version);
        VarHandle.releaseFence();
    }

    private void remember(int topicIndex, int partition, long offset) {
        this.topicIndex = topicIndex;
        this.partition = partition;
        this.offset = offset;
    }

    @Override
    public RowBuffer row() {
        return row;
    }

    @Override
    public void commit() {
        if (state == IDLE) {
            throw new IllegalStateException("shard=" + shard.id + ": commit() without a successful begin");
        }
        MEMORY.putLongRelease(shard.versionMem(), versionAddress, version + 1);
        if (state == NEW) {
            shard.publish(emptyPosition, newEntry);
        }
        if (topicIndex != NO_SOURCE) {
            offsets.put(shard.id, topicIndex, partition, offset);
        }
        undo.clear(shard.id);
        state = IDLE;
    }

    @Override
    public void abort() {
        if (state == IDLE) {
            throw new IllegalStateException("shard=" + shard.id + ": abort() without a successful begin");
        }
        if (state == EXISTING) {
            undo.rowImage(shard.id, undoView);
            row.copyFrom(undoView, shard.rowBytes);
            MEMORY.putLongRelease(shard.versionMem(), versionAddress, version + 1);
        } else {
            MEMORY.putLongRelease(shard.versionMem(), versionAddress, version + 1);
            shard.release(slot);
        }
        undo.clear(shard.id);
        state = IDLE;
    }

    /** Aborts an apply left in flight (at close). */
    void abortIfInFlight() {
        if (state != IDLE) {
            abort();
        }
    }

    @Override
    public long appliedOffset(int topicIndex, int partition) {
        return offsets.get(shard.id, topicIndex, partition);
    }

    @Override
    public void advanceOffset(int topicIndex, int partition, long offset) {
        store.checkOpen();
        checkIdle();
        if (offset > offsets.get(shard.id, topicIndex, partition)) {
            // The slot names the entry while its offset and check are written (OffsetTable: torn or damaged).
            undo.recordAdvance(shard.id, topicIndex, partition, offset);
            offsets.put(shard.id, topicIndex, partition, offset);
            undo.clear(shard.id);
        }
    }

    @Override
    public int evictIdle(long nowMs, long ttlMs, int maxSlots) {
        store.checkOpen();
        checkIdle();
        int evicted = 0;
        long p = evictCursor % shard.entries;
        for (int scanned = 0; scanned < maxSlots; scanned++) {
            if (shard.entryAt(p) != 0) {
                long a = shard.slotAddress(shard.slotAt(p));
                long last = MEMORY.getLong(shard.rowMem(), a + shard.rowOffset + CompiledLayout.ROW_LAST_APPLY_MS);
                if (nowMs - last > ttlMs) {
                    // The entry that shifts into p is examined next, so p does not advance.
                    shard.deleteAt(p);
                    evicted++;
                    continue;
                }
            }
            p = p + 1 == shard.entries ? 0 : p + 1;
        }
        evictCursor = p;
        return evicted;
    }
}
