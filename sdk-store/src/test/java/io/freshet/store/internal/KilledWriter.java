package io.freshet.store.internal;

import io.freshet.core.spi.RowStore;

/**
 * Test support: leaves a store as a writer process killed at this instant would, so that a test can reopen it in the
 * same JVM and exercise recovery. No seal and no clean marker are written; the writer lock is released (the kernel
 * does that for a killed process) and the store object refuses further use. Reaches the store through the
 * package-private access this package has to {@link MetaBackedStore}; the engine's data file channel is left to the
 * garbage collector, which changes nothing on disk.
 *
 * <p>Table engine only: a Chronicle store abandoned this way keeps its map open in this JVM, with the query context of
 * an apply in flight, and Chronicle's close-on-exit hook then waits on it at JVM exit until surefire kills the fork
 * (30 s). For an engine-neutral killed store, copy the files of a live store while its apply is in flight, then abort
 * and close it (see {@code AbstractStoreIntegrityTest}).
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
