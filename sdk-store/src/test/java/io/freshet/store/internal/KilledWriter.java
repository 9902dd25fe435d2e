package io.freshet.store.internal;

import io.freshet.core.spi.RowStore;

/**
 * Test support: leaves a store as a writer process killed at this instant would, so that a test can reopen it in the
 * same JVM and exercise recovery. No seal and no clean marker are written; the writer lock is released (the kernel
 * does that for a killed process) and the store object refuses further use. Reaches the store through the
 * package-private access this package has to {@link MetaBackedStore}; the engine's data file channel is left to the
 * garbage collector, which changes nothing on disk.
 */
public final class KilledWriter {
    private KilledWriter() {
    }

    /**
     * @param store a store of an engine of this module, open for writing
     */
    public static void abandonAsIfKilled(RowStore store) {
        MetaBackedStore s = (MetaBackedStore) store;
        s.markClosed();
        s.meta.close();
        s.dir.close();
    }
}
