package io.freshet.store.internal.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.internal.KilledWriter;
import io.freshet.store.internal.StoreDirectory;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KilledWriter}: a kill in this JVM ends the store's growth threads with it, as a real kill does, so that none
 * of them touches the directory once the next open owns it. (One that outlived the kill deleted the next file's
 * temporary name after the reopened store's own growth had created it: that growth failed, and the full store
 * waited out its retry; TableRowChecksTest failed so under load.)
 */
class KilledWriterTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearHook() {
        GrowthStep.hook = null;
    }

    @Test
    void aGrowthThreadWritingTheNextFileEndsWithTheKill() throws InterruptedException {
        StoreConfig c = StoreConfig.builder(RowStoreContractTest.SET).directory(dir.resolve("s")).capacity(32)
            .shards(1).rowChecks(true).build();
        AtomicReference<TableStore> killed = new AtomicReference<>();
        AtomicReference<Thread> grower = new AtomicReference<>();
        CountDownLatch writing = new CountDownLatch(1);
        GrowthStep.hook = step -> {
            if (step == GrowthStep.NEXT_FILE_WRITING && grower.compareAndSet(null, Thread.currentThread())) {
                writing.countDown();
                // Held until the kill, then descheduled a while, as on a loaded machine: only after that does it
                // see the store closed and cancel its file.
                while (!killed.get().isClosed()) {
                    Thread.onSpinWait();
                }
                sleepQuietly(300);
            }
        };
        TableStore s = (TableStore) TableStore.open(c);
        killed.set(s);
        long keys = 0;
        while (!s.growing() && apply(s, keys)) {
            keys++;
        }
        assertThat(writing.await(30, TimeUnit.SECONDS)).as("a growth started writing its next file").isTrue();
        Path tmp = dir.resolve("s").resolve(TableFormat.fileName(2) + StoreDirectory.TMP_SUFFIX);
        assertThat(tmp).exists();

        KilledWriter.abandonAsIfKilled(s);

        assertThat(grower.get().isAlive()).as("the killed store's growth thread is still running").isFalse();
        assertThat(tmp).as("the cancelled file's temporary name, removed before the next open").doesNotExist();
        GrowthStep.hook = null;
        try (TableStore again = (TableStore) TableStore.open(c)) {
            assertThat(again.openState()).isEqualTo(StoreOpenState.RECOVERED);
            RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.SET.rowSizeBytes());
            for (long k = 0; k < keys; k++) {
                assertThat(again.readRow(k, row)).as("key " + k).isTrue();
            }
        }
    }

    /** @return false when the store is full (the growth that would make room is held by the hook) */
    private static boolean apply(TableStore s, long key) {
        ShardWriter w = s.writer(s.shardOf(key));
        if (w.begin(key, ShardWriter.NO_SOURCE, 0, 0) != ShardWriter.BEGIN_OK) {
            return false;
        }
        w.row().putLong(24, 1);
        w.commit();
        return true;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
