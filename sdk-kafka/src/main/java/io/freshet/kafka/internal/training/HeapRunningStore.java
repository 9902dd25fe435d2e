package io.freshet.kafka.internal.training;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowLayout;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.RowVisitor;
import io.freshet.core.spi.ShardWriter;
import java.util.HashMap;
import java.util.Map;

/**
 * The heap store of a training run's running rows: one shard, one thread, rows written in place. Numeric keys are
 * found through an open-addressing index of primitive longs (linear probing, load at most one half, backward-shift
 * deletion: no boxing, no tombstones, no lock); text keys through a plain {@link HashMap} by their string.
 *
 * <p>Unlike a serving store it has no readers running beside its writer, so {@link ShardWriter#begin} hands out the
 * stored row itself (no copy in, no copy out at commit) and {@link #readRow(long, RowVisitor)} visits it in place.
 * The price: {@link ShardWriter#abort} can only drop a row its apply created (an apply to an existing row has already
 * changed it); the training run never aborts. It tracks no source offsets ({@code begin} and {@code delete} take
 * {@link ShardWriter#NO_SOURCE} only).
 *
 * <p>Threading: one thread, reads and writes alike. Allocation: a new key allocates its row (and the index doubles
 * as keys arrive); an apply to or a read of a numeric key allocates nothing; a text key makes its string.
 */
public final class HeapRunningStore implements RowStore {
    private static final int EMPTY = -1;

    private final RowLayout layout;
    private final int rowBytes;
    private final int rowLongs;
    private final long capacity;
    private final Map<String, String> metadata = new HashMap<>();
    private final Map<String, long[]> textRows = new HashMap<>();
    private final RowBuffer view = new RowBuffer();
    private final Writer writer = new Writer();
    /** Numeric keys by slot; a slot is used when its row is not null. */
    private long[] keys;
    private long[][] rows;
    private int mask;
    private int longRows;
    private boolean closed;

    /**
     * @param config the set's options: its layout and capacity (directory and shards ignored)
     */
    public HeapRunningStore(StoreConfig config) {
        this.layout = config.layout();
        this.rowBytes = layout.rowSizeBytes();
        this.rowLongs = (rowBytes + 7) >>> 3;
        this.capacity = config.capacity();
        this.keys = new long[1 << 10];
        this.rows = new long[1 << 10][];
        this.mask = keys.length - 1;
    }

    /** Murmur3's 64-bit finaliser: sequential keys spread over the table. */
    private static int hash(long key) {
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h;
    }

