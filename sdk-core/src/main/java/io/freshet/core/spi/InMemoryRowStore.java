package io.freshet.core.spi;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreOpenState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A heap store with no persistence: the reference engine for the SPI contract test and the store behind
 * {@code FeatureTestDriver}. Correct under concurrent readers and writers (rows are published by copy under a
 * per-row monitor) but neither allocation-free nor fast; not for production.
 */
public final class InMemoryRowStore implements RowStore {
    private final RowLayout layout;
    private final int rowBytes;
    private final long capacity;
    private final int maxTopics;
    private final int maxPartitions;
    private final int maxKeyBytes;
    private final List<Map<Object, long[]>> shards = new ArrayList<>();
    private final long[][] offsets;
    private final List<String> topics = new ArrayList<>();
    private final Map<String, String> metadata = new HashMap<>();
    private final Writer[] writers;
    private volatile boolean closed;

    /**
     * @param config options (directory ignored)
     */
    public InMemoryRowStore(StoreConfig config) {
        this.layout = config.layout();
        this.rowBytes = layout.rowSizeBytes();
        this.capacity = config.capacity();
        this.maxTopics = config.maxTopics();
        this.maxPartitions = config.maxPartitions();
        this.maxKeyBytes = config.maxKeyBytes();
        this.offsets = new long[config.shards()][maxTopics * maxPartitions];
        this.writers = new Writer[config.shards()];
        for (int s = 0; s < config.shards(); s++) {
            shards.add(new ConcurrentHashMap<>());
            java.util.Arrays.fill(offsets[s], ShardWriter.NO_OFFSET);
            writers[s] = new Writer(s);
        }
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
        return writers.length;
    }

    @Override
    public int shardOf(long key) {
        return Keys.shardOf(Keys.hash(key), writers.length);
    }

    @Override
    public int shardOf(CharSequence key) {
        return Keys.shardOf(Keys.hash(key), writers.length);
    }

    private boolean copyOut(long[] row, RowBuffer into) {
        if (row == null) {
            return false;
        }
        RowBuffer src = new RowBuffer();
        synchronized (row) {
            into.copyFrom(src.wrap(row, rowBytes), rowBytes);
        }
        return true;
    }

    @Override
    public boolean readRow(long key, RowBuffer into) {
        checkOpen();
        return copyOut(shards.get(shardOf(key)).get(key), into);
    }

    @Override
    public boolean readRow(CharSequence key, RowBuffer into) {
        checkOpen();
        if (Keys.encodeUtf8(key, new byte[maxKeyBytes]) < 0) {
            return false;
        }
        return copyOut(shards.get(shardOf(key)).get(key.toString()), into);
    }

    @Override
    public ShardWriter writer(int shard) {
        checkOpen();
        return writers[shard];
    }

