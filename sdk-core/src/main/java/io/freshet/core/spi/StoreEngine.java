package io.freshet.core.spi;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;

/**
 * Opens or creates stores of one kind. Engines are stateless and thread-safe.
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
}