    /** @return the key's slot, or EMPTY */
    private int slotOf(long key) {
        int i = hash(key) & mask;
        while (rows[i] != null) {
            if (keys[i] == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return EMPTY;
    }

    private long[] rowOf(long key) {
        int slot = slotOf(key);
        return slot == EMPTY ? null : rows[slot];
    }

    /** Puts a key known to be absent. */
    private void insert(long key, long[] row) {
        if ((longRows + 1) * 2L > keys.length) {
            grow();
        }
        int i = hash(key) & mask;
        while (rows[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        rows[i] = row;
        longRows++;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[][] oldRows = rows;
        if (oldKeys.length >= 1 << 30) {
            throw new IllegalStateException("running rows of set=" + layout.setName() + " hold " + longRows
                + " keys: the heap index is full; keep the running rows in the table engine "
                + "(runningRows(engine, dir))");
        }
        keys = new long[oldKeys.length << 1];
        rows = new long[oldKeys.length << 1][];
        mask = keys.length - 1;
        for (int s = 0; s < oldKeys.length; s++) {
            if (oldRows[s] != null) {
                int i = hash(oldKeys[s]) & mask;
                while (rows[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[s];
                rows[i] = oldRows[s];
            }
        }
    }

    /** Empties a slot and moves later keys of its probe run back, so that every key stays reachable. */
    private void removeSlot(int slot) {
        int hole = slot;
        rows[hole] = null;
        int i = (hole + 1) & mask;
        while (rows[i] != null) {
            int home = hash(keys[i]) & mask;
            // Move the key into the hole when its home is not cyclically within (hole, i].
            if (((i - home) & mask) >= ((i - hole) & mask)) {
                keys[hole] = keys[i];
                rows[hole] = rows[i];
                rows[i] = null;
                hole = i;
            }
            i = (i + 1) & mask;
        }
        longRows--;
    }

    private long[] newRow() {
        long[] row = new long[rowLongs];
        layout.initRow(view.wrap(row, rowBytes));
        return row;
    }

    @Override
    public RowLayout layout() {
        return layout;
    }

    @Override
    public StoreOpenState openState() {
        return StoreOpenState.CREATED;
    }

    @Override
    public int shardCount() {
        return 1;
    }

    @Override
    public int shardOf(long key) {
        return 0;
    }

    @Override
    public int shardOf(CharSequence key) {
        return 0;
    }

    @Override
    public boolean readRow(long key, RowBuffer into) {
        checkOpen();
        return copyOut(rowOf(key), into);
    }

    @Override
    public boolean readRow(CharSequence key, RowBuffer into) {
        checkOpen();
        return copyOut(textRows.get(key.toString()), into);
    }

    private boolean copyOut(long[] row, RowBuffer into) {
        if (row == null) {
            return false;
        }
        into.copyFrom(view.wrap(row, rowBytes), rowBytes);
        return true;
    }

    @Override
    public boolean readRow(long key, RowVisitor visitor) {
        checkOpen();
        return visit(rowOf(key), visitor);
    }

    @Override
    public boolean readRow(CharSequence key, RowVisitor visitor) {
        checkOpen();
        return visit(textRows.get(key.toString()), visitor);
    }

    private boolean visit(long[] row, RowVisitor visitor) {
        if (row == null) {
            return false;
        }
        // No writer runs beside this read: the row is consistent, one visit is the answer.
        visitor.visit(visitor.view().wrap(row, rowBytes));
        return true;
    }

    @Override
    public ShardWriter writer(int shard) {
        checkOpen();
        if (shard != 0) {
            throw new IllegalArgumentException("shard=" + shard + ": the running rows have one shard, 0");
        }
        return writer;
    }

    @Override
    public long size() {
        return longRows + textRows.size();
    }

    @Override
    public long capacity() {
        return capacity;
    }

    @Override
    public int topicIndex(String topic) {
        throw new UnsupportedOperationException("the running rows of a training run track no source offsets");
    }

    @Override
    public long appliedOffset(int shard, int topicIndex, int partition) {
        return ShardWriter.NO_OFFSET;
    }

    @Override
    public String metadata(String key) {
        return metadata.get(key);
    }

    @Override
    public void putMetadata(String key, String value) {
        metadata.put(key, value);
    }

    @Override
    public void close() {
        closed = true;
        keys = new long[0];
        rows = new long[0][];
        mask = -1;
        longRows = 0;
        textRows.clear();
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException(StoreException.Reason.CLOSED, null, "running rows of set=" + layout.setName()
                + " are closed");
        }
    }

    private static void checkNoSource(int topicIndex) {
        if (topicIndex != ShardWriter.NO_SOURCE) {
            throw new IllegalArgumentException("topicIndex=" + topicIndex + ": the running rows of a training run "
                + "track no source offsets; pass ShardWriter.NO_SOURCE");
        }
    }

    /** The one shard's writer: applies in place. */
    private final class Writer implements ShardWriter {
        private final RowBuffer row = new RowBuffer();
        private boolean inFlight;
        /** The apply in flight made its row: abort drops it. */
        private boolean created;
        private long createdLongKey;
        private String createdTextKey;

        @Override
        public int shard() {
            return 0;
        }

        @Override
        public int begin(long key, int topicIndex, int partition, long offset) {
            checkOpen();
            checkNoSource(topicIndex);
            long[] r = rowOf(key);
            created = r == null;
            if (created) {
                if (size() >= capacity) {
                    return BEGIN_FULL;
                }
                r = newRow();
                insert(key, r);
                createdLongKey = key;
                createdTextKey = null;
            }
            row.wrap(r, rowBytes);
            inFlight = true;
            return BEGIN_OK;
        }

        @Override
        public int begin(CharSequence key, int topicIndex, int partition, long offset) {
            checkOpen();
            checkNoSource(topicIndex);
            String k = key.toString();
            long[] r = textRows.get(k);
            created = r == null;
            if (created) {
                if (size() >= capacity) {
                    return BEGIN_FULL;
                }
                r = newRow();
                textRows.put(k, r);
                createdTextKey = k;
            }
            row.wrap(r, rowBytes);
            inFlight = true;
            return BEGIN_OK;
        }

        @Override
        public int delete(long key, int topicIndex, int partition, long offset) {
            checkIdle();
            checkNoSource(topicIndex);
            int slot = slotOf(key);
            if (slot == EMPTY) {
                return DELETE_ABSENT;
            }
            removeSlot(slot);
            return DELETED;
        }

        @Override
        public int delete(CharSequence key, int topicIndex, int partition, long offset) {
            checkIdle();
            checkNoSource(topicIndex);
            return textRows.remove(key.toString()) == null ? DELETE_ABSENT : DELETED;
        }

        private void checkIdle() {
            checkOpen();
            if (inFlight) {
                throw new IllegalStateException("running rows of set=" + layout.setName() + " have an apply in "
                    + "flight: commit() it before a delete");
            }
        }

        @Override
        public RowBuffer row() {
            return row;
        }

        @Override
        public void commit() {
            inFlight = false;
        }

        @Override
        public void abort() {
            if (!inFlight) {
                return;
            }
            inFlight = false;
            if (!created) {
                throw new IllegalStateException("running rows of set=" + layout.setName() + " apply in place: an "
                    + "apply to an existing row cannot be aborted");
            }
            if (createdTextKey != null) {
                textRows.remove(createdTextKey);
            } else {
                removeSlot(slotOf(createdLongKey));
            }
        }

        @Override
        public long appliedOffset(int topicIndex, int partition) {
            return NO_OFFSET;
        }

        @Override
        public void advanceOffset(int topicIndex, int partition, long offset) {
            checkNoSource(topicIndex);
        }

        @Override
        public int evictIdle(long nowMs, long ttlMs, int maxSlots) {
            // A training row at t is what a read at t returned; a sweep's timing is not in the log to replay.
            throw new UnsupportedOperationException("the running rows of a training run are never swept");
        }
    }
}
