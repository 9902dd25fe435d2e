package io.freshet.store.internal.table;

import io.freshet.core.StoreConfig;
import java.nio.file.Path;

/**
 * The offline snapshot (the store tool's {@code snapshot} command): opens a store that no process has open for
 * writing (so it is locked meanwhile, and recovered first if its writer was killed) and copies it into a new
 * directory on the calling thread, exactly as a live snapshot would ({@link TableSnapshot}), then closes it.
 *
 * <p>Internal. Single-threaded; allocates freely (an offline tool).
 */
public final class TableSnapshotTool {
    private TableSnapshotTool() {
    }

    /**
     * @param source the store's options, open for writing (not read-only)
     * @param target an absent or empty directory
     * @return rows copied
     * @throws io.freshet.core.StoreException LOCKED when a writer has the store open, IO when the target is not
     *     empty, or as the open refuses the store
     */
    public static long snapshot(StoreConfig source, Path target) {
        try (TableStore s = TableStore.open(source)) {
            return s.takeSnapshot(target, true);
        }
    }
}
