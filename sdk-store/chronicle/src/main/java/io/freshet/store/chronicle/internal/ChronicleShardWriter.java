package io.freshet.store.chronicle.internal;

import io.freshet.core.KeyType;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowLayout;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.StoreConfig;
import io.freshet.store.internal.MetaFile;
import io.freshet.store.internal.OffsetTable;
import io.freshet.store.internal.UndoSlots;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.hash.ChecksumEntry;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;

/**
 * The single writer of one shard of a {@link ChronicleRowStore}: {@code begin} takes the key's segment write lock and
 * keeps the query context open until {@code commit}/{@code abort}; the row is mutated in place through a
 * {@link RowBuffer} wrapped on the entry's native address (no whole-value put); {@code commit} updates Chronicle's
 * entry checksum (without it a later recovery deletes the entry), unlocks, publishes the offset, clears the undo
 * slot. Begin refuses a key of another shard. New keys are counted against the store's capacity before Chronicle
 * inserts them, so {@code BEGIN_FULL} is exact. {@link #evictIdle} scans whole segments from a per-shard cursor.
 *
 * <p>Threading: one thread at a time, as {@link ShardWriter} says. Allocation: none per apply after the thread's
 * first call.
 */
final class ChronicleShardWriter implements ShardWriter, Predicate<MapEntry<Object, byte[]>> {
    private final ChronicleRowStore store;
    private final ChronicleMap<Object, byte[]> map;
    private final UndoSlots undo;
    private final OffsetTable offsets;
    private final RowLayout layout;
    private final int rowBytes;
    private final boolean textKeys;
    private final int keyBytes;
    private final int shards;
    private final long capacity;
    private final AtomicLong rows;
    private final AtomicLong fullRefusals;
    private final int shard;
    private final byte[] key;
    private final BytesStore<?, byte[]> keyStore;
    private final KeyData keyData;
    private final byte[] blank;
    private final BytesStore<?, byte[]> blankStore;
    private final RowBuffer row = new RowBuffer();
    private final RowBuffer view = new RowBuffer();
    private ExternalMapQueryContext<Object, byte[], ?> ctx;
    private MapEntry<Object, byte[]> entry;
    /** The reader context of the thread that has the apply open (its reads must not take a bare read lock). */
    private ChronicleRowStore.ReaderContext applier;
    private boolean isNew;
    private int topicIndex;
    private int partition;
    private long offset;
    /** Set while an apply or an eviction runs, so that close waits for it. */
    volatile boolean active;
    private int evictCursor;
    private long evictCutoffMs;
    private int evictScanned;
    private int evictedNow;

    ChronicleShardWriter(ChronicleRowStore store, ChronicleMap<Object, byte[]> map, MetaFile meta, StoreConfig config,
        AtomicLong rows, AtomicLong fullRefusals, int shard) {
        this.store = store;
        this.map = map;
        this.undo = meta.undo();
        this.offsets = meta.offsets();
        this.layout = config.layout();
        this.rowBytes = layout.rowSizeBytes();
        this.textKeys = layout.keyType() == KeyType.TEXT;
        this.keyBytes = textKeys ? config.maxKeyBytes() : 8;
        this.shards = config.shards();
        this.capacity = config.capacity();
        this.rows = rows;
        this.fullRefusals = fullRefusals;
        this.shard = shard;
        this.key = new byte[keyBytes];
        this.keyStore = BytesStore.wrap(key);
        this.keyData = new KeyData(key, keyStore, !textKeys);
        this.blank = new byte[rowBytes];
        this.blankStore = BytesStore.wrap(blank);
    }

    @Override
    public int shard() {
        return shard;
    }

    @Override
    public int begin(long key, int topicIndex, int partition, long offset) {
        return beginKey(numericKey(key), key, topicIndex, partition, offset);
    }

    @Override
    public int begin(CharSequence key, int topicIndex, int partition, long offset) {
        return beginKey(textKey(key), 0, topicIndex, partition, offset);
    }

    /** Checks a numeric key belongs to this writer (begin and delete). @return the map key for it */
    private KeyData numericKey(long key) {
        if (textKeys) {
            throw new IllegalArgumentException("store of set=" + layout.setName() + " has text keys");
        }
        if (Keys.shardOf(Keys.hash(key), shards) != shard) {
            throw new IllegalArgumentException("key=" + key + " belongs to shard="
                + Keys.shardOf(Keys.hash(key), shards) + ", not to this writer's shard=" + shard);
        }
        return keyData.numericKey(key);
    }

