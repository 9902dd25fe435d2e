package io.freshet.benchmarks;

import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowLayout;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;

/**
 * A read-only {@link RowStore} of exactly one preloaded row, so that a benchmark of {@code FeatureReader.read}
 * measures the core read path (one row-image copy, as every engine makes, plus evaluation) and nothing of an engine's
 * lookup. {@code InMemoryRowStore} cannot serve here: it allocates a view per read.
 *
 * <p>Threading: fill {@link #row()} before handing the store to readers; {@code readRow} is then safe from one
 * thread (no seqlock: the row never changes during a measurement). Allocation: none per read. It has no writer and
 * no offset table; those methods throw {@link UnsupportedOperationException}.
 */
final class SingleRowStore implements RowStore {
    private final RowLayout layout;
    private final long key;
    private final RowMemory memory;
    private final int rowBytes;

    /**
     * @param layout the set's layout
     * @param key the one key that has a row
     * @param memoryKind {@link RowMemory#HEAP} or {@link RowMemory#OFF_HEAP}
     */
    SingleRowStore(RowLayout layout, long key, String memoryKind) {
        this.layout = layout;
        this.key = key;
        this.rowBytes = layout.rowSizeBytes();
        this.memory = RowMemory.allocate(memoryKind, rowBytes);
        layout.initRow(memory.row());
    }

    /** @return the stored row, to preload before reading */
    RowBuffer row() {
        return memory.row();
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
    public int shardOf(long k) {
        return 0;
    }

    @Override
    public int shardOf(CharSequence k) {
        return 0;
    }

    @Override
    public boolean readRow(long k, RowBuffer into) {
        if (k != key) {
            return false;
        }
        into.copyFrom(memory.row(), rowBytes);
        return true;
    }

    @Override
    public boolean readRow(CharSequence k, RowBuffer into) {
        return false;
    }

    @Override
    public ShardWriter writer(int shard) {
        throw unsupported("writer(shard=" + shard + ")");
    }

    @Override
    public long size() {
        return 1;
    }

    @Override
    public long capacity() {
        return 1;
    }

    @Override
    public int topicIndex(String topic) {
        throw unsupported("topicIndex(topic=" + topic + ")");
    }

    @Override
    public long appliedOffset(int shard, int topicIndex, int partition) {
        return ShardWriter.NO_OFFSET;
    }

    @Override
    public String metadata(String metadataKey) {
        return null;
    }

    @Override
    public void putMetadata(String metadataKey, String value) {
        throw unsupported("putMetadata(key=" + metadataKey + ")");
    }

    @Override
    public void close() {
    }

    private UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException(what + ": SingleRowStore is a read-only benchmark fixture of set="
            + layout.setName() + " with one row");
    }
}
