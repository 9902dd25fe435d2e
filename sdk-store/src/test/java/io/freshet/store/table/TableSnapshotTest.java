package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreGrowth;
import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.table.TableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots of a live table store ({@link RowStore#snapshotTo}), checked against a plain reference model: a writer
 * thread applies records (inserts, updates) and TTL evictions while another thread takes the snapshot; the snapshot
 * must hold, per shard, exactly the events before its snapshot point (which its offsets name), and a store opened on
 * it that is fed the whole log again (duplicates skipped by offset) must end equal to the live store.
 */
class TableSnapshotTest {
    private static final int ROW = RowStoreContractTest.SET.rowSizeBytes();
    private static final int COUNTERS = 8;
    private static final int KEYS = 6_000;
    private static final int PARTITIONS = 4;
    private static final int DATA_TOPIC = 0;
    /** advanceOffset markers: the k-th eviction of a shard is followed by offset k on this topic. */
    private static final int MARKER_TOPIC = 1;
    private static final int EVICT_EVERY = 5_000;
    private static final long TTL = 8_000;

    @TempDir
    Path dir;

    @AfterEach
    void clearProperties() {
        System.clearProperty("freshet.table.snapshotRowsPerApply");
        System.clearProperty("freshet.table.snapshotStallMs");
    }

    private StoreConfig config(Path d) {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(d).capacity(20_000).shards(4).maxTopics(2)
            .maxPartitions(PARTITIONS).growth(StoreGrowth.disabled()).build();
    }

    private static TableStore open(StoreConfig c) {
        return (TableStore) new TableStoreEngine().open(c);
    }

    /** The event log: an apply (key, partition, offset) or an eviction of one shard ({@code key = -1 - shard}). */
    static final class Log {
        final long[] key;
        final int[] partition;
        final long[] offset;
        /** For an eviction: its number within its shard (1, 2, ...), for an apply: the logical clock. */
        final long[] clock;
        int size;

        Log(int capacity) {
            key = new long[capacity];
            partition = new int[capacity];
            offset = new long[capacity];
            clock = new long[capacity];
        }
    }

    /** Applies one record: the eight counters plus one, the last-apply word set to the logical clock. */
    private static void apply(RowStore s, long key, int partition, long offset, long clock) {
        ShardWriter w = s.writer(s.shardOf(key));
        int r = w.begin(key, DATA_TOPIC, partition, offset);
        if (r == ShardWriter.BEGIN_DUPLICATE) {
            return;
        }
        assertThat(r).isEqualTo(ShardWriter.BEGIN_OK);
        RowBuffer row = w.row();
        for (int f = 0; f < COUNTERS; f++) {
            row.putLong(24 + 16 * f, row.getLong(24 + 16 * f) + 1);
        }
        row.putLong(CompiledLayout.ROW_LAST_APPLY_MS, clock);
        w.commit();
    }

    /** Evicts every row of a shard last applied before {@code clock - TTL} (a full scan), then writes its marker. */
    private static void evict(RowStore s, int shard, long clock, long number) {
        ShardWriter w = s.writer(shard);
        w.evictIdle(clock, TTL, (int) (2 * s.capacity()));
        w.advanceOffset(MARKER_TOPIC, 0, number);
    }

    /** The reference: per key its count and last clock, from the events the filter admits. */
    private static long[][] model(Log log, RowStore shape, long[][] dataOffsets, long[] markers) {
        long[] count = new long[KEYS];
        long[] last = new long[KEYS];
        for (int i = 0; i < log.size; i++) {
            long k = log.key[i];
            if (k >= 0) {
                int sh = shape.shardOf(k);
                if (dataOffsets == null || log.offset[i] <= dataOffsets[sh][log.partition[i]]) {
                    count[(int) k]++;
                    last[(int) k] = log.clock[i];
                }
            } else {
                int sh = (int) (-1 - k);
                if (markers == null || log.clock[i] <= markers[sh]) {
                    long now = log.offset[i];
                    for (int key = 0; key < KEYS; key++) {
                        if (shape.shardOf(key) == sh && count[key] > 0 && now - last[key] > TTL) {
                            count[key] = 0;
                        }
                    }
                }
            }
        }
        return new long[][] {count, last};
    }

    private static void check(RowStore s, long[][] model, String what) {
        RowBuffer row = RowBuffer.allocateHeap(ROW);
        long present = 0;
        for (int k = 0; k < KEYS; k++) {
            boolean found = s.readRow(k, row);
            if (model[0][k] == 0) {
                assertThat(found).as(what + ": key " + k + " absent").isFalse();
                continue;
            }
            present++;
            assertThat(found).as(what + ": key " + k + " present").isTrue();
            for (int f = 0; f < COUNTERS; f++) {
                assertThat(row.getLong(24 + 16 * f)).as(what + ": counter " + f + " of key " + k)
                    .isEqualTo(model[0][k]);
            }
            assertThat(row.getLong(CompiledLayout.ROW_LAST_APPLY_MS)).as(what + ": clock of key " + k)
                .isEqualTo(model[1][k]);
        }
        assertThat(s.size()).as(what + ": size").isEqualTo(present);
    }

    /** Runs the log's events in order (the writer thread's work, or a replay into the restored store). */
    private static void run(RowStore s, Log log, int from, int to, long[] markers) {
        for (int i = from; i < to; i++) {
            long k = log.key[i];
            if (k >= 0) {
                apply(s, k, log.partition[i], log.offset[i], log.clock[i]);
            } else {
                int sh = (int) (-1 - k);
                if (markers == null || log.clock[i] > markers[sh]) {
                    evict(s, sh, log.offset[i], log.clock[i]);
                }
            }
        }
    }

    private static Log randomLog(int records, long seed, RowStore shape) {
        Log log = new Log(records + records / EVICT_EVERY * shape.shardCount() + 1);
        SplittableRandom random = new SplittableRandom(seed);
        long[] next = new long[PARTITIONS];
        long[] evictions = new long[shape.shardCount()];
        for (int i = 1; i <= records; i++) {
            int p = random.nextInt(PARTITIONS);
            int n = log.size++;
            // Skewed: a hot tenth of the keys gets half the records, so rows change again while the copy runs.
            log.key[n] = random.nextBoolean() ? random.nextInt(KEYS / 10) : random.nextInt(KEYS);
            log.partition[n] = p;
            log.offset[n] = next[p]++;
            log.clock[n] = i;
            if (i % EVICT_EVERY == 0) {
                for (int sh = 0; sh < shape.shardCount(); sh++) {
                    int e = log.size++;
                    log.key[e] = -1 - sh;
                    log.offset[e] = i;
                    log.clock[e] = ++evictions[sh];
                }
            }
        }
        return log;
    }

    @Test
    void snapshotOfALiveStoreHoldsExactlyTheEventsBeforeEachShardsPointAndResumesToTheSameState() throws Exception {
        // One row copied per apply: the copy runs over thousands of applies, and rows change and get evicted in it.
        System.setProperty("freshet.table.snapshotRowsPerApply", "1");
        Path live = dir.resolve("live");
        Path snap = dir.resolve("snap");
        TableStore s = open(config(live));
        Log log = randomLog(400_000, 11, s);
        AtomicInteger done = new AtomicInteger();
        AtomicBoolean snapshotTaken = new AtomicBoolean();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < log.size; i++) {
                    run(s, log, i, i + 1, null);
                    done.set(i + 1);
                    // Past the middle, slow down until the snapshot is taken, so it overlaps applies.
                    while (i > log.size / 2 && !snapshotTaken.get()) {
                        Thread.onSpinWait();
                        for (int sh = 0; sh < s.shardCount(); sh++) {
                            s.writer(sh).maintain(1);
                        }
                        break;
                    }
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        }, "snapshot-test-writer");
        writer.start();
        while (done.get() < log.size / 4) {
            Thread.sleep(1);
        }
        int before = done.get();
        long rows = s.snapshotTo(snap);
        int after = done.get();
        snapshotTaken.set(true);
        writer.join();
        assertThat(writerFailure.get()).isNull();
        assertThat(after - before).as("events applied while the snapshot was taken").isGreaterThan(1_000);
        check(s, model(log, s, null, null), "live store");

        try (TableStore restored = open(config(snap))) {
            long[][] offsets = new long[s.shardCount()][PARTITIONS];
            long[] markers = new long[s.shardCount()];
            for (int sh = 0; sh < s.shardCount(); sh++) {
                for (int p = 0; p < PARTITIONS; p++) {
                    offsets[sh][p] = restored.appliedOffset(sh, DATA_TOPIC, p);
                }
                long m = restored.appliedOffset(sh, MARKER_TOPIC, 0);
                markers[sh] = m == ShardWriter.NO_OFFSET ? 0 : m;
            }
            assertThat(rows).as("rows copied").isEqualTo(restored.size());
            check(restored, model(log, s, offsets, markers), "snapshot");
            // Fed the whole log again, as a pipeline resuming from the snapshot's offsets would be: duplicates skip.
            run(restored, log, 0, log.size, markers);
            check(restored, model(log, s, null, null), "restored store after the replay");
        }
        s.close();
    }

    @Test
    void snapshotOfAnIdleStoreIsCopiedByMaintainAndOpensClean() {
        Path live = dir.resolve("live");
        try (TableStore s = open(config(live))) {
            Log log = randomLog(20_000, 3, s);
            run(s, log, 0, log.size, null);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicBoolean stop = new AtomicBoolean();
            // An idle applier: calls maintain on its writers, nothing else.
            Thread applier = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        for (int sh = 0; sh < s.shardCount(); sh++) {
                            s.writer(sh).maintain(64);
                        }
                        Thread.onSpinWait();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            applier.start();
            try {
                assertThat(s.snapshotTo(dir.resolve("snap"))).isEqualTo(s.size());
            } finally {
                stop.set(true);
            }
            assertThat(failure.get()).isNull();
            try (TableStore restored = open(config(dir.resolve("snap")))) {
                assertThat(restored.openState()).isEqualTo(io.freshet.core.StoreOpenState.CLEAN);
                check(restored, model(log, s, null, null), "snapshot of an idle store");
            }
        }
    }

    @Test
    void snapshotOfAStoreThatGrewHoldsEveryRowAndOpensWithTheConfigItWasCreatedWith() throws Exception {
        StoreConfig small = StoreConfig.builder(RowStoreContractTest.SET).directory(dir.resolve("live")).capacity(100)
            .shards(2).build();
        long[] reference = new long[3_000];
        SplittableRandom random = new SplittableRandom(5);
        try (TableStore s = open(small)) {
            for (int i = 0; i < 12_000; i++) {
                int k = random.nextInt(reference.length);
                TableGrowthTest.bump(s, k);
                reference[k]++;
            }
            assertThat(s.capacity()).as("grown").isGreaterThan(100);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            // The idle applier: finishes a growth still copying rows, then copies the snapshot's.
            Thread applier = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        for (int sh = 0; sh < s.shardCount(); sh++) {
                            s.writer(sh).maintain(64);
                        }
                        Thread.onSpinWait();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            applier.start();
            try {
                assertThat(s.snapshotTo(dir.resolve("snap"))).isEqualTo(s.size());
            } finally {
                stop.set(true);
                applier.join();
            }
            assertThat(failure.get()).isNull();
        }
        try (TableStore restored = open(StoreConfig.builder(
            RowStoreContractTest.SET).directory(dir.resolve("snap")).capacity(100).shards(2).build())) {
            RowBuffer row = RowBuffer.allocateHeap(ROW);
            long present = 0;
            for (int k = 0; k < reference.length; k++) {
                assertThat(TableGrowthTest.count(restored, k, row)).as("count of key " + k)
                    .isEqualTo(reference[k] == 0 ? -1 : reference[k]);
                present += reference[k] == 0 ? 0 : 1;
            }
            assertThat(restored.size()).isEqualTo(present);
            // It keeps growing as the live store would.
            for (int k = reference.length; k < 2 * reference.length; k++) {
                TableGrowthTest.bump(restored, k);
            }
            assertThat(restored.size()).isEqualTo(present + reference.length);
        }
    }

    @Test
    void snapshotIntoANonEmptyDirectoryIsRefusedAndLeavesItAlone() throws Exception {
        Path target = Files.createDirectories(dir.resolve("busy"));
        Files.writeString(target.resolve("mine.txt"), "x");
        try (TableStore s = open(config(dir.resolve("live")))) {
            assertThatThrownBy(() -> s.snapshotTo(target)).isInstanceOf(StoreException.class)
                .hasMessageContaining("not empty");
        }
        assertThat(target.resolve("mine.txt")).exists();
    }

    @Test
    void snapshotWhoseWritersAreNeverCalledFailsAndDeletesThePartialCopy() {
        System.setProperty("freshet.table.snapshotStallMs", "300");
        Path target = dir.resolve("snap");
        try (TableStore s = open(config(dir.resolve("live")))) {
            apply(s, 1, 0, 0, 1);
            assertThatThrownBy(() -> s.snapshotTo(target)).isInstanceOf(StoreException.class)
                .hasMessageContaining("made no progress").hasMessageContaining("writer is not being called");
            // The writers, called again later, leave the withdrawn snapshot without touching it.
            apply(s, 2, 0, 1, 2);
            assertThat(s.size()).isEqualTo(2);
        }
        assertThat(target).doesNotExist();
    }
}
