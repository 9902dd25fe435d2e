package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.KilledWriter;
import io.freshet.store.internal.table.TableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online growth of the table engine, checked against a plain reference model (a count per key): every key applied
 * is read back with exactly its count while the store grows many times over, by a reader running beside the writer,
 * after a close in the middle of a growth, and after the writer is abandoned (a kill in this JVM) in the middle of
 * one.
 */
class TableGrowthTest {
    static final int ROW = RowStoreContractTest.SET.rowSizeBytes();
    static final int COUNTERS = 8;

    @TempDir
    Path dir;

    @AfterEach
    void clearProperties() {
        System.clearProperty("freshet.table.migrateRowsPerApply");
    }

    private StoreConfig.Builder config() {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(dir.resolve("s")).capacity(100).shards(2);
    }

    private static TableStore open(StoreConfig c) {
        return (TableStore) new TableStoreEngine().open(c);
    }

    /** Adds one to each of the row's eight counters; waits while the store makes room (a growth under way). */
    static void bump(RowStore s, long key) {
        ShardWriter w = s.writer(s.shardOf(key));
        long deadline = System.nanoTime() + 5_000_000_000L;
        int r;
        while ((r = w.begin(key, ShardWriter.NO_SOURCE, 0, 0)) == ShardWriter.BEGIN_FULL) {
            // As an applier does when it has nothing to apply: every shard's copy goes on, so the growth finishes.
            for (int shard = 0; shard < s.shardCount(); shard++) {
                s.writer(shard).maintain(256);
            }
            assertThat(System.nanoTime() - deadline).as("store still full after 30 s: size=" + s.size() + " capacity="
                + s.capacity() + " " + (s instanceof TableStore t ? "growing=" + t.growing() + " failure="
                + t.growthFailure() + " layout=" + t.metadata(TableStore.LAYOUT_KEY) : "")).isNegative();
            Thread.onSpinWait();
        }
        assertThat(r).isEqualTo(ShardWriter.BEGIN_OK);
        RowBuffer row = w.row();
        for (int f = 0; f < COUNTERS; f++) {
            row.putLong(24 + 16 * f, row.getLong(24 + 16 * f) + 1);
        }
        w.commit();
    }

    /** @return the key's count, -1 when absent; fails on a torn row */
    static long count(RowStore s, long key, RowBuffer row) {
        if (!s.readRow(key, row)) {
            return -1;
        }
        long c0 = row.getLong(24);
        for (int f = 1; f < COUNTERS; f++) {
            assertThat(row.getLong(24 + 16 * f)).as("counter " + f + " of key " + key).isEqualTo(c0);
        }
        return c0;
    }

    private static void checkAll(RowStore s, long[] reference) {
        RowBuffer row = RowBuffer.allocateHeap(ROW);
        long present = 0;
        for (int k = 0; k < reference.length; k++) {
            long expected = reference[k] == 0 ? -1 : reference[k];
            assertThat(count(s, k, row)).as("count of key " + k).isEqualTo(expected);
            present += reference[k] == 0 ? 0 : 1;
        }
        assertThat(s.size()).isEqualTo(present);
    }

    @Test
    void growsOnlineFrom100To20000KeysAndEveryRowMatchesTheReference() {
        long[] reference = new long[20_000];
        SplittableRandom random = new SplittableRandom(7);
        try (TableStore s = open(config().build())) {
            for (int i = 0; i < 200_000; i++) {
                // Skewed towards keys already present, so updates hit rows in both generations during a copy.
                int k = random.nextInt(4) == 0 ? random.nextInt(reference.length)
                    : random.nextInt(Math.max(1, Math.min(reference.length, i / 8 + 1)));
                bump(s, k);
                reference[k]++;
                if (i % 20_000 == 0) {
                    checkAll(s, reference);
                }
            }
            waitForGrowth(s);
            checkAll(s, reference);
            assertThat(s.capacity()).as("capacity after growth").isGreaterThanOrEqualTo(20_000);
            assertThat(s.growthCount()).as("growths from 100 to 20,000 rows, doubling").isGreaterThanOrEqualTo(8);
            assertThat(s.metadata(TableStore.GROWTH_HISTORY_KEY)).contains(",100,200;");
        }
        try (TableStore s = open(config().build())) {
            checkAll(s, reference);
        }
        assertThat(dataFiles()).as("only the current generation is left").hasSize(1);
    }

