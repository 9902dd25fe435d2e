package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreGrowth;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.StoreHeaders;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.BootId;
import io.freshet.store.internal.KilledWriter;
import io.freshet.store.internal.table.TableStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Table-engine behaviour beyond the SPI contract: recovery of a writer killed at chosen moments (simulated in this
 * JVM by abandoning the store without a clean close), the OS-crash policy, readers facing a dead writer, mappings
 * split into many chunks, eviction under concurrent readers, and the offline resize tool.
 */
class TableStoreTest {
    static final int ROW = RowStoreContractTest.SET.rowSizeBytes();

    @TempDir
    Path dir;

    @AfterEach
    void clearProperties() {
        System.clearProperty(BootId.OVERRIDE_PROP_NAME);
        System.clearProperty(TableStore.READ_STALL_PROP_NAME);
        System.clearProperty("freshet.table.mapChunkBytes");
    }

    private StoreConfig.Builder config() {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(dir.resolve("s")).capacity(1000)
            .shards(2);
    }

    private static RowStore open(StoreConfig c) {
        return new TableStoreEngine().open(c);
    }

    /** Counter c0 of a row. */
    private static long c0(RowBuffer row) {
        return row.getLong(24);
    }

    private static void bump(ShardWriter w) {
        RowBuffer r = w.row();
        for (int f = 0; f < 8; f++) {
            r.putLong(24 + 16 * f, r.getLong(24 + 16 * f) + 1);
        }
    }

    private static void applyOnce(RowStore s, long key, int topic, long offset) {
        ShardWriter w = s.writer(s.shardOf(key));
        assertThat(w.begin(key, topic, 0, offset)).isEqualTo(ShardWriter.BEGIN_OK);
        bump(w);
        w.commit();
    }

    @Test
    void touchReadsAheadWithoutChangingRowsOffsetsOrTheWritersState() {
        RowStore s = open(config().build());
        int topic = s.topicIndex("t");
        for (long k = 0; k < 100; k++) {
            applyOnce(s, k, topic, k);
        }
        long[] before = new long[200];
        RowBuffer row = RowBuffer.allocateHeap(ROW);
        for (int k = 0; k < 200; k++) {
            before[k] = s.readRow(k, row) ? c0(row) : -1;
        }
        long[] offsets = new long[s.shardCount()];
        for (int sh = 0; sh < offsets.length; sh++) {
            offsets[sh] = s.writer(sh).appliedOffset(topic, 0);
        }
        for (int round = 0; round < 3; round++) {
            for (long k = 0; k < 200; k++) {
                s.writer(s.shardOf(k)).touch(k);
            }
        }
        for (int k = 0; k < 200; k++) {
            assertThat(s.readRow(k, row) ? c0(row) : -1).as("key=%d", k).isEqualTo(before[k]);
        }
        for (int sh = 0; sh < offsets.length; sh++) {
            assertThat(s.writer(sh).appliedOffset(topic, 0)).as("shard=%d", sh).isEqualTo(offsets[sh]);
        }
        // The writer has no apply in flight after touching: the next apply, of a touched absent key, goes through.
        applyOnce(s, 150, topic, 100);
        assertThat(s.readRow(150, row)).isTrue();
        assertThat(c0(row)).isEqualTo(1);
        s.close();
    }

    @Test
    void aWriterKilledMidApplyOnAnExistingKeyIsRolledBack() {
        RowStore s = open(config().build());
        int topic = s.topicIndex("t");
        applyOnce(s, 5, topic, 0);
        ShardWriter w = s.writer(s.shardOf(5));
        assertThat(w.begin(5, topic, 0, 1)).isEqualTo(ShardWriter.BEGIN_OK);
        bump(w);
        KilledWriter.abandonAsIfKilled(s);

        try (RowStore r = open(config().build())) {
            assertThat(r.openState()).isEqualTo(StoreOpenState.RECOVERED);
            assertThat(r.rolledBackApplies()).as("the one apply in flight").isEqualTo(1);
            RowBuffer row = RowBuffer.allocateHeap(ROW);
            assertThat(r.readRow(5, row)).isTrue();
            assertThat(c0(row)).isEqualTo(1);
            assertThat(r.appliedOffset(r.shardOf(5), topic, 0)).isEqualTo(0);
            applyOnce(r, 5, topic, 1);
            assertThat(r.readRow(5, row)).isTrue();
            assertThat(c0(row)).isEqualTo(2);
        }
    }

