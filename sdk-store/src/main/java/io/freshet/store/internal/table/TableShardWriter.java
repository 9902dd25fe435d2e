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
 * <p>Growth: when the store's generation changes, the writer switches at its next {@code begin} (growState
 * MIGRATING in the new file, then supersededBy in the old one) and from then on writes only the new generation: a
 * key found only in the old shard is copied into the new one before its apply (an ordinary insert of a complete
 * row, which the undo record of the apply that follows then covers), and each begin copies up to
 * {@value #MIGRATE_ROWS_PROP_NAME} more rows in index order. The old shard is never written again. When the copy
 * cursor passes the old index's end the shard is DONE.
 *
 * <p>Threading: one thread at a time, as {@link ShardWriter} says. A begin that waits for room (a growth under way)
 * also copies rows for the other writers of the store whose last call came from the same thread, since that thread
 * cannot apply to them meanwhile; so a writer handed to another thread must get its first call there before its
 * former thread begins on another writer of the store (a pipeline never moves a writer between threads).
 * Allocation: none per apply.
 */
final class TableShardWriter implements ShardWriter {
    private static final int IDLE = 0;
    private static final int EXISTING = 1;
    private static final int NEW = 2;
    /** System property: rows copied from the old generation per begin while a shard grows. */
    static final String MIGRATE_ROWS_PROP_NAME = "freshet.table.migrateRowsPerApply";
    static final int DEFAULT_MIGRATE_ROWS = 16;
    /** System property: longest wait of a full shard for a growth under way that makes no progress, in ms. */
    static final String GROWTH_WAIT_PROP_NAME = "freshet.table.growthWaitMs";
    static final long DEFAULT_GROWTH_WAIT_MS = 2000;
    private static final int MIGRATE_WHILE_WAITING = 256;

    private final TableStore store;
    /**
     * Loaded with the writer: C2 does not inline a call whose signature names a class that is not loaded yet, and
     * the snapshot job's class is otherwise loaded only by the first snapshot, so until then every apply's poll of
     * the job ({@link TableStore#snapshotJob}) would be a real call.
     */
    private static final Class<?> SNAPSHOT_JOB_TYPE = TableSnapshot.class;

    private final int id;
    private final int migrateRows;
    private final long growthWaitNs;
    private Shard shard;
    /** The previous generation's shard while this one copies it, else null. */
    private Shard old;
    private TableGeneration seen;
    private long migrateCursor;
    /** Rows of {@link #old} not yet in {@link #shard}: the copy still needs that much room. */
    private long oldPending;
    /** Rows (new and still-to-copy) at which this shard asks the store to grow. */
    private long growAt;
    private final UndoSlots undo;
    private final OffsetTable offsets;
    private final RowLayout layout;
    private final boolean textKeys;
    private final int maxKeyBytes;
    private final byte[] keyBytes;
    private final RowBuffer row = new RowBuffer();
    private final RowBuffer undoView = new RowBuffer();

    private int state = IDLE;
    /** The thread of the last begin or upkeep (writer thread's plain write; read by that same thread elsewhere). */
    private Thread owner;
    private long slotAddress;
    private long versionAddress;
    private long slot;
    private long emptyPosition;
    private int newEntry;
    private long version;
    private int topicIndex;
    private int partition;
    private long offset;
    /** The applied-offset entry of the last (topic, partition) this writer looked up ({@link #offsetEntry}). */
    private long offsetEntry;
    private int entryTopic = NO_SOURCE;
    private int entryPartition = -1;
    private long evictCursor;
    /** The snapshot this writer last joined (or null), compared with the store's at each call. */
    private TableSnapshot snapshotJob;
    /** This shard's copy while its snapshot runs, else null. */
    private ShardSnapshot snapshot;
    private final int snapshotRows;

    TableShardWriter(TableStore store, TableGeneration gen, int id, MetaFile meta, RowLayout layout,
        int maxKeyBytes) {
        this.store = store;
        this.id = id;
        this.migrateRows = Math.max(1, Integer.getInteger(MIGRATE_ROWS_PROP_NAME, DEFAULT_MIGRATE_ROWS));
        this.growthWaitNs = Long.getLong(GROWTH_WAIT_PROP_NAME, DEFAULT_GROWTH_WAIT_MS) * 1_000_000L;
        this.snapshotRows = Math.max(1, Integer.getInteger(TableSnapshot.ROWS_PER_APPLY_PROP_NAME,
            TableSnapshot.DEFAULT_ROWS_PER_APPLY));
        this.undo = meta.undo();
        this.offsets = meta.offsets();
        this.layout = layout;
        this.textKeys = layout.keyType() == KeyType.TEXT;
        this.maxKeyBytes = maxKeyBytes;
        this.keyBytes = new byte[Math.max(1, maxKeyBytes)];
        adopt(gen);
    }

    /**
     * Takes the shard of a generation as it stands (opener, or this writer between applies): switches from the old
     * generation when the shard has not yet started growing, resumes the copy when it is migrating.
     */
    private void adopt(TableGeneration g) {
        seen = g;
        Shard next = g.shards[id];
        if (g.previous == null) {
            shard = next;
            old = null;
            oldPending = 0;
        } else {
            Shard prev = g.previous.shards[id];
            long state = next.growState();
            if (state == TableFormat.GROW_NOT_STARTED) {
                if (snapshot != null) {
                    // The rows are about to move to the grown file, where slots differ: the copy cannot wait.
                    snapshot.copyAll();
                    snapshot = null;
                }
                // Before the first byte of the new shard changes: readers of this process then look in the new
                // shard first, and readers of others learn from the old shard that the rows moved.
                next.recordMigration(0, prev.count());
                next.setGrowState(TableFormat.GROW_MIGRATING);
                prev.markSuperseded(g.number);
                shard = next;
                old = prev;
                migrateCursor = 0;
                // The new shard is empty: every old row is still to copy (no scan on the apply thread).
                oldPending = prev.count();
            } else if (state == TableFormat.GROW_MIGRATING) {
                // Opener resuming after a close or a kill: the cursor is durable, the count of rows still to copy
                // is recounted (a key applied before the kill may have been copied ahead of the cursor).
                prev.markSuperseded(g.number);
                shard = next;
                old = prev;
                migrateCursor = next.migrateCursor();
                oldPending = countPending(prev, next, migrateCursor);
                next.recordMigration(migrateCursor, oldPending);
            } else {
                shard = next;
                old = null;
                oldPending = 0;
            }
        }
        growAt = store.growAt(shard.slots);
    }

    /** Rows of the old shard at or after the cursor whose keys the new one lacks (exact, at a switch or an open). */
    private static long countPending(Shard prev, Shard next, long cursor) {
        long n = 0;
        for (long p = cursor; p < prev.entries; p++) {
            int e = prev.entryAt(p);
            if (e != 0) {
                long slot = prev.slotOf(e);
                if (next.findKeyOf(prev, slot, prev.hashOfSlot(slot)) < 0) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Upkeep on behalf of the thread that last used this writer, while that thread waits for room in another shard
     * (so no apply of this writer is in flight: a thread runs one call at a time).
     *
     * @return rows handled
     */
    int maintainFor(Thread caller, int budget) {
        return owner == caller ? maintain(budget) : 0;
    }

    @Override
    public int maintain(int budget) {
        if (state != IDLE || store.isClosed()) {
            return 0;
        }
        owner = Thread.currentThread();
        pollSnapshot();
        if (store.generation() != seen) {
            adopt(store.generation());
        }
        int work = old == null ? 0 : Math.max(1, migrateSome(budget));
        if (snapshot != null && budget > 0) {
            work += copyForSnapshot(budget);
        }
        return work;
    }

    /**
     * Joins or leaves the store's snapshot at an apply boundary: one volatile read and a compare while none runs
     * (the store publishes a job once, and withdraws it when done or cancelled).
     */
    private void pollSnapshot() {
        TableSnapshot job = store.snapshotJob();
        if (job != snapshotJob) {
            switchSnapshot(job);
        }
    }

    private void switchSnapshot(TableSnapshot job) {
        releaseSnapshot();
        snapshotJob = job;
        if (job != null) {
            snapshot = job.startShard(id, shard, old != null, offsets);
        }
    }

    /** Leaves an unfinished snapshot (withdrawn, or the store closes): never touches its target again. */
    void releaseSnapshot() {
        if (snapshot != null) {
            snapshot.release();
            snapshot = null;
        }
    }

    private int copyForSnapshot(int rows) {
        int n = snapshot.copySome(rows);
        if (snapshot.finished()) {
            snapshot = null;
        }
        return Math.max(1, n);
    }

    /**
     * Copies up to {@code rows} rows of the old shard, in index order; finishes the shard's growth at the end.
     *
     * @return rows handled (copied, or found already copied)
     */
    private int migrateSome(int rows) {
        final Shard from = old;
        long p = migrateCursor;
        long end = from.entries;
        int copied = 0;
        // Empty positions cost a load each; bound them too, so one begin never scans a long empty run.
        for (long scanned = 0; copied < rows && p < end && scanned < 8L * rows; scanned++, p++) {
            int e = from.entryAt(p);
            if (e == 0) {
                continue;
            }
            long slot = from.slotOf(e);
            long hash = from.hashOfSlot(slot);
            long q = shard.findKeyOf(from, slot, hash);
            if (q < 0) {
                shard.copyIn(from, slot, hash, q);
                oldPending--;
            }
            copied++;
        }
        migrateCursor = p;
        shard.recordMigration(p, oldPending);
        if (GrowthStep.hook != null && copied > 0 && p < end) {
            GrowthStep.reached(GrowthStep.COPYING);
        }
        if (p >= end) {
            shard.setGrowState(TableFormat.GROW_DONE);
            old = null;
            oldPending = 0;
            store.shardGrown(id);
        }
        return copied;
    }

    /** Copies every row the old shard still has (tools; the opener when it finishes a growth). */
    void migrateAll() {
        checkIdle();
        if (store.generation() != seen) {
            adopt(store.generation());
        }
        while (old != null) {
            migrateSome(1 << 16);
        }
    }

    /** A new key needs a slot, and every row of the old shard not yet copied needs one too. */
    private boolean noRoomForNewKey() {
        return shard.count() + oldPending >= shard.slots;
    }

    /**
     * The shard is full for a new key while a growth is under way (its next file still being written, or rows of
     * this or another shard still being copied): waits for room, copying this shard's rows meanwhile, for as long as
     * the growth makes progress (a file of GBs takes seconds to write; the wait ends after
     * {@value #GROWTH_WAIT_PROP_NAME} ms without progress, or when growth cannot make room). Rare by design (growth
     * starts at the fill threshold): it turns the full spell of a store that fills faster than its next file is
     * written into a pause of this shard instead of a refusal. Nothing is recorded yet, so the caller begins again
     * from the look-up.
     *
     * @return whether there is room now
     */
    private boolean waitForRoom() {
        long progress = store.growthProgress();
        long progressAtNs = System.nanoTime();
        while (true) {
            if (store.generation() != seen) {
                adopt(store.generation());
            }
            if (old != null) {
                migrateSome(MIGRATE_WHILE_WAITING);
            }
            if (!noRoomForNewKey()) {
                return true;
            }
            // A growth is retired only when every shard copied its rows: shards this thread also writes get no apply
            // while it waits here, so it does their copying.
            store.maintainWritersOf(Thread.currentThread(), this, MIGRATE_WHILE_WAITING);
            // After one growth was retired, the next one (still needed: this shard is full) starts here.
            store.requestGrowth(seen);
            long now = System.nanoTime();
            if (store.growthProgress() != progress) {
                progress = store.growthProgress();
                progressAtNs = now;
            }
            if (!store.growthUnderWay() || now - progressAtNs > growthWaitNs) {
                return false;
            }
            Thread.yield();
        }
    }

    private void maybeAskToGrow() {
        if (shard.count() + oldPending >= growAt) {
            store.requestGrowth(seen);
        }
    }

    @Override
    public int shard() {
        return id;
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
        owner = Thread.currentThread();
        if (textKeys) {
            throw new IllegalArgumentException("the store has TEXT keys: call begin(CharSequence, ...)");
        }
        if (topicIndex != NO_SOURCE && offset <= offsets.getAt(offsetEntry(topicIndex, partition))) {
            return BEGIN_DUPLICATE;
        }
        // The common case (an existing key, no snapshot, growth or migration under way) runs straight through; the
        // rest is in methods of its own, to keep the path between two applies' row misses short: the CPU overlaps
        // them only while an apply's instructions fit its reorder window (TableApplyFloor).
        if (upkeepDue()) {
            upkeep();
        }
        long hash = Keys.hash(key);
        long p = shard.findLong(key, hash);
        if (p < 0) {
            return beginAbsent(key, hash, p, topicIndex, partition, offset);
        }
        beginExisting();
        undo.record(shard.id, topicIndex, partition, offset, key, null, 0, row);
        makeOdd();
        remember(topicIndex, partition, offset);
        return BEGIN_OK;
    }

    /** The long-key begin of a key the current shard lacks: copied from the old one while migrating, or new. */
    private int beginAbsent(long key, long hash, long p, int topicIndex, int partition, long offset) {
        if (old != null) {
            long q = old.findLong(key, hash);
            if (q >= 0) {
                p = copyFromOld(old.foundSlot(), hash, p);
            }
        }
        if (p >= 0) {
            beginExisting();
            undo.record(shard.id, topicIndex, partition, offset, key, null, 0, row);
            makeOdd();
        } else {
            maybeAskToGrow();
            if (noRoomForNewKey()) {
                return waitForRoom() ? begin(key, topicIndex, partition, offset) : BEGIN_FULL;
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

    /**
     * @return whether a snapshot was published or withdrawn, the store grew, or this writer has rows to migrate or
     *     to copy for a snapshot: what {@link #upkeep} does at an apply boundary (two volatile reads and two plain
     *     ones while none is under way)
     */
    private boolean upkeepDue() {
        return store.snapshotJob() != snapshotJob || store.generation() != seen || old != null || snapshot != null;
    }

    /** Joins or leaves a snapshot, adopts a grown generation, and migrates or copies a bounded number of rows. */
    private void upkeep() {
        pollSnapshot();
        if (store.generation() != seen) {
            adopt(store.generation());
        }
        if (old != null) {
            migrateSome(migrateRows);
        }
        if (snapshot != null) {
            copyForSnapshot(snapshotRows);
        }
    }

    /**
     * The applied-offset entry of a partition, looked up again only when the partition differs from the last
     * call's (an applier takes the records of a partition in runs).
     */
    private long offsetEntry(int topicIndex, int partition) {
        if (topicIndex != entryTopic || partition != entryPartition) {
            offsetEntry = offsets.entryAddress(id, topicIndex, partition);
            entryTopic = topicIndex;
            entryPartition = partition;
        }
        return offsetEntry;
    }

    @Override
    public long touch(long key) {
        return textKeys ? 0 : shard.touch(Keys.hash(key));
    }

    @Override
    public int begin(CharSequence key, int topicIndex, int partition, long offset) {
        store.checkOpen();
        checkIdle();
        owner = Thread.currentThread();
        if (!textKeys) {
            throw new IllegalArgumentException("the store has LONG keys: call begin(long, ...)");
        }
        int len = encodeTextKey(key);
        long prev = NO_OFFSET;
        if (topicIndex != NO_SOURCE) {
            prev = offsets.get(shard.id, topicIndex, partition);
            if (offset <= prev) {
                return BEGIN_DUPLICATE;
            }
        }
        upkeep();
        long hash = Utf8.hash(keyBytes, len);
        long p = shard.findText(keyBytes, len, hash);
        if (p < 0 && old != null) {
            long q = old.findText(keyBytes, len, hash);
            if (q >= 0) {
                p = copyFromOld(old.foundSlot(), hash, p);
            }
        }
        if (p >= 0) {
            beginExisting();
            undo.record(shard.id, topicIndex, partition, offset, 0, keyBytes, len, row);
            makeOdd();
        } else {
            maybeAskToGrow();
            if (noRoomForNewKey()) {
                return waitForRoom() ? begin(key, topicIndex, partition, offset) : BEGIN_FULL;
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

    /** Encodes a text key into {@code keyBytes} (begin and delete). @return its length in UTF-8 */
    private int encodeTextKey(CharSequence key) {
        int len = Keys.encodeUtf8(key, keyBytes);
        if (len < 0 || len > maxKeyBytes) {
            throw new IllegalArgumentException("key of length=" + key.length() + " exceeds maxKeyBytes=" + maxKeyBytes
                + " in UTF-8: create the store with a larger maxKeyBytes (at most 256)");
        }
        return len;
    }

    @Override
    public int delete(long key, int topicIndex, int partition, long offset) {
        store.checkOpen();
        checkIdle();
        owner = Thread.currentThread();
        if (textKeys) {
            throw new IllegalArgumentException("the store has TEXT keys: call delete(CharSequence, ...)");
        }
        if (topicIndex != NO_SOURCE && offset <= offsets.get(shard.id, topicIndex, partition)) {
            return BEGIN_DUPLICATE;
        }
        if (store.generation() != seen) {
            adopt(store.generation());
        }
        long hash = Keys.hash(key);
        if (old != null && old.findLong(key, hash) >= 0) {
            finishCopy();
        }
        long p = shard.findLong(key, hash);
        if (p < 0) {
            return deleteAbsent(topicIndex, partition, offset);
        }
        beginExisting();
        undo.record(shard.id, topicIndex, partition, offset, key, null, 0, row);
        return deleteRecorded(p, topicIndex, partition, offset);
    }

    @Override
    public int delete(CharSequence key, int topicIndex, int partition, long offset) {
        store.checkOpen();
        checkIdle();
        owner = Thread.currentThread();
        if (!textKeys) {
            throw new IllegalArgumentException("the store has LONG keys: call delete(long, ...)");
        }
        int len = encodeTextKey(key);
        if (topicIndex != NO_SOURCE && offset <= offsets.get(shard.id, topicIndex, partition)) {
            return BEGIN_DUPLICATE;
        }
        if (store.generation() != seen) {
            adopt(store.generation());
        }
        long hash = Utf8.hash(keyBytes, len);
        if (old != null && old.findText(keyBytes, len, hash) >= 0) {
            finishCopy();
        }
        long p = shard.findText(keyBytes, len, hash);
        if (p < 0) {
            return deleteAbsent(topicIndex, partition, offset);
        }
        beginExisting();
        undo.record(shard.id, topicIndex, partition, offset, 0, keyBytes, len, row);
        return deleteRecorded(p, topicIndex, partition, offset);
    }

    /**
     * A delete of a key the old generation's shard still holds: readers fall back to the old shard while this one
     * migrates, and the copy would bring the key back, so this shard's copy is finished first (its growState DONE:
     * readers no longer look in the old shard). A pause of one shard's remaining rows, once per growth at most.
     */
    private void finishCopy() {
        while (old != null) {
            migrateSome(1 << 16);
        }
    }

    /** The key has no row: the tombstone is consumed like any applied record. */
    private int deleteAbsent(int topicIndex, int partition, long offset) {
        if (topicIndex != NO_SOURCE) {
            advanceOffset(topicIndex, partition, offset);
        }
        return DELETE_ABSENT;
    }

    /**
     * The undo record (with the row's image, as for an apply to an existing key) is published: removes the index
     * entry by backward shift (logged, so recovery finishes a shift a kill interrupted, then puts the row back from
     * the image unless the offset shows the delete completed), zeroes the freed slot, advances the offset, clears the
     * record and zeroes its key and image (privacy: nothing of the entity stays behind once the delete completed).
     */
    private int deleteRecorded(long p, int topicIndex, int partition, long offset) {
        shard.deleteAt(p);
        // Released, and reused by nobody but this thread: its bytes go now, not when a new key takes the slot. A kill
        // from here on is rolled back from the undo image (recovery re-inserts the row) until the offset is stored.
        shard.wipeSlot(slot);
        if (old != null) {
            shard.publishRowsWhileGrowing(oldPending);
        }
        if (topicIndex != NO_SOURCE) {
            offsets.put(shard.id, topicIndex, partition, offset);
        }
        undo.clear(shard.id);
        undo.wipe(shard.id);
        state = IDLE;
        return DELETED;
    }

    /**
     * Copies the row of the key being applied from the old shard (it was counted in oldPending, so it has room).
     *
     * @return its index position in the new shard ({@code shard.foundSlot()} is its slot)
     */
    private long copyFromOld(long oldSlot, long hash, long negativePosition) {
        long p = shard.copyIn(old, oldSlot, hash, negativePosition);
        oldPending--;
        shard.recordMigration(migrateCursor, oldPending);
        return p;
    }

    private void beginExisting() {
        slot = shard.foundSlot();
        if (snapshot != null) {
            snapshot.beforeChange(slot);
        }
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
        if (shard.rowChecks) {
            // Before the version goes even, the entry is published and the offset stored: after a kill, a slot whose
            // apply's offset is stored (or whose new entry is published) has its check (ShardIndexScan).
            shard.writeCheck(slotAddress);
        }
        MEMORY.putLongRelease(shard.versionMem(), versionAddress, version + 1);
        if (state == NEW) {
            shard.publish(emptyPosition, newEntry);
            if (old != null) {
                shard.publishRowsWhileGrowing(oldPending);
            }
        }
        if (topicIndex != NO_SOURCE) {
            offsets.putAt(offsetEntry(topicIndex, partition), offset);
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
        pollSnapshot();
        if (store.generation() != seen) {
            adopt(store.generation());
        }
        if (old != null) {
            // While the shard grows the old shard must stay as it was (readers may still look there): the eviction
            // budget goes to the copy instead, and idle rows are evicted from the new shard once it is done.
            migrateSome(maxSlots);
            return 0;
        }
        int evicted = 0;
        long p = evictCursor % shard.entries;
        for (int scanned = 0; scanned < maxSlots; scanned++) {
            if (shard.entryAt(p) != 0) {
                long a = shard.slotAddress(shard.slotAt(p));
                long last = MEMORY.getLong(shard.rowMem(), a + shard.rowOffset + CompiledLayout.ROW_LAST_APPLY_MS);
                if (nowMs - last > ttlMs) {
                    long evictedSlot = shard.slotAt(p);
                    if (shard.rowChecks) {
                        // No slot without an entry may carry a check that holds, not even for the instant after the
                        // removal (the open would take it for a key whose entry was damaged away).
                        shard.markEvicting(evictedSlot);
                    }
                    // The entry that shifts into p is examined next, so p does not advance.
                    shard.deleteAt(p);
                    if (shard.rowChecks) {
                        // The row stays until the slot is reused (as before), but no longer passes as a named row.
                        shard.clearCheck(evictedSlot);
                    }
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