    @Override
    public long size() {
        long n = 0;
        for (Map<Object, long[]> m : shards) {
            n += m.size();
        }
        return n;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    @Override
    public synchronized int topicIndex(String topic) {
        int i = topics.indexOf(topic);
        if (i >= 0) {
            return i;
        }
        if (topics.size() == maxTopics) {
            throw new StoreException(StoreException.Reason.CONFIG_MISMATCH, null, "offset table holds maxTopics="
                + maxTopics + " topics " + topics + "; cannot add topic=" + topic);
        }
        topics.add(topic);
        return topics.size() - 1;
    }

    private int offsetIndex(int topicIndex, int partition) {
        if (topicIndex < 0 || topicIndex >= maxTopics || partition < 0 || partition >= maxPartitions) {
            throw new IllegalArgumentException("topicIndex=" + topicIndex + " partition=" + partition
                + " outside maxTopics=" + maxTopics + " maxPartitions=" + maxPartitions);
        }
        return topicIndex * maxPartitions + partition;
    }

    @Override
    public long appliedOffset(int shard, int topicIndex, int partition) {
        synchronized (offsets[shard]) {
            return offsets[shard][offsetIndex(topicIndex, partition)];
        }
    }

    @Override
    public synchronized String metadata(String key) {
        return metadata.get(key);
    }

    @Override
    public synchronized void putMetadata(String key, String value) {
        metadata.put(key, value);
    }

    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException(StoreException.Reason.CLOSED, null, "store of set=" + layout.setName()
                + " is closed");
        }
    }

    private final class Writer implements ShardWriter {
        private final int shard;
        private final RowBuffer scratch = RowBuffer.allocateHeap(rowBytes);
        private Object key;
        private int topicIndex;
        private int partition;
        private long offset;
        private long evictedTotal;

        Writer(int shard) {
            this.shard = shard;
        }

        @Override
        public int shard() {
            return shard;
        }

        @Override
        public int begin(long key, int topicIndex, int partition, long offset) {
            return beginKey(key, topicIndex, partition, offset);
        }

        @Override
        public int begin(CharSequence key, int topicIndex, int partition, long offset) {
            if (Keys.encodeUtf8(key, new byte[maxKeyBytes]) < 0) {
                throw new IllegalArgumentException("key of length=" + key.length() + " exceeds maxKeyBytes="
                    + maxKeyBytes + " in UTF-8");
            }
            return beginKey(key.toString(), topicIndex, partition, offset);
        }

        private int beginKey(Object k, int topicIndex, int partition, long offset) {
            checkOpen();
            if (topicIndex != NO_SOURCE && offset <= appliedOffset(topicIndex, partition)) {
                return BEGIN_DUPLICATE;
            }
            long[] row = shards.get(shard).get(k);
            if (row == null) {
                if (size() >= capacity) {
                    return BEGIN_FULL;
                }
                layout.initRow(scratch);
            } else {
                synchronized (row) {
                    scratch.copyFrom(new RowBuffer().wrap(row, rowBytes), rowBytes);
                }
            }
            this.key = k;
            this.topicIndex = topicIndex;
            this.partition = partition;
            this.offset = offset;
            return BEGIN_OK;
        }

        @Override
        public int delete(long key, int topicIndex, int partition, long offset) {
            return deleteKey(key, topicIndex, partition, offset);
        }

        @Override
        public int delete(CharSequence key, int topicIndex, int partition, long offset) {
            if (Keys.encodeUtf8(key, new byte[maxKeyBytes]) < 0) {
                throw new IllegalArgumentException("key of length=" + key.length() + " exceeds maxKeyBytes="
                    + maxKeyBytes + " in UTF-8");
            }
            return deleteKey(key.toString(), topicIndex, partition, offset);
        }

        private int deleteKey(Object k, int topicIndex, int partition, long offset) {
            checkOpen();
            if (this.key != null) {
                throw new IllegalStateException("shard=" + shard + " has an apply in flight: commit() or abort() it "
                    + "before a delete");
            }
            if (topicIndex != NO_SOURCE && offset <= appliedOffset(topicIndex, partition)) {
                return BEGIN_DUPLICATE;
            }
            boolean removed = shards.get(shard).remove(k) != null;
            if (topicIndex != NO_SOURCE) {
                advanceOffset(topicIndex, partition, offset);
            }
            return removed ? DELETED : DELETE_ABSENT;
        }

        @Override
        public RowBuffer row() {
            return scratch;
        }

        @Override
        public void commit() {
            Map<Object, long[]> m = shards.get(shard);
            long[] row = m.get(key);
            if (row == null) {
                row = new long[(rowBytes + 7) / 8];
                new RowBuffer().wrap(row, rowBytes).copyFrom(scratch, rowBytes);
                m.put(key, row);
            } else {
                synchronized (row) {
                    new RowBuffer().wrap(row, rowBytes).copyFrom(scratch, rowBytes);
                }
            }
            if (topicIndex != NO_SOURCE) {
                advanceOffset(topicIndex, partition, offset);
            }
            key = null;
        }

        @Override
        public void abort() {
            key = null;
        }

        @Override
        public long appliedOffset(int topicIndex, int partition) {
            return InMemoryRowStore.this.appliedOffset(shard, topicIndex, partition);
        }

        @Override
        public void advanceOffset(int topicIndex, int partition, long offset) {
            synchronized (offsets[shard]) {
                int i = offsetIndex(topicIndex, partition);
                if (offset > offsets[shard][i]) {
                    offsets[shard][i] = offset;
                }
            }
        }

        @Override
        public int evictIdle(long nowMs, long ttlMs, int maxSlots) {
            int evicted = 0;
            RowBuffer view = new RowBuffer();
            for (Iterator<long[]> it = shards.get(shard).values().iterator(); it.hasNext();) {
                long[] row = it.next();
                if (nowMs - layout.lastApplyMs(view.wrap(row, rowBytes)) > ttlMs) {
                    it.remove();
                    evicted++;
                }
            }
            evictedTotal += evicted;
            return evicted;
        }
    }
}