    @Test
    void aWriterKilledMidInsertLeavesNoRowAndNoLeakedSlot() {
        RowStore s = open(config().capacity(1).shards(1).build());
        ShardWriter w = s.writer(0);
        assertThat(w.begin(9, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
        bump(w);
        KilledWriter.abandonAsIfKilled(s);

        try (RowStore r = open(config().capacity(1).shards(1).build())) {
            assertThat(r.openState()).isEqualTo(StoreOpenState.RECOVERED);
            assertThat(r.readRow(9, RowBuffer.allocateHeap(ROW))).isFalse();
            assertThat(r.size()).isZero();
            applyOnce(r, 10, ShardWriter.NO_SOURCE, 0);
            assertThat(r.size()).as("the only slot is free again").isEqualTo(1);
        }
    }

    @Test
    void aWriterKilledMidInsertDoesNotBlockReadersOfTheRowsThatShareItsVersionWord() {
        // One shard fills slots in order: keys 1..3 take slots 0..2, key 4 slot 3, all under version word 0.
        StoreConfig c = config().capacity(16).shards(1).build();
        RowStore s = open(c);
        for (long k = 1; k <= 3; k++) {
            applyOnce(s, k, ShardWriter.NO_SOURCE, 0);
        }
        ShardWriter w = s.writer(0);
        assertThat(w.begin(4, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
        bump(w);
        KilledWriter.abandonAsIfKilled(s);

        System.setProperty(TableStore.READ_STALL_PROP_NAME, "200");
        try (RowStore r = open(c)) {
            assertThat(r.openState()).isEqualTo(StoreOpenState.RECOVERED);
            RowBuffer row = RowBuffer.allocateHeap(ROW);
            for (long k = 1; k <= 3; k++) {
                assertThat(r.readRow(k, row)).as("key " + k).isTrue();
                assertThat(c0(row)).isEqualTo(1);
            }
            assertThat(r.readRow(4, row)).isFalse();
            applyOnce(r, 4, ShardWriter.NO_SOURCE, 0);
            assertThat(r.readRow(4, row)).isTrue();
        }
    }

    @Test
    void aKilledWritersSlotWhoseKeyDoesNotHashToItsIndexEntryIsRefusedAtRecovery() throws Exception {
        StoreConfig c = config().capacity(16).shards(1).build();
        RowStore s = open(c);
        applyOnce(s, 5, ShardWriter.NO_SOURCE, 0);
        KilledWriter.abandonAsIfKilled(s);
        // No seal after a kill: the open-time key check is what catches a slot whose key was overwritten. The new
        // key's tag (bits 24..31 of the hash's low half in a shard of fewer than 2^24 slots) must differ from 5's.
        long other = 6;
        while (((int) Keys.hash(other) >>> 24) == ((int) Keys.hash(5) >>> 24)) {
            other++;
        }
        Path file = dir.resolve("s").resolve("table.fst");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long rowsOffset = readLong(ch, 120);
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, other), rowsOffset);
        }
        assertThatThrownBy(() -> open(c))
            .isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CORRUPT))
            .hasMessageContaining("slot=0");
    }

    @Test
    void aDataFileOfTheOlderFormatVersionIsRefusedWithATypedError() throws Exception {
        StoreConfig c = config().build();
        try (RowStore s = open(c)) {
            applyOnce(s, 5, ShardWriter.NO_SOURCE, 0);
        }
        // Rewrite the header as format 1 wrote it: formatVersion 1 at byte 8, the static CRC32C of [0, 248) at 248.
        Path file = dir.resolve("s").resolve("table.fst");
        StoreHeaders.rewriteFormatVersion(file, 1);
        for (StoreConfig opening : new StoreConfig[] {c, config().readOnly(true).build()}) {
            assertThatThrownBy(() -> open(opening))
                .isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.OLDER_FORMAT))
                .hasMessageContaining("formatVersion=1 < supported=2");
        }
    }

    private static long readLong(FileChannel ch, long position) throws java.io.IOException {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(b, position);
        return b.getLong(0);
    }

    @Test
    void shardOfAgreesWithTheSpiRoutingForEveryShardCount() {
        // The store masks instead of dividing when the count is a power of two; routing must not notice.
        for (int shards : new int[] {1, 2, 3, 4, 6, 8}) {
            StoreConfig c = config().shards(shards).directory(dir.resolve("shards-" + shards)).build();
            try (RowStore s = open(c)) {
                for (long k = -500; k < 500; k++) {
                    long key = k * 0x9E3779B97F4A7C15L;
                    assertThat(s.shardOf(key)).as("shards=" + shards + " key=" + key)
                        .isEqualTo(Keys.shardOf(Keys.hash(key), shards));
                }
            }
        }
    }

    @Test
    void aWriterKilledAfterCommitKeepsTheApply() {
        RowStore s = open(config().build());
        int topic = s.topicIndex("t");
        applyOnce(s, 5, topic, 7);
        KilledWriter.abandonAsIfKilled(s);
        try (RowStore r = open(config().build())) {
            assertThat(r.openState()).isEqualTo(StoreOpenState.RECOVERED);
            RowBuffer row = RowBuffer.allocateHeap(ROW);
            assertThat(r.readRow(5, row)).isTrue();
            assertThat(c0(row)).isEqualTo(1);
            assertThat(r.appliedOffset(r.shardOf(5), topic, 0)).isEqualTo(7);
        }
    }

    @Test
    void aStoreLeftOpenAcrossAnOsCrashFailsOrRebuildsByPolicy() {
        RowStore s = open(config().build());
        applyOnce(s, 5, ShardWriter.NO_SOURCE, 0);
        KilledWriter.abandonAsIfKilled(s);
        System.setProperty(BootId.OVERRIDE_PROP_NAME, "another-boot");
        assertThatThrownBy(() -> open(config().build()))
            .isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.OS_CRASH));
        try (RowStore r = open(config().osCrashPolicy(StoreConfig.OsCrashPolicy.REBUILD).build())) {
            assertThat(r.openState()).isEqualTo(StoreOpenState.CREATED);
            assertThat(r.size()).isZero();
        }
    }

    @Test
    void aReaderRefusesAStoreWhoseWriterWasKilledAndNotRecovered() {
        RowStore s = open(config().build());
        applyOnce(s, 5, ShardWriter.NO_SOURCE, 0);
        KilledWriter.abandonAsIfKilled(s);
        assertThatThrownBy(() -> open(config().readOnly(true).build()))
            .isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.DAMAGED))
            .hasMessageContaining("recover");
    }

    @Test
    void aReadOfARowHeldOddTooLongGivesUpWithATypedError() {
        try (RowStore w = open(config().build())) {
            applyOnce(w, 5, ShardWriter.NO_SOURCE, 0);
            System.setProperty(TableStore.READ_STALL_PROP_NAME, "100");
            try (RowStore r = open(config().readOnly(true).build())) {
                ShardWriter sw = w.writer(w.shardOf(5));
                assertThat(sw.begin(5, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
                RowBuffer row = RowBuffer.allocateHeap(ROW);
                assertThatThrownBy(() -> r.readRow(5, row))
                    .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.DAMAGED));
                sw.commit();
                assertThat(r.readRow(5, row)).isTrue();
                assertThat(c0(row)).isEqualTo(1);
            }
        }
    }

    @Test
    void aStoreSplitIntoManyMappingsReadsWritesAndReopens() {
        System.setProperty("freshet.table.mapChunkBytes", "4096");
        StoreConfig c = config().capacity(3000).build();
        try (RowStore s = open(c)) {
            for (long k = 0; k < 3000; k++) {
                applyOnce(s, k, ShardWriter.NO_SOURCE, 0);
            }
        }
        try (RowStore s = open(c)) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.CLEAN);
            assertThat(s.size()).isEqualTo(3000);
            RowBuffer row = RowBuffer.allocateHeap(ROW);
            for (long k = 0; k < 3000; k++) {
                assertThat(s.readRow(k, row)).as("key " + k).isTrue();
                assertThat(c0(row)).isEqualTo(1);
            }
        }
    }

    @Test
    void evictingKeysInsertedFirstLeavesEveryLaterKeyReachable() {
        // Keys inserted first sit at their home positions; keys inserted later probe past them and may end up far
        // from home, behind entries that are at their own homes. Deleting an early key must not strand such a key
        // behind the new empty entry (a backward shift that stops at the first entry that cannot move does).
        StoreConfig c = config().capacity(2000).shards(1).build();
        try (RowStore s = open(c)) {
            ShardWriter w = s.writer(0);
            for (long k = 0; k < 1900; k++) {
                assertThat(w.begin(k, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
                bump(w);
                // The first 300 keys are idle at t = 10 s; the others were applied at t = 20 s.
                w.row().putLong(0, k < 300 ? 10_000 : 20_000);
                w.commit();
            }
            int evicted = 0;
            for (int pass = 0; pass < 10 && evicted < 300; pass++) {
                evicted += w.evictIdle(15_000, 1_000, 4096);
            }
            assertThat(evicted).isEqualTo(300);
            List<Long> unreachable = new ArrayList<>();
            RowBuffer row = RowBuffer.allocateHeap(ROW);
            for (long k = 300; k < 1900; k++) {
                if (!s.readRow(k, row)) {
                    unreachable.add(k);
                }
            }
            assertThat(unreachable).as("keys no look-up finds after the evictions").isEmpty();
            assertThat(s.size()).isEqualTo(1600);
        }
        try (RowStore s = open(c)) {
            assertThat(s.size()).as("after a clean reopen").isEqualTo(1600);
        }
    }

    @Test
    void evictionNeverHidesAPresentKeyFromAConcurrentReader() throws Exception {
        // A small, crowded table: long probe clusters, so evictions shift entries past readers constantly.
        StoreConfig c = config().capacity(2000).shards(1).build();
        try (RowStore s = open(c)) {
            ShardWriter w = s.writer(0);
            long t0 = 1_000_000;
            for (long k = 0; k < 1000; k++) {
                assertThat(w.begin(k, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
                w.row().putLong(0, t0 + 1_000_000);
                w.commit();
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<String> missed = new AtomicReference<>();
            AtomicLong reads = new AtomicLong();
            Thread reader = new Thread(() -> {
                RowBuffer row = RowBuffer.allocateHeap(ROW);
                long k = 0;
                while (!stop.get() && missed.get() == null) {
                    if (!s.readRow(k, row)) {
                        missed.set("key " + k);
                    }
                    k = (k + 1) % 1000;
                    reads.incrementAndGet();
                }
            });
            reader.start();
            long deadline = System.nanoTime() + 1_500_000_000L;
            long next = 1000;
            int rounds = 0;
            while (System.nanoTime() < deadline && missed.get() == null) {
                // Insert 900 short-lived keys, then evict them all (lastApplyMs = t0 is idle at t0 + 2 ms).
                for (int i = 0; i < 900; i++) {
                    assertThat(w.begin(next++, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
                    w.row().putLong(0, t0);
                    w.commit();
                }
                int evicted = 0;
                while (evicted < 900) {
                    evicted += w.evictIdle(t0 + 2, 1, 4096);
                }
                assertThat(evicted).isEqualTo(900);
                rounds++;
            }
            stop.set(true);
            reader.join();
            assertThat(missed.get()).as("a present key read as absent during a shift").isNull();
            assertThat(rounds).isPositive();
            assertThat(reads.get()).isPositive();
            assertThat(s.size()).isEqualTo(1000);
        }
    }

    @Test
    void resizeCopiesRowsOffsetsTopicsAndMetadataIntoALargerStore() {
        StoreConfig small = config().capacity(64).growth(StoreGrowth.disabled()).build();
        int topic;
        long inserted = 0;
        try (RowStore s = open(small)) {
            topic = s.topicIndex("events");
            s.putMetadata("kafka.cluster.id", "c-1");
            for (long k = 0; k < 10_000; k++) {
                ShardWriter w = s.writer(s.shardOf(k));
                if (w.begin(k, topic, 0, k) == ShardWriter.BEGIN_FULL) {
                    break;
                }
                bump(w);
                w.commit();
                inserted++;
            }
        }
        assertThat(inserted).isGreaterThanOrEqualTo(64);
        Path bigger = dir.resolve("bigger");
        assertThat(TableStoreEngine.resize(small, bigger, 1000)).isEqualTo(inserted);
        StoreConfig big = StoreConfig.builder(RowStoreContractTest.SET).directory(bigger).capacity(1000)
            .shards(2).build();
        try (RowStore src = open(small); RowStore r = open(big)) {
            assertThat(r.size()).isEqualTo(inserted);
            assertThat(r.topicIndex("events")).isEqualTo(topic);
            assertThat(r.metadata("kafka.cluster.id")).isEqualTo("c-1");
            RowBuffer a = RowBuffer.allocateHeap(ROW);
            RowBuffer b = RowBuffer.allocateHeap(ROW);
            for (long k = 0; k < inserted; k++) {
                assertThat(src.readRow(k, a)).isTrue();
                assertThat(r.readRow(k, b)).isTrue();
                assertThat(b.contentEquals(a, ROW)).as("row of key " + k).isTrue();
            }
            for (int shard = 0; shard < 2; shard++) {
                assertThat(r.appliedOffset(shard, topic, 0)).isEqualTo(src.appliedOffset(shard, topic, 0));
            }
            applyOnce(r, 50_000, ShardWriter.NO_SOURCE, 0);
            assertThat(r.size()).as("the copy has room to grow").isEqualTo(inserted + 1);
        }
    }
}