    @Test
    void aStoreOfTextKeysGrowsAndKeepsEveryRow() {
        StoreConfig c = StoreConfig.builder(RowStoreContractTest.TEXT_SET).directory(dir.resolve("t")).capacity(50)
            .shards(3).maxKeyBytes(24).build();
        long[] reference = new long[5_000];
        SplittableRandom random = new SplittableRandom(3);
        try (TableStore s = open(c)) {
            for (int i = 0; i < 40_000; i++) {
                int k = random.nextInt(Math.min(reference.length, i / 4 + 1));
                String key = "user-" + k + (k % 7 == 0 ? "-\u00e9t\u00e9" : "");
                ShardWriter w = s.writer(s.shardOf(key));
                int r;
                while ((r = w.begin(key, ShardWriter.NO_SOURCE, 0, 0)) == ShardWriter.BEGIN_FULL) {
                    for (int shard = 0; shard < s.shardCount(); shard++) {
                        s.writer(shard).maintain(256);
                    }
                }
                assertThat(r).isEqualTo(ShardWriter.BEGIN_OK);
                w.row().putLong(24, w.row().getLong(24) + 1);
                w.commit();
                reference[k]++;
            }
            RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.TEXT_SET.rowSizeBytes());
            long present = 0;
            for (int k = 0; k < reference.length; k++) {
                String key = "user-" + k + (k % 7 == 0 ? "-\u00e9t\u00e9" : "");
                assertThat(s.readRow(key, row)).as("presence of " + key).isEqualTo(reference[k] > 0);
                if (reference[k] > 0) {
                    assertThat(row.getLong(24)).as("count of " + key).isEqualTo(reference[k]);
                    present++;
                }
            }
            assertThat(s.size()).isEqualTo(present);
            assertThat(s.growthCount() + (s.growing() ? 1 : 0)).isGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void aStoreWithoutGrowthStaysAtItsCapacity() {
        try (TableStore s = open(config().growth(StoreGrowth.disabled()).build())) {
            int full = 0;
            for (long k = 0; k < 1000; k++) {
                ShardWriter w = s.writer(s.shardOf(k));
                if (w.begin(k, ShardWriter.NO_SOURCE, 0, 0) == ShardWriter.BEGIN_FULL) {
                    full++;
                    continue;
                }
                w.commit();
            }
            assertThat(full).isPositive();
            assertThat(s.capacity()).isEqualTo(100);
            assertThat(s.growthCount()).isZero();
        }
    }

    @Test
    void growthStopsAtTheMaximumCapacity() {
        try (TableStore s = open(config().growth(StoreGrowth.upTo(400)).build())) {
            int full = 0;
            for (long k = 0; k < 2000; k++) {
                ShardWriter w = s.writer(s.shardOf(k));
                long deadline = System.nanoTime() + 2_000_000_000L;
                int r;
                while ((r = w.begin(k, ShardWriter.NO_SOURCE, 0, 0)) == ShardWriter.BEGIN_FULL
                    && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                if (r == ShardWriter.BEGIN_FULL) {
                    full++;
                    if (full > 3) {
                        break;
                    }
                    continue;
                }
                w.commit();
            }
            assertThat(full).as("full at the maximum").isPositive();
            assertThat(s.capacity()).isEqualTo(400);
            assertThat(s.size()).isGreaterThanOrEqualTo(400);
            assertThat(s.growthFailure()).contains("maximum");
        }
    }

    @Test
    void aReaderBesideTheWriterNeverMissesAKeyNorSeesATornRowWhileTheStoreGrows() throws Exception {
        System.setProperty("freshet.table.migrateRowsPerApply", "1");
        int hot = 64;
        try (TableStore s = open(config().build())) {
            for (long k = 0; k < hot; k++) {
                bump(s, k);
            }
            AtomicReference<String> failure = new AtomicReference<>();
            AtomicLong reads = new AtomicLong();
            Thread reader = new Thread(() -> {
                RowBuffer row = RowBuffer.allocateHeap(ROW);
                long[] last = new long[hot];
                try {
                    while (!Thread.currentThread().isInterrupted() && failure.get() == null) {
                        for (int k = 0; k < hot; k++) {
                            long c = count(s, k, row);
                            if (c < 1 || c < last[k]) {
                                failure.set("key " + k + " read " + c + " after " + last[k]);
                                return;
                            }
                            last[k] = c;
                            reads.incrementAndGet();
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t.toString());
                }
            });
            reader.start();
            for (long i = 0; i < 100_000 && failure.get() == null; i++) {
                bump(s, i % hot);
                bump(s, 1_000_000 + i);
            }
            reader.interrupt();
            reader.join();
            assertThat(failure.get()).isNull();
            assertThat(reads.get()).isPositive();
            assertThat(s.growthCount()).isGreaterThanOrEqualTo(9);
        }
    }

    /**
     * A store grows only as far as its fill asks: 1,000 keys in a store created for 100 (two shards, growth at 75% of
     * a shard) end at 1,600 rows every time. A writer that judged its shard full in one generation once asked for
     * the next growth just after that generation had been replaced by a larger one, so a store sometimes doubled
     * once too often (3,200 rows for 1,000 keys; seen in StoreToolTest).
     */
    @Test
    void growsOnlyAsFarAsItsFillAsksWhateverTheTiming() {
        for (int round = 0; round < 40; round++) {
            Path d = dir.resolve("r" + round);
            try (TableStore s = open(StoreConfig.builder(RowStoreContractTest.SET).directory(d).capacity(100)
                .shards(2).build())) {
                for (long k = 0; k < 1000; k++) {
                    bump(s, k);
                }
                waitForGrowth(s);
                assertThat(s.capacity()).as("capacity after 1,000 keys, round " + round + ", history "
                    + s.metadata(TableStore.GROWTH_HISTORY_KEY)).isEqualTo(1600);
            }
        }
    }

    /**
     * {@code size()} from another thread while rows are copied between generations: it counts every committed key
     * once, so it lies between the inserts committed before the call and those by its end (a copy moves a
     * row from the old count to the new one; the two counts once published apart made a reader count a batch of
     * copied rows twice).
     */
    @Test
    void sizeSeenBesideTheWriterCountsEveryKeyOnceWhileRowsAreCopied() throws Exception {
        AtomicLong committed = new AtomicLong();
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong sizesDuringCopy = new AtomicLong();
        try (TableStore s = open(config().build())) {
            Thread reader = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted() && failure.get() == null) {
                        long before = committed.get();
                        boolean growing = s.growing();
                        long n = s.size();
                        long after = committed.get();
                        // The writer's insert in flight may be published before it is counted here: after + 1.
                        if (n < before || n > after + 1) {
                            failure.set("size()=" + n + " outside [" + before + ", " + (after + 1) + "]: inserts "
                                + "committed before the call, and by its end with the one in flight");
                        }
                        sizesDuringCopy.addAndGet(growing ? 1 : 0);
                    }
                } catch (Throwable t) {
                    failure.set(t.toString());
                }
            });
            reader.start();
            for (long k = 0; k < 60_000 && failure.get() == null; k++) {
                bump(s, k);
                committed.incrementAndGet();
                if (k % 64 == 0) {
                    // An idle applier's upkeep: copies a batch of rows at once.
                    bumpNothing(s);
                }
            }
            reader.interrupt();
            reader.join();
            assertThat(failure.get()).isNull();
            assertThat(sizesDuringCopy.get()).as("sizes read while a growth copied rows").isPositive();
            assertThat(s.growthCount()).isGreaterThanOrEqualTo(8);
        }
    }

    @Test
    void aCloseInTheMiddleOfAGrowthReopensBothGenerationsAndFinishesIt() {
        System.setProperty("freshet.table.migrateRowsPerApply", "1");
        long[] reference = new long[3000];
        int k = 0;
        boolean closedMidGrowth = false;
        for (int round = 0; round < 30 && k < reference.length; round++) {
            try (TableStore s = open(config().build())) {
                checkAll(s, reference);
                // Apply until the store is copying rows into a new generation, then close there.
                for (int i = 0; i < 400 && k < reference.length; i++, k++) {
                    bump(s, k);
                    reference[k]++;
                }
                closedMidGrowth |= dataFiles().size() == 2;
            }
        }
        assertThat(closedMidGrowth).as("some close happened with two generations").isTrue();
        try (TableStore s = open(config().build())) {
            checkAll(s, reference);
        }
    }

    @Test
    void aWriterAbandonedInTheMiddleOfAGrowthRecoversEveryRow() throws Exception {
        System.setProperty("freshet.table.migrateRowsPerApply", "1");
        long[] reference = new long[3000];
        int abandonedMidGrowth = 0;
        int k = 0;
        SplittableRandom random = new SplittableRandom(11);
        for (int round = 0; round < 40 && k < reference.length; round++) {
            TableStore s = open(config().build());
            checkAll(s, reference);
            for (int i = 0; i < 150 && k < reference.length; i++, k++) {
                bump(s, k);
                reference[k]++;
                long again = random.nextInt(k + 1);
                bump(s, again);
                reference[(int) again]++;
            }
            // One apply left in flight, as a kill leaves it: recovery rolls it back.
            long inFlight = random.nextInt(k);
            ShardWriter w = s.writer(s.shardOf(inFlight));
            if (w.begin(inFlight, ShardWriter.NO_SOURCE, 0, 0) == ShardWriter.BEGIN_OK) {
                w.row().putLong(24, 999_999);
            }
            abandonedMidGrowth += dataFiles().size() == 2 ? 1 : 0;
            abandonAsIfKilled(s);
        }
        assertThat(abandonedMidGrowth).as("some kills happened with two generations").isPositive();
        try (TableStore s = open(config().build())) {
            checkAll(s, reference);
        }
    }

    /** A kill in this JVM ({@link KilledWriter}, which also ends the store's growth threads, as a real kill does). */
    static void abandonAsIfKilled(TableStore s) {
        KilledWriter.abandonAsIfKilled(s);
    }

    private static void waitForGrowth(TableStore s) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (s.growing() && System.nanoTime() < deadline) {
            // Applies drive the copy: touch every key's shard with an update of an existing row.
            Thread.onSpinWait();
            if (s.size() > 0) {
                bumpNothing(s);
            }
        }
    }

    private static void bumpNothing(TableStore s) {
        for (int shard = 0; shard < s.shardCount(); shard++) {
            s.writer(shard).maintain(1024);
        }
    }

    private java.util.List<Path> dataFiles() {
        try (Stream<Path> files = Files.list(dir.resolve("s"))) {
            return files.filter(p -> p.getFileName().toString().matches("table(-\\d+)?\\.fst")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
