package io.freshet.store.internal;

import io.freshet.core.spi.RowLayout;
import io.freshet.core.spi.RowStore;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.StoreOpenState;

/**
 * What every engine's {@link RowStore} shares: its options, its directory (holding the writer lock), its
 * {@link MetaFile}, how it was opened, whether it is closed, and the calls the meta file answers (topic indexes,
 * applied offsets, metadata). An engine adds its rows: reads, writers, size and close.
 *
 * <p>Internal. Threading as {@link RowStore}; the closed flag is volatile, set once by the engine's {@code close}.
 */
public abstract class MetaBackedStore implements RowStore {
    /** The options the store was opened with. */
    protected final StoreConfig config;
    /** The row layout ({@code config.layout()}). */
    protected final RowLayout layout;
    /** The store directory; released at close. */
    protected final StoreDirectory dir;
    /** The meta file; closed at close. */
    protected final MetaFile meta;
    private final StoreOpenState openState;
    private volatile boolean closed;

    /**
     * @param config options
     * @param dir the store directory
     * @param meta the open meta file
     * @param openState how the store was opened
     */
    protected MetaBackedStore(StoreConfig config, StoreDirectory dir, MetaFile meta, StoreOpenState openState) {
        this.config = config;
        this.layout = config.layout();
        this.dir = dir;
        this.meta = meta;
        this.openState = openState;
    }

    /** @return whether {@code close} has begun (volatile read) */
    public final boolean isClosed() {
        return closed;
    }

    /** Marks the store closed (volatile write): from now on every call but reads in flight is refused. */
    protected final void markClosed() {
        closed = true;
    }

    /**
     * @throws StoreException CLOSED once the store is closed
     */
    public final void checkOpen() {
        if (closed) {
            throw new StoreException(Reason.CLOSED, dir.path(), "store of set=" + layout.setName() + " is closed");
        }
    }

    /**
     * Refuses a metadata key the engine reserves for itself; the default reserves none.
     *
     * @param key the key a caller sets
     * @throws IllegalArgumentException for a reserved key
     */
    protected void checkMetadataKey(String key) {
    }

    @Override
    public final RowLayout layout() {
        return layout;
    }

    @Override
    public final StoreOpenState openState() {
        return openState;
    }

    @Override
    public long capacity() {
        return config.capacity();
    }

    @Override
    public final int topicIndex(String topic) {
        checkOpen();
        return meta.metadata().topicIndex(topic);
    }

    @Override
    public final long appliedOffset(int shard, int topicIndex, int partition) {
        checkOpen();
        return meta.offsets().get(shard, topicIndex, partition);
    }

    @Override
    public final String metadata(String key) {
        checkOpen();
        return meta.metadata().get(key);
    }

    @Override
    public final void putMetadata(String key, String value) {
        checkOpen();
        if (MetaFileDescriptor.DEFINITION_KEY.equals(key)) {
            throw new IllegalArgumentException("metadata key=" + key + " is reserved: the store records its set's "
                + "definition under it at creation");
        }
        checkMetadataKey(key);
        meta.metadata().put(key, value);
    }
}
