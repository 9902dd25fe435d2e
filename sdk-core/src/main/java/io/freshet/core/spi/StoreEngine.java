package io.freshet.core.spi;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import java.util.Objects;

/**
 * Opens, creates and deletes stores of one kind. Engines are stateless and thread-safe.
 */
public interface StoreEngine {
    /** @return a short stable name, e.g. {@code chronicle} or {@code table} */
    String name();

    /**
     * Opens the store in {@code config.directory()}, creating it if absent, recovering it if the last writer was
     * killed.
     *
     * @param config options
     * @return the open store
     * @throws StoreException when the store is refused (the reason says why)
     */
    RowStore open(StoreConfig config);

    /**
     * Deletes the store that {@code config.directory()} holds: only the files this engine's store consists of, then
     * the directory if that leaves it empty (a directory holding anything else is kept). A missing store is a no-op.
     * Use it to rebuild a store from scratch (then {@link #open} creates a new one).
     *
     * <p>The default suits an engine that keeps its stores on the heap: with no directory there is nothing to
     * delete; given a directory it refuses, because it cannot know the engine's files. An engine that persists
     * overrides it.
     *
     * @param config the store's options (its directory is what counts)
     * @throws StoreException {@code LOCKED} while a writer has the store open, {@code PERMISSIONS} when the directory
     *     or a store file is a symbolic link (as {@link #open} refuses it), {@code IO} when a file cannot be deleted
     * @throws UnsupportedOperationException from the default, when {@code config.directory()} is set
     */
    default void destroy(StoreConfig config) {
        Objects.requireNonNull(config, "config can't be null");
        if (config.directory() != null) {
            throw new UnsupportedOperationException("engine=" + name() + " does not say which files its stores "
                + "consist of, so it cannot delete the store in directory=" + config.directory() + "; delete it by "
                + "hand or use an engine that implements destroy");
        }
    }

    /**
     * What a store of these options costs before it is created, from the layout code the engine itself uses: bytes
     * on disk, bytes mapped, writer heap. Creates and reads nothing on disk.
     *
     * <p>The default is for an engine that cannot say: it throws.
     *
     * @param config the options a store would be created with (its directory is not used)
     * @return the footprint
     * @throws UnsupportedOperationException from the default
     * @throws IllegalArgumentException when the engine cannot hold a store of these options
     */
    default StoreFootprint footprint(StoreConfig config) {
        Objects.requireNonNull(config, "config can't be null");
        throw new UnsupportedOperationException("engine=" + name() + " does not report the footprint of a store "
            + "before it exists");
    }
}
