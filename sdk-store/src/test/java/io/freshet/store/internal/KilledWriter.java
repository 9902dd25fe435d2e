package io.freshet.store.internal;

import io.freshet.core.spi.RowStore;
import io.freshet.store.internal.table.TableStore;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * Test support: leaves a store as a writer process killed at this instant would, so that a test can reopen it in the
 * same JVM and exercise recovery. No seal and no clean marker are written; the writer lock is released (the kernel
 * does that for a killed process) and the store object refuses further use. Reaches the store through the
 * package-private access this package has to {@link MetaBackedStore}; the engine's data file channel is left to the
 * garbage collector, which changes nothing on disk.
 *
 * <p>A kill also ends the store's growth threads, which must not outlive it here: one still writing the next
 * generation's file under its temporary name would delete that name once it saw the store closed, after the store
 * was reopened, and the reopened store's own growth to the same generation writes that very name (the growth failed
 * with NoSuchFileException and the full store waited out its 30 s retry). So the store is marked closed under its
 * monitor, which a table store's growth threads hold to publish a step (adopt a next file, retire an old one): each
 * step is published whole before the kill or never, as with a real kill. Then they are awaited (they see the store
 * closed and end at once, deleting only a next file no meta file names, which the reopen would delete anyway) before
 * the lock is released.
 *
 * <p>Table engine only: a Chronicle store abandoned this way keeps its map open in this JVM, with the query context of
 * an apply in flight, and Chronicle's close-on-exit hook then waits on it at JVM exit until surefire kills the fork
 * (30 s). For an engine-neutral killed store, copy the files of a live store while its apply is in flight, then abort
 * and close it (see {@code AbstractStoreIntegrityTest}).
 */
public final class KilledWriter {
    /** The fields of {@link TableStore} that hold its growth threads (private: test hooks stay in test code). */
    private static final String[] TABLE_THREAD_FIELDS = {"createThread", "retireThread"};

    private KilledWriter() {
    }

    /**
     * @param store a store of an engine of this module, open for writing
     */
    public static void abandonAsIfKilled(RowStore store) {
        MetaBackedStore s = (MetaBackedStore) store;
        List<Thread> threads;
        synchronized (s) {
            s.markClosed();
            threads = growthThreads(s);
        }
        // Outside the monitor: a growth thread takes it to learn that the store is closed.
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the killed store's thread=" + t.getName()
                    + " ended", e);
            }
        }
        s.meta.close();
        s.dir.close();
    }

    /** @return the growth threads a table store started (alive or not), none for other engines */
    private static List<Thread> growthThreads(MetaBackedStore s) {
        List<Thread> out = new ArrayList<>();
        if (!(s instanceof TableStore)) {
            return out;
        }
        for (String name : TABLE_THREAD_FIELDS) {
            try {
                Field f = TableStore.class.getDeclaredField(name);
                f.setAccessible(true);
                Thread t = (Thread) f.get(s);
                if (t != null) {
                    out.add(t);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("TableStore." + name + " (a growth thread this kill must end) is not "
                    + "readable: update KilledWriter.TABLE_THREAD_FIELDS to the fields that hold those threads", e);
            }
        }
        return out;
    }
}
