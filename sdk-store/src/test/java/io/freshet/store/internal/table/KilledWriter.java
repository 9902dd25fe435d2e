package io.freshet.store.internal.table;

import io.freshet.core.spi.RowStore;

/**
 * Test support: leaves a table store as a writer process killed at this instant would, so that a test can reopen it
 * in the same JVM and exercise recovery. No seal and no clean marker are written; the files' channels are closed
 * and the writer lock is released (the kernel does both for a killed process). The abandoned store object must not
 * be used again.
 */
public final class KilledWriter {
    private KilledWriter() {
    }

    /**
     * @param store a table store open for writing
     */
    public static void abandonAsIfKilled(RowStore store) {
        TableStore s = (TableStore) store;
        s.file().close();
        s.meta().close();
        s.directory().close();
    }
}
