package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.KilledWriter;
import io.freshet.store.internal.table.TableStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code StoreConfig.rowChecks}: the option is fixed at creation; after a kill a row damaged on disk (or the row image
 * of the in-flight apply's undo record) is refused with CORRUPT naming the shard, slot and key, where without the
 * option the same damage is served; and every path that writes a slot (apply, delete, TTL eviction, growth copy,
 * rollback of an in-flight apply) keeps its check word true, so a killed store with nothing damaged always opens,
 * with every row equal to a plain reference model.
 */
class TableRowChecksTest {
    /** Offset of counter f in a row of {@link RowStoreContractTest#SET}. */
    private static final int COUNTER = 24;
    private static final int COUNTERS = 8;

    @TempDir
    Path dir;

    private StoreConfig.Builder config(boolean rowChecks) {
        return StoreConfig.builder(RowStoreContractTest.SET).directory(dir.resolve("s")).capacity(200).shards(2)
            .rowChecks(rowChecks);
    }

    private StoreConfig.Builder textConfig(boolean rowChecks) {
        return StoreConfig.builder(RowStoreContractTest.TEXT_SET).directory(dir.resolve("t")).capacity(200).shards(2)
            .maxKeyBytes(40).rowChecks(rowChecks);
    }

    private static TableStore open(StoreConfig c) {
        return (TableStore) new TableStoreEngine().open(c);
    }

    @Test
    void theOptionIsFixedAtCreationAndAReopenWithTheOtherSettingIsRefused() {
        try (TableStore s = open(config(true).build())) {
            apply(s, 1, 1, 5);
        }
        assertThatThrownBy(() -> open(config(false).build())).isInstanceOfSatisfying(StoreException.class,
            e -> {
                assertThat(e.reason()).isEqualTo(StoreException.Reason.CONFIG_MISMATCH);
                assertThat(e.getMessage()).contains("stored rowChecks=true != configured rowChecks=false")
                    .contains("rowChecks(true)");
            });
        try (TableStore s = open(config(true).build())) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.CLEAN);
            assertThat(counter(s, 1)).isEqualTo(5);
        }
    }

    @Test
    void aStoreWithoutTheOptionRefusesAReopenWithIt() {
        try (TableStore s = open(config(false).build())) {
            apply(s, 1, 1, 5);
        }
        assertThatThrownBy(() -> open(config(true).build())).isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.getMessage()).contains("stored rowChecks=false != configured rowChecks=true"));
    }

    @Test
    void aRowDamagedWhileAKilledStoreWasDownIsRefusedNamingShardSlotAndKey() throws IOException {
        long key = killWithRows(config(true).build(), false);
        flipRowByte(dir.resolve("s"), 0, 3, 30);
        assertThatThrownBy(() -> open(config(true).build())).isInstanceOfSatisfying(StoreException.class,
            e -> {
                assertThat(e.reason()).isEqualTo(StoreException.Reason.CORRUPT);
                assertThat(e.getMessage()).contains("shard=0 slot=3 (key=" + key + ")").contains("row check");
            });
    }

    /** The default: the same damage is served, which is what the option exists for (README "Every byte checked"). */
    @Test
    void withoutTheOptionTheSameDamageIsServed() throws IOException {
        long key = killWithRows(config(false).build(), false);
        flipRowByte(dir.resolve("s"), 0, 3, 30);
        try (TableStore s = open(config(false).build())) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
            RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.SET.rowSizeBytes());
            assertThat(s.readRow(key, row)).isTrue();
            assertThat(row.getLong(COUNTER)).isNotEqualTo(row.getLong(COUNTER + 16));
        }
    }

    @Test
    void aDamagedTextKeyRowIsRefused() throws IOException {
        killWithRows(textConfig(true).build(), false);
        flipRowByte(dir.resolve("t"), 1, 0, 0);
        assertThatThrownBy(() -> open(textConfig(true).build())).isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.getMessage()).contains("shard=1 slot=0 (a text key of").contains("row check"));
    }

    @Test
    void anApplyInFlightAtTheKillIsRolledBackAndTheStoreOpens() throws IOException {
        for (boolean text : new boolean[] {false, true}) {
            StoreConfig c = (text ? textConfig(true) : config(true)).build();
            long key = killWithRows(c, true);
            try (TableStore s = open(c)) {
                assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
                assertThat(s.rolledBackApplies()).isEqualTo(1);
                for (long k = 0; k < 40; k++) {
                    assertThat(text ? textCounter(s, k) : counter(s, k)).as("key " + k + " (in flight: " + key + ")")
                        .isEqualTo(1);
                }
            }
        }
    }

    @Test
    void aDamagedUndoImageIsRefusedWithTheOptionAndRestoredWithoutIt() throws IOException {
        for (boolean rowChecks : new boolean[] {true, false}) {
            Path store = dir.resolve("s");
            deleteTree(store);
            long key = killWithRows(config(rowChecks).build(), true);
            // The undo slot of shard 0 starts at 4096; its row image at +56 + the key field (0 for numeric keys).
            flip(store.resolve("meta.fst"), 4096 + 56 + COUNTER + 16);
            if (rowChecks) {
                assertThatThrownBy(() -> open(config(true).build())).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.getMessage()).contains("undo slot of shard=0").contains("key=" + key)
                        .contains("row check"));
            } else {
                try (TableStore s = open(config(false).build())) {
                    RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.SET.rowSizeBytes());
                    assertThat(s.readRow(key, row)).isTrue();
                    assertThat(row.getLong(COUNTER + 16)).as("the damaged image was put back")
                        .isNotEqualTo(row.getLong(COUNTER));
                }
            }
        }
    }

    /**
     * Random applies, deletes and TTL evictions on a store that grows several times, killed at random points (also in
     * the middle of a growth and with an apply in flight), reopened each time: it must open, and every key read as
     * the reference model says.
     */
    @Test
    void everyWritePathKeepsTheCheckSoAKilledStoreWithNothingDamagedOpens() {
        int totalGrowthKills = 0;
        for (long seed = 1; seed <= 6; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            Map<Long, Long> model = new HashMap<>();
            Map<Long, Long> lastMs = new HashMap<>();
            StoreConfig c = StoreConfig.builder(RowStoreContractTest.SET).directory(dir.resolve("g" + seed))
                .capacity(32).shards(2).rowChecks(true).build();
            long now = 1_000;
            int kills = 0;
            int growthKills = 0;
            for (int life = 0; life < 5; life++) {
                TableStore s = open(c);
                if (life > 0) {
                    assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
                }
                check(s, model);
                int ops = 100 + random.nextInt(300);
                for (int i = 0; i < ops; i++) {
                    long key = random.nextInt(400);
                    int what = random.nextInt(20);
                    now++;
                    if (what == 0) {
                        ShardWriter w = s.writer(s.shardOf(key));
                        w.delete(key, ShardWriter.NO_SOURCE, 0, 0);
                        model.remove(key);
                        lastMs.remove(key);
                    } else if (what == 1) {
                        int shard = random.nextInt(2);
                        long cutoff = now - 150;
                        s.writer(shard).evictIdle(now, 150, 64);
                        // Evicted: idle rows of that shard (a shard that is still copying from its old generation
                        // evicts nothing: its budget goes to the copy). The model learns it from the store.
                        lastMs.entrySet().removeIf(e -> {
                            if (s.shardOf(e.getKey()) == shard && e.getValue() < cutoff && !present(s, e.getKey())) {
                                model.remove(e.getKey());
                                return true;
                            }
                            return false;
                        });
                    } else {
                        int n = 1 + random.nextInt(3);
                        applyAt(s, key, n, now);
                        model.merge(key, (long) n, Long::sum);
                        lastMs.put(key, now);
                    }
                }
                boolean inFlight = random.nextBoolean() && model.size() > 0;
                if (inFlight) {
                    long key = model.keySet().iterator().next();
                    ShardWriter w = s.writer(s.shardOf(key));
                    assertThat(w.begin(key, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
                    w.row().putLong(COUNTER, -7);
                }
                growthKills += s.growing() ? 1 : 0;
                KilledWriter.abandonAsIfKilled(s);
                kills++;
            }
            try (TableStore s = open(c)) {
                check(s, model);
                assertThat(s.capacity()).as("the store grew").isGreaterThan(32);
            }
            assertThat(kills).isEqualTo(5);
            totalGrowthKills += growthKills;
        }
        System.out.println("TableRowChecksTest: kills in the middle of a growth: " + totalGrowthKills + " of 30");
    }

    /** A snapshot and a resized copy of a store with row checks carry valid check words (their recovery verifies). */
    @Test
    void aSnapshotAndAResizedCopyKeepTheChecks() {
        StoreConfig c = config(true).build();
        try (TableStore s = open(c)) {
            for (long k = 0; k < 150; k++) {
                apply(s, k, 1 + (int) (k % 3), 1);
            }
        }
        Path snap = dir.resolve("snap");
        assertThat(io.freshet.store.internal.table.TableSnapshotTool.snapshot(c, snap)).isEqualTo(150);
        Path bigger = dir.resolve("bigger");
        assertThat(TableStoreEngine.resize(c, bigger, 1000)).isEqualTo(150);
        StoreConfig snapConfig = StoreConfig.builder(RowStoreContractTest.SET).directory(snap).capacity(200).shards(2)
            .rowChecks(true).build();
        StoreConfig biggerConfig = StoreConfig.builder(RowStoreContractTest.SET).directory(bigger).capacity(1000)
            .shards(2).rowChecks(true).build();
        for (StoreConfig copy : new StoreConfig[] {snapConfig, biggerConfig}) {
            KilledWriter.abandonAsIfKilled(open(copy));
            try (TableStore s = open(copy)) {
                assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
                for (long k = 0; k < 150; k++) {
                    assertThat(counter(s, k)).as(copy.directory() + " key " + k).isEqualTo(1 + k % 3);
                }
            }
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /**
     * Applies keys 0..39 (one increment each), optionally leaves an apply in flight on a key of shard 0, and kills
     * the writer. @return a key of shard 0 in slot 3 (the fourth key that shard received), or the in-flight key
     */
    private static long killWithRows(StoreConfig c, boolean applyInFlight) {
        TableStore s = open(c);
        boolean text = c.layout().keyType() == io.freshet.core.KeyType.TEXT;
        long slot3 = -1;
        int inShard0 = 0;
        for (long k = 0; k < 40; k++) {
            if (text) {
                applyText(s, k);
            } else {
                apply(s, k, 1, 1);
            }
            if (shardOf(s, k, text) == 0 && inShard0++ == 3) {
                slot3 = k;
            }
        }
        long inFlight = -1;
        if (applyInFlight) {
            inFlight = 0;
            while (shardOf(s, inFlight, text) != 0) {
                inFlight++;
            }
            ShardWriter w = s.writer(0);
            int r = text ? w.begin(textKey(inFlight), ShardWriter.NO_SOURCE, 0, 0)
                : w.begin(inFlight, ShardWriter.NO_SOURCE, 0, 0);
            assertThat(r).isEqualTo(ShardWriter.BEGIN_OK);
            for (int f = 0; f < (text ? 1 : COUNTERS); f++) {
                w.row().putLong(COUNTER + 16 * f, 99);
            }
        }
        KilledWriter.abandonAsIfKilled(s);
        return applyInFlight ? inFlight : slot3;
    }

    private static int shardOf(RowStore s, long k, boolean text) {
        return text ? s.shardOf(textKey(k)) : s.shardOf(k);
    }

    private static String textKey(long k) {
        return "user-" + k + "-\u00e9t\u00e9";
    }

    private static void apply(RowStore s, long key, int times, long n) {
        for (int i = 0; i < times; i++) {
            applyAt(s, key, n, 0);
        }
    }

    private static void applyAt(RowStore s, long key, long n, long nowMs) {
        ShardWriter w = s.writer(s.shardOf(key));
        long deadline = System.nanoTime() + 30_000_000_000L;
        int r;
        while ((r = w.begin(key, ShardWriter.NO_SOURCE, 0, 0)) == ShardWriter.BEGIN_FULL) {
            for (int shard = 0; shard < s.shardCount(); shard++) {
                s.writer(shard).maintain(256);
            }
            assertThat(System.nanoTime()).as("store still full").isLessThan(deadline);
            Thread.onSpinWait();
        }
        assertThat(r).isEqualTo(ShardWriter.BEGIN_OK);
        RowBuffer row = w.row();
        row.putLong(0, nowMs);
        for (int f = 0; f < COUNTERS; f++) {
            row.putLong(COUNTER + 16 * f, row.getLong(COUNTER + 16 * f) + n);
        }
        w.commit();
    }

    private static void applyText(RowStore s, long k) {
        ShardWriter w = s.writer(s.shardOf(textKey(k)));
        assertThat(w.begin(textKey(k), ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
        // The text set's row has one counter.
        w.row().putLong(COUNTER, w.row().getLong(COUNTER) + 1);
        w.commit();
    }

    private static boolean present(RowStore s, long key) {
        return s.readRow(key, RowBuffer.allocateHeap(RowStoreContractTest.SET.rowSizeBytes()));
    }

    /** @return the key's count (all eight counters equal), -1 when absent */
    private static long counter(RowStore s, long key) {
        RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.SET.rowSizeBytes());
        if (!s.readRow(key, row)) {
            return -1;
        }
        for (int f = 1; f < COUNTERS; f++) {
            assertThat(row.getLong(COUNTER + 16 * f)).as("counter " + f + " of key " + key)
                .isEqualTo(row.getLong(COUNTER));
        }
        return row.getLong(COUNTER);
    }

    private static long textCounter(RowStore s, long key) {
        RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.TEXT_SET.rowSizeBytes());
        return s.readRow(textKey(key), row) ? row.getLong(COUNTER) : -1;
    }

    private static void check(RowStore s, Map<Long, Long> model) {
        for (long k = 0; k < 400; k++) {
            assertThat(counter(s, k)).as("key " + k).isEqualTo(model.getOrDefault(k, -1L));
        }
    }

    /** Flips byte {@code at} of the row (after the key field) of a slot of a shard, in the data file. */
    private static void flipRowByte(Path store, int shard, long slot, int at) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(store.resolve("table.fst"))) {
            ch.read(h, 0);
        }
        long rowsOffset = h.getLong(120);
        long rowsPerShard = h.getLong(128);
        int slotBytes = h.getInt(48);
        // With row checks the slot's check word sits between the key field and the row.
        int rowOffset = h.getInt(52) + (h.getInt(200) != 0 ? 8 : 0);
        flip(store.resolve("table.fst"), rowsOffset + shard * rowsPerShard + slot * slotBytes + rowOffset + at);
    }

    private static void flip(Path file, long pos) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(pos);
            int b = raf.read();
            raf.seek(pos);
            raf.write(b ^ 0x10);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!java.nio.file.Files.exists(p)) {
            return;
        }
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(f);
            }
        }
    }
}
