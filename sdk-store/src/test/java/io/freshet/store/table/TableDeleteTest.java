package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.table.TableStore;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deletes in a table store that grows: a key deleted while its shard copies rows from the old generation reads
 * MISSING at once (readers fall back to the old shard while it migrates), is never brought back by the copy, and
 * the store matches a reference count per key after the growth, after a reopen and after an abandoned writer.
 */
class TableDeleteTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearProperties() {
        System.clearProperty("freshet.table.migrateRowsPerApply");
    }

    private StoreConfig config() {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(dir.resolve("s")).capacity(100).shards(2)
            .build();
    }

    private static TableStore open(StoreConfig c) {
        return (TableStore) new TableStoreEngine().open(c);
    }

    @Test
    void deletesWhileTheStoreGrowsAreNeverUndoneByTheCopy() throws Exception {
        System.setProperty("freshet.table.migrateRowsPerApply", "1");
        long[] reference = new long[20_000];
        SplittableRandom random = new SplittableRandom(23);
        RowBuffer row = RowBuffer.allocateHeap(TableGrowthTest.ROW);
        int deletesWhileGrowing = 0;
        int deletesFound = 0;
        AtomicReference<String> failure = new AtomicReference<>();
        try (TableStore s = open(config())) {
            // A reader beside the writer: every row it sees is whole (the eight counters equal).
            Thread reader = new Thread(() -> {
                RowBuffer r = RowBuffer.allocateHeap(TableGrowthTest.ROW);
                try {
                    for (long k = 0; !Thread.currentThread().isInterrupted(); k = (k + 1) % reference.length) {
                        TableGrowthTest.count(s, k, r);
                    }
                } catch (Throwable t) {
                    failure.set(t.toString());
                }
            });
            reader.start();
            for (int i = 0; i < 120_000; i++) {
                int k = random.nextInt(Math.max(1, Math.min(reference.length, i / 6 + 1)));
                if (random.nextInt(5) == 0) {
                    boolean growing = s.growing();
                    int r = s.writer(s.shardOf(k)).delete(k, ShardWriter.NO_SOURCE, 0, 0);
                    assertThat(r).as("delete of key " + k).isEqualTo(reference[k] > 0 ? ShardWriter.DELETED
                        : ShardWriter.DELETE_ABSENT);
                    assertThat(TableGrowthTest.count(s, k, row)).as("key " + k + " read after its delete")
                        .isEqualTo(-1);
                    if (r == ShardWriter.DELETED && growing) {
                        deletesWhileGrowing++;
                    }
                    deletesFound += r == ShardWriter.DELETED ? 1 : 0;
                    reference[k] = 0;
                } else {
                    TableGrowthTest.bump(s, k);
                    reference[k]++;
                }
            }
            reader.interrupt();
            reader.join();
            assertThat(failure.get()).isNull();
            for (int shard = 0; shard < s.shardCount(); shard++) {
                s.writer(shard).maintain(1 << 20);
            }
            checkAll(s, reference);
            assertThat(s.growthCount()).isGreaterThanOrEqualTo(6);
        }
        assertThat(deletesFound).isPositive();
        assertThat(deletesWhileGrowing).as("deletes of rows while a growth copied them").isPositive();
        try (TableStore s = open(config())) {
            checkAll(s, reference);
        }
    }

    @Test
    void aWriterAbandonedAfterDeletesInTheMiddleOfAGrowthRecoversExactlyTheModel() throws Exception {
        System.setProperty("freshet.table.migrateRowsPerApply", "1");
        long[] reference = new long[3000];
        SplittableRandom random = new SplittableRandom(5);
        int k = 0;
        for (int round = 0; round < 30 && k < reference.length; round++) {
            TableStore s = open(config());
            checkAll(s, reference);
            for (int i = 0; i < 150 && k < reference.length; i++, k++) {
                TableGrowthTest.bump(s, k);
                reference[k]++;
                int d = random.nextInt(k + 1);
                s.writer(s.shardOf(d)).delete(d, ShardWriter.NO_SOURCE, 0, 0);
                reference[d] = 0;
            }
            TableGrowthTest.abandonAsIfKilled(s);
        }
        try (TableStore s = open(config())) {
            checkAll(s, reference);
        }
    }

    /**
     * Privacy: once a delete completed, no byte of the deleted entity's key or row is left in the store's files (the
     * freed slot and the undo record's copy are zeroed), while the other keys' rows are intact.
     */
    @Test
    void aDeletedKeyLeavesNoBytesInTheStoreFiles() throws Exception {
        String canary = "privacy-canary-\u00e9-4242";
        StoreConfig c = StoreConfig.builder(RowStoreContractTest.TEXT_SET).directory(dir.resolve("p")).capacity(100)
            .shards(2).maxKeyBytes(32).build();
        long marker = 0x5EC2E7_5EC2E7L;
        try (TableStore s = open(c)) {
            for (String k : new String[] {"alice", canary, "bob"}) {
                ShardWriter w = s.writer(s.shardOf(k));
                for (int i = 0; i < 3; i++) {
                    assertThat(w.begin(k, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
                    w.row().putLong(24, k.equals(canary) ? marker + i : 7);
                    w.commit();
                }
            }
            assertThat(s.writer(s.shardOf(canary)).delete(canary, ShardWriter.NO_SOURCE, 0, 0))
                .isEqualTo(ShardWriter.DELETED);
            RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.TEXT_SET.rowSizeBytes());
            assertThat(s.readRow(canary, row)).isFalse();
            assertThat(s.readRow("alice", row)).isTrue();
            assertThat(row.getLong(24)).isEqualTo(7);
        }
        byte[] key = canary.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] value = new byte[8];
        java.nio.ByteBuffer.wrap(value).order(java.nio.ByteOrder.nativeOrder()).putLong(marker + 2);
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir.resolve("p"))) {
            for (Path f : files.toList()) {
                byte[] bytes = java.nio.file.Files.readAllBytes(f);
                assertThat(indexOf(bytes, key)).as("the deleted key in " + f.getFileName()).isEqualTo(-1);
                assertThat(indexOf(bytes, value)).as("the deleted row's value in " + f.getFileName()).isEqualTo(-1);
            }
        }
        try (TableStore s = open(c)) {
            RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.TEXT_SET.rowSizeBytes());
            assertThat(s.readRow("bob", row)).isTrue();
            assertThat(s.readRow(canary, row)).isFalse();
            assertThat(s.size()).isEqualTo(2);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void checkAll(TableStore s, long[] reference) {
        RowBuffer row = RowBuffer.allocateHeap(TableGrowthTest.ROW);
        long present = 0;
        for (int k = 0; k < reference.length; k++) {
            assertThat(TableGrowthTest.count(s, k, row)).as("count of key " + k)
                .isEqualTo(reference[k] == 0 ? -1 : reference[k]);
            present += reference[k] == 0 ? 0 : 1;
        }
        assertThat(s.size()).isEqualTo(present);
    }
}