    /** Checks a text key belongs to this writer and encodes it (begin and delete). @return the map key for it */
    private KeyData textKey(CharSequence key) {
        if (!textKeys) {
            throw new IllegalArgumentException("store of set=" + layout.setName() + " has numeric keys");
        }
        int len = Keys.encodeUtf8(key, this.key);
        if (len < 0) {
            throw new IllegalArgumentException("key of length=" + key.length() + " exceeds maxKeyBytes="
                + keyBytes + " in UTF-8");
        }
        if (Keys.shardOf(Keys.hash(key), shards) != shard) {
            throw new IllegalArgumentException("key belongs to shard=" + Keys.shardOf(Keys.hash(key), shards)
                + ", not to this writer's shard=" + shard);
        }
        return keyData.textKey(len);
    }

    private int beginKey(KeyData k, long longKey, int topicIndex, int partition, long offset) {
        if (ctx != null) {
            throw new IllegalStateException("begin while an apply is open on shard=" + shard
                + ": call commit() or abort() first");
        }
        long prev = ShardWriter.NO_OFFSET;
        if (topicIndex != NO_SOURCE) {
            prev = offsets.get(shard, topicIndex, partition);
            if (offset <= prev) {
                return BEGIN_DUPLICATE;
            }
        }
        active = true;
        if (store.isClosed()) {
            active = false;
            store.checkOpen();
        }
        try {
            ExternalMapQueryContext<Object, byte[], ?> c = map.queryContext(k);
            int keyLength = (int) k.size();
            c.writeLock().lock();
            MapEntry<Object, byte[]> e = c.entry();
            byte[] keyBytesOrNull = textKeys ? key : null;
            if (e == null) {
                if (!reserveRow()) {
                    return refuseFull(c);
                }
                undo.record(shard, topicIndex, partition, offset, longKey, keyBytesOrNull, keyLength, null);
                try {
                    c.absentEntry().doInsert(c.wrapValueBytesAsData(blankStore, 0, rowBytes));
                } catch (IllegalStateException chronicleFull) {
                    undo.clear(shard);
                    rows.decrementAndGet();
                    return refuseFull(c);
                }
                e = c.entry();
                layout.initRow(row.wrap(ChronicleRowStore.valueAddress(e), rowBytes));
                isNew = true;
            } else {
                row.wrap(ChronicleRowStore.valueAddress(e), rowBytes);
                undo.record(shard, topicIndex, partition, offset, longKey, keyBytesOrNull, keyLength, row);
                isNew = false;
            }
            this.ctx = c;
            this.entry = e;
            ChronicleRowStore.ReaderContext rc = applier;
            if (rc == null || rc.thread != Thread.currentThread()) {
                rc = store.readerContext();
                applier = rc;
            }
            rc.applying++;
            this.topicIndex = topicIndex;
            this.partition = partition;
            this.offset = offset;
            return BEGIN_OK;
        } catch (InternalError e) {
            active = false;
            throw store.damaged(e);
        }
    }

    @Override
    public int delete(long key, int topicIndex, int partition, long offset) {
        return deleteKey(numericKey(key), key, topicIndex, partition, offset);
    }

    @Override
    public int delete(CharSequence key, int topicIndex, int partition, long offset) {
        return deleteKey(textKey(key), 0, topicIndex, partition, offset);
    }

    /**
     * Under the key's segment write lock: records the row's image in the undo slot (as an apply to an existing key
     * does), removes the entry, then advances the offset and clears the slot. A kill before the offset moved is
     * rolled back at the next open (recovery re-inserts the row from the image); after it, the delete stays.
     */
    private int deleteKey(KeyData k, long longKey, int topicIndex, int partition, long offset) {
        if (ctx != null) {
            throw new IllegalStateException("delete while an apply is open on shard=" + shard
                + ": call commit() or abort() first");
        }
        if (topicIndex != NO_SOURCE && offset <= offsets.get(shard, topicIndex, partition)) {
            return BEGIN_DUPLICATE;
        }
        active = true;
        if (store.isClosed()) {
            active = false;
            store.checkOpen();
        }
        boolean deleted = false;
        try {
            try (ExternalMapQueryContext<Object, byte[], ?> c = map.queryContext(k)) {
                int keyLength = (int) k.size();
                c.writeLock().lock();
                MapEntry<Object, byte[]> e = c.entry();
                if (e != null) {
                    undo.record(shard, topicIndex, partition, offset, longKey, textKeys ? key : null, keyLength,
                        view.wrap(ChronicleRowStore.valueAddress(e), rowBytes));
                    // The value's bytes go with the entry (Chronicle would leave them in the freed space until reuse).
                    // A kill before the offset is stored rolls the delete back from the undo image.
                    view.setZero(0, rowBytes);
                    e.doRemove();
                    deleted = true;
                }
            }
            if (deleted) {
                rows.decrementAndGet();
                if (topicIndex != NO_SOURCE) {
                    offsets.put(shard, topicIndex, partition, offset);
                }
                undo.clear(shard);
                undo.wipe(shard);
            }
        } catch (InternalError e) {
            throw store.damaged(e);
        } finally {
            active = false;
        }
        if (!deleted) {
            if (topicIndex != NO_SOURCE) {
                advanceOffset(topicIndex, partition, offset);
            }
            return DELETE_ABSENT;
        }
        return DELETED;
    }

