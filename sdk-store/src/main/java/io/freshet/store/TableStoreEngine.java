package io.freshet.store;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.core.spi.StoreFootprint;
import io.freshet.store.internal.MetaFileDescriptor;
import io.freshet.store.internal.StoreDirectory;
import io.freshet.store.internal.table.TableFormat;
import io.freshet.store.internal.table.TableResizer;
import io.freshet.store.internal.table.TableStore;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The purpose-built engine: fixed-size rows in a memory-mapped open-addressing table of our own (format:
 * {@code io.freshet.store.internal.table.TableFormat}), one sub-table per shard, lock-free seqlock reads from any
 * thread and from other processes that open the store read-only, the undo-slot protocol for exactly-once applies
 * across kill -9, and checksums sealed at every clean close and verified at the next open.
 *
 * <p>Plain Java 17: needs no JVM flags. Capacity is fixed per store (the index load factor stays at or below
 * {@code 0.8}; a new key beyond capacity gets {@code BEGIN_FULL}); grow a store offline with
 * {@link #resize(StoreConfig, Path, long)}. Rows of a store on tmpfs ({@code /dev/shm}) survive a process crash, not a
 * reboot; on a disk-backed path the first write to each clean page faults (see the format documentation).
 *
 * <p>Stateless and thread-safe; {@link #open} allocates the store, reads and applies then allocate nothing.
 */
public final class TableStoreEngine implements StoreEngine {
    /** The engine's name. */
    public static final String NAME = "table";

    /** Creates the engine (stateless). */
    public TableStoreEngine() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RowStore open(StoreConfig config) {
        return TableStore.open(Objects.requireNonNull(config, "config can't be null"));
    }

    /**
     * The table store's footprint: the meta file and the data file, both written in full at creation and mapped
     * whole, and each shard's free-slot bitmap on the writer's heap. Computed by the same geometry code that lays
     * the files out ({@code MetaFileDescriptor.Geometry}, {@code TableFormat}).
     *
     * @param config the options a store would be created with
     * @return the footprint
     * @throws IllegalArgumentException when a shard would hold more rows than the format allows
     */
    @Override
    public StoreFootprint footprint(StoreConfig config) {
        Objects.requireNonNull(config, "config can't be null");
        TableFormat f = TableFormat.of(config);
        long bytes = MetaFileDescriptor.Geometry.of(config).fileBytes + f.fileBytes;
        return new StoreFootprint(bytes, bytes, f.writerHeapBytes());
    }

    /**
     * Deletes the table store in {@code config.directory()}: its meta file, its data files (and their temporary
     * files), its lock file, then the directory if nothing else is left in it. A missing store is a no-op.
     *
     * @param config the store's options (its directory is what counts)
     * @throws io.freshet.core.StoreException LOCKED while a writer has the store open, PERMISSIONS for a
     *     symbolic link, IO
     */
    @Override
    public void destroy(StoreConfig config) {
        Objects.requireNonNull(config, "config can't be null");
        // Every generation a grown store can have (each growth doubles the capacity, at most 2^40 rows).
        String[] files = new String[2 + 41];
        files[0] = MetaFileDescriptor.FILE_NAME;
        for (int g = 1; g <= 42; g++) {
            files[g] = TableFormat.fileName(g);
        }
        StoreDirectory.destroy(config, files);
    }

    /**
     * Offline resize: copies every row, applied offset, topic and metadata entry of a store into a new store of
     * {@code newCapacity} rows in {@code target}. The source must not be open elsewhere (it is locked while copied)
     * and is left unchanged; afterwards point the application at {@code target}.
     *
     * @param source the existing store's options (as created)
     * @param target a directory that holds no store yet
     * @param newCapacity rows of the new store
     * @return rows copied
     */
    public static long resize(StoreConfig source, Path target, long newCapacity) {
        return TableResizer.resize(Objects.requireNonNull(source, "source can't be null"),
            Objects.requireNonNull(target, "target can't be null"), newCapacity);
    }
}