    private boolean reserveRow() {
        long n;
        do {
            n = rows.get();
            if (n >= capacity) {
                return false;
            }
        } while (!rows.compareAndSet(n, n + 1));
        return true;
    }

    private int refuseFull(ExternalMapQueryContext<Object, byte[], ?> c) {
        c.close();
        fullRefusals.incrementAndGet();
        active = false;
        return BEGIN_FULL;
    }

    @Override
    public RowBuffer row() {
        return row;
    }

    private void checkApplying() {
        if (ctx == null) {
            throw new IllegalStateException("no apply is open on shard=" + shard + ": call begin() first");
        }
    }

    /** Forgets the apply's context and entry (their lock is released) and counts it off the applier's thread. */
    private void closeApply() {
        ctx = null;
        entry = null;
        applier.applying--;
    }

    @Override
    public void commit() {
        checkApplying();
        try {
            ((ChecksumEntry) entry).updateChecksum();
            ctx.close();
        } catch (InternalError e) {
            throw store.damaged(e);
        } finally {
            closeApply();
        }
        if (topicIndex != NO_SOURCE) {
            offsets.put(shard, topicIndex, partition, offset);
        }
        undo.clear(shard);
        active = false;
    }

    @Override
    public void abort() {
        checkApplying();
        try {
            if (isNew) {
                entry.doRemove();
                rows.decrementAndGet();
            } else {
                row.copyFrom(undo.rowImage(shard, view), rowBytes);
                ((ChecksumEntry) entry).updateChecksum();
            }
            ctx.close();
        } catch (InternalError e) {
            throw store.damaged(e);
        } finally {
            closeApply();
        }
        undo.clear(shard);
        active = false;
    }

    @Override
    public long appliedOffset(int topicIndex, int partition) {
        return offsets.get(shard, topicIndex, partition);
    }

    @Override
    public void advanceOffset(int topicIndex, int partition, long offset) {
        store.checkOpen();
        if (active) {
            throw new IllegalStateException("shard=" + shard + " has an apply in flight: commit() or abort() it "
                + "before advancing an offset");
        }
        if (offset > offsets.get(shard, topicIndex, partition)) {
            // The slot names the entry while its offset and check are written (OffsetTable: torn or damaged).
            undo.recordAdvance(shard, topicIndex, partition, offset);
            offsets.put(shard, topicIndex, partition, offset);
            undo.clear(shard);
        }
    }

    @Override
    public int evictIdle(long nowMs, long ttlMs, int maxSlots) {
        store.checkOpen();
        if (ctx != null) {
            throw new IllegalStateException("evictIdle while an apply is open on shard=" + shard);
        }
        evictCutoffMs = nowMs - ttlMs;
        evictScanned = 0;
        evictedNow = 0;
        int segments = map.segments();
        active = true;
        try {
            for (int visited = 0; visited < segments && evictScanned < Math.max(1, maxSlots); visited++) {
                try (MapSegmentContext<Object, byte[], ?> sc = map.segmentContext(evictCursor)) {
                    sc.forEachSegmentEntryWhile(this);
                }
                evictCursor = evictCursor + 1 == segments ? 0 : evictCursor + 1;
            }
        } catch (InternalError e) {
            throw store.damaged(e);
        } finally {
            active = false;
        }
        rows.addAndGet(-evictedNow);
        return evictedNow;
    }

    /** Eviction visitor: removes an idle row of this shard. */
    @Override
    public boolean test(MapEntry<Object, byte[]> e) {
        evictScanned++;
        if (layout.lastApplyMs(view.wrap(ChronicleRowStore.valueAddress(e), rowBytes)) < evictCutoffMs
            && shardOfStoredKey(e.key()) == shard) {
            e.doRemove();
            evictedNow++;
        }
        return true;
    }

    private int shardOfStoredKey(Data<Object> k) {
        RandomDataInput b = k.bytes();
        long off = k.offset();
        if (!textKeys) {
            return Keys.shardOf(Keys.hash(b.readLong(off)), shards);
        }
        return Keys.shardOf(KeyHash.utf8(b, off, (int) k.size()), shards);
    }
}
