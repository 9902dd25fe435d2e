package io.freshet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreGrowth;
import io.freshet.core.StoreOpenState;
import io.freshet.core.VectorStatus;
import io.freshet.core.Window;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.spi.StoreEngine;
import io.freshet.core.testing.TestApplier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store SPI contract: every engine extends this and passes it unchanged. Persistence-only cases are skipped
 * for engines that say they are not persistent.
 */
public abstract class RowStoreContractTest {
    /** A test event. */
    public record Ev(long key, String textKey, long timeMs, double amount) {
    }

    /** Eight lifetime counters fed by the same events: a torn read shows them unequal. */
    public static final FeatureSet<Ev> SET = FeatureSet.builder("contract", Ev.class)
        .entity("key", Ev::key)
        .eventTime(Ev::timeMs)
        .count("c0").count("c1").count("c2").count("c3").count("c4").count("c5").count("c6").count("c7")
        .sum("amount", Ev::amount)
        .latest("last_amount", Ev::amount)
        .count("count_1m", Window.sliding(Duration.ofMinutes(1)))
        .build();

    /** The same with a text key. */
    public static final FeatureSet<Ev> TEXT_SET = FeatureSet.builder("contract_text", Ev.class)
        .textEntity("key", Ev::textKey)
        .eventTime(Ev::timeMs)
        .count("c0")
        .sum("amount", Ev::amount)
        .build();

    /** Another definition: a different fingerprint. */
    public static final FeatureSet<Ev> OTHER_SET = FeatureSet.builder("contract", Ev.class)
        .entity("key", Ev::key)
        .eventTime(Ev::timeMs)
        .count("c0")
        .build();

    static final long T0 = 1_700_000_000_000L;

    @TempDir
    protected Path dir;

    private final List<RowStore> opened = new ArrayList<>();

    /** @return the engine under test */
    protected abstract StoreEngine engine();

    /** @return whether rows survive close and reopen */
    protected abstract boolean persistent();

    @AfterEach
    void closeAll() {
        for (RowStore s : opened) {
            s.close();
        }
    }

    protected StoreConfig.Builder config(FeatureSet<?> set) {
        return StoreConfig.builder(set).directory(dir.resolve("store")).capacity(1000).shards(2);
    }

    protected RowStore open(StoreConfig config) {
        RowStore s = engine().open(config);
        opened.add(s);
        return s;
    }

    protected RowStore open(FeatureSet<?> set) {
        return open(config(set).build());
    }

    /** Applies one event through the full writer protocol. */
    protected static int apply(RowStore store, TestApplier<Ev> applier, Ev e, int topic, int partition, long offset) {
        ShardWriter w = store.writer(store.shardOf(e.key()));
        int r = applier.prepare(e, e.timeMs(), T0 + 1000);
        assertThat(r).isEqualTo(EventPreparer.PREPARED);
        int b = w.begin(e.key(), topic, partition, offset);
        if (b != ShardWriter.BEGIN_OK) {
            return b;
        }
        applier.applyPrepared(w.row(), T0 + 1000);
        w.commit();
        return b;
    }

    private static long count(RowBuffer row, int featureIndex) {
        // Stored lifetime COUNT: block offset + 8 holds the count.
        return row.getLong(16 + featureIndex * 16 + 8);
    }

    @Test
    void newStoreIsCreatedEmpty() {
        RowStore s = open(SET);
        assertThat(s.openState()).isEqualTo(StoreOpenState.CREATED);
        assertThat(s.size()).isZero();
        assertThat(s.shardCount()).isEqualTo(2);
        assertThat(s.layout().fingerprint()).isEqualTo(SET.fingerprint());
        assertThat(s.readRow(42, RowBuffer.allocateHeap(SET.rowSizeBytes()))).isFalse();
    }

    @Test
    void readReturnsWhatTheWriterCommitted() {
        RowStore s = open(SET);
        TestApplier<Ev> a = TestApplier.of(SET);
        int topic = s.topicIndex("events");
        for (int i = 0; i < 5; i++) {
            assertThat(apply(s, a, new Ev(7, null, T0 + i, 2.5), topic, 0, i)).isEqualTo(ShardWriter.BEGIN_OK);
        }
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        assertThat(s.readRow(7, row)).isTrue();
        assertThat(count(row, 0)).isEqualTo(5);
        assertThat(count(row, 7)).isEqualTo(5);
        assertThat(s.size()).isEqualTo(1);
        assertThat(s.appliedOffset(s.shardOf(7), topic, 0)).isEqualTo(4);
    }

    @Test
    void recordsAtOrBelowTheAppliedOffsetAreDuplicates() {
        RowStore s = open(SET);
        TestApplier<Ev> a = TestApplier.of(SET);
        int topic = s.topicIndex("events");
        assertThat(apply(s, a, new Ev(1, null, T0, 1), topic, 3, 10)).isEqualTo(ShardWriter.BEGIN_OK);
        ShardWriter w = s.writer(s.shardOf(1));
        assertThat(w.begin(1, topic, 3, 10)).isEqualTo(ShardWriter.BEGIN_DUPLICATE);
        assertThat(w.begin(1, topic, 3, 9)).isEqualTo(ShardWriter.BEGIN_DUPLICATE);
        assertThat(w.appliedOffset(topic, 3)).isEqualTo(10);
        assertThat(w.appliedOffset(topic, 4)).isEqualTo(ShardWriter.NO_OFFSET);
        assertThat(apply(s, a, new Ev(1, null, T0, 1), topic, 3, 11)).isEqualTo(ShardWriter.BEGIN_OK);
    }

    @Test
    void offsetsAreKeptPerShardTopicAndPartition() {
        RowStore s = open(SET);
        int t1 = s.topicIndex("a");
        int t2 = s.topicIndex("b");
        assertThat(t1).isNotEqualTo(t2);
        assertThat(s.topicIndex("a")).isEqualTo(t1);
        s.writer(0).advanceOffset(t1, 0, 5);
        s.writer(1).advanceOffset(t2, 0, 9);
        assertThat(s.appliedOffset(0, t1, 0)).isEqualTo(5);
        assertThat(s.appliedOffset(1, t1, 0)).isEqualTo(ShardWriter.NO_OFFSET);
        assertThat(s.appliedOffset(1, t2, 0)).isEqualTo(9);
        s.writer(0).advanceOffset(t1, 0, 3);
        assertThat(s.appliedOffset(0, t1, 0)).as("never backwards").isEqualTo(5);
    }

    @Test
    void abortRestoresAnExistingRowAndForgetsANewOne() {
        RowStore s = open(SET);
        TestApplier<Ev> a = TestApplier.of(SET);
        int topic = s.topicIndex("events");
        apply(s, a, new Ev(5, null, T0, 1), topic, 0, 0);
        RowBuffer before = RowBuffer.allocateHeap(SET.rowSizeBytes());
        s.readRow(5, before);

        ShardWriter w = s.writer(s.shardOf(5));
        a.prepare(new Ev(5, null, T0 + 1, 100), T0 + 1, T0 + 1000);
        assertThat(w.begin(5, topic, 0, 1)).isEqualTo(ShardWriter.BEGIN_OK);
        a.applyPrepared(w.row(), T0 + 1000);
        w.abort();
        RowBuffer after = RowBuffer.allocateHeap(SET.rowSizeBytes());
        assertThat(s.readRow(5, after)).isTrue();
        assertThat(after.contentEquals(before, SET.rowSizeBytes())).isTrue();
        assertThat(s.appliedOffset(s.shardOf(5), topic, 0)).isEqualTo(0);

        ShardWriter w6 = s.writer(s.shardOf(6));
        a.prepare(new Ev(6, null, T0, 1), T0, T0 + 1000);
        assertThat(w6.begin(6, topic, 0, 2)).isEqualTo(ShardWriter.BEGIN_OK);
        a.applyPrepared(w6.row(), T0 + 1000);
        w6.abort();
        assertThat(s.readRow(6, after)).isFalse();
        assertThat(s.size()).isEqualTo(1);
    }

    @Test
    void aFullStoreRefusesNewKeysAndStillUpdatesExistingOnes() {
        // Without growth (an engine that grows would make room instead: TableGrowthTest).
        RowStore s = open(config(SET).capacity(64).growth(StoreGrowth.disabled()).build());
        TestApplier<Ev> a = TestApplier.of(SET);
        int inserted = 0;
        int full = 0;
        for (long k = 0; k < 1000 && full == 0; k++) {
            int r = apply(s, a, new Ev(k, null, T0, 1), ShardWriter.NO_SOURCE, 0, 0);
            if (r == ShardWriter.BEGIN_OK) {
                inserted++;
            } else {
                assertThat(r).isEqualTo(ShardWriter.BEGIN_FULL);
                full++;
            }
        }
        assertThat(inserted).as("at least the configured capacity fits").isGreaterThanOrEqualTo(64);
        assertThat(full).as("a full store says so").isEqualTo(1);
        assertThat(s.size()).isEqualTo(inserted);
        assertThat(apply(s, a, new Ev(0, null, T0, 1), ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        assertThat(s.readRow(0, row)).isTrue();
        assertThat(count(row, 0)).isEqualTo(2);
    }

    @Test
    void deleteRemovesTheRowAdvancesTheOffsetAndSkipsDuplicates() {
        RowStore s = open(SET);
        TestApplier<Ev> a = TestApplier.of(SET);
        int topic = s.topicIndex("events");
        apply(s, a, new Ev(7, null, T0, 1), topic, 0, 0);
        apply(s, a, new Ev(8, null, T0, 1), topic, 0, 1);
        ShardWriter w = s.writer(s.shardOf(7));
        assertThat(w.delete(7, topic, 0, 2)).isEqualTo(ShardWriter.DELETED);
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        assertThat(s.readRow(7, row)).isFalse();
        assertThat(s.readRow(8, row)).isTrue();
        assertThat(s.size()).isEqualTo(1);
        assertThat(w.appliedOffset(topic, 0)).isEqualTo(2);
        assertThat(w.delete(7, topic, 0, 2)).as("replayed tombstone").isEqualTo(ShardWriter.BEGIN_DUPLICATE);
        assertThat(w.delete(7, topic, 0, 3)).isEqualTo(ShardWriter.DELETE_ABSENT);
        assertThat(w.appliedOffset(topic, 0)).as("an absent key's tombstone is consumed").isEqualTo(3);
        assertThat(w.delete(7, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.DELETE_ABSENT);
        // The key comes back as new with the next event.
        assertThat(apply(s, a, new Ev(7, null, T0, 1), topic, 0, 4)).isEqualTo(ShardWriter.BEGIN_OK);
        assertThat(s.readRow(7, row)).isTrue();
        assertThat(count(row, 0)).isEqualTo(1);
    }

    @Test
    void deletedRowsFreeRoomInAFullStore() {
        RowStore s = open(config(SET).capacity(64).growth(StoreGrowth.disabled()).build());
        TestApplier<Ev> a = TestApplier.of(SET);
        long k = 0;
        while (apply(s, a, new Ev(k, null, T0, 1), ShardWriter.NO_SOURCE, 0, 0) == ShardWriter.BEGIN_OK) {
            k++;
        }
        long refused = k;
        long inserted = s.size();
        ShardWriter w = s.writer(s.shardOf(refused));
        assertThat(w.begin(refused, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_FULL);
        // Delete keys of the refused key's shard until it fits (the table engine's capacity is per shard).
        int deleted = 0;
        for (long d = 0; d < refused && w.begin(refused, ShardWriter.NO_SOURCE, 0, 0) == ShardWriter.BEGIN_FULL;
            d++) {
            if (s.shardOf(d) == s.shardOf(refused)) {
                assertThat(w.delete(d, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.DELETED);
                deleted++;
            }
        }
        assertThat(deleted).isPositive();
        a.prepare(new Ev(refused, null, T0, 1), T0, T0 + 1000);
        a.applyPrepared(w.row(), T0 + 1000);
        w.commit();
        assertThat(s.size()).isEqualTo(inserted - deleted + 1);
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        assertThat(s.readRow(refused, row)).isTrue();
    }

    @Test
    void randomAppliesAndDeletesMatchAMap() {
        RowStore s = open(config(SET).capacity(256).growth(StoreGrowth.disabled()).build());
        TestApplier<Ev> a = TestApplier.of(SET);
        int topic = s.topicIndex("events");
        java.util.Random rnd = new java.util.Random(17);
        java.util.Map<Long, Long> model = new java.util.HashMap<>();
        long[] offsets = new long[s.shardCount()];
        for (int i = 0; i < 20_000; i++) {
            long k = rnd.nextInt(300);
            int shard = s.shardOf(k);
            long offset = offsets[shard]++;
            if (rnd.nextInt(3) == 0) {
                int r = s.writer(shard).delete(k, topic, shard, offset);
                assertThat(r).isEqualTo(model.remove(k) != null ? ShardWriter.DELETED : ShardWriter.DELETE_ABSENT);
            } else {
                int r = apply(s, a, new Ev(k, null, T0, 1), topic, shard, offset);
                if (r == ShardWriter.BEGIN_OK) {
                    model.merge(k, 1L, Long::sum);
                } else {
                    assertThat(r).isEqualTo(ShardWriter.BEGIN_FULL);
                    assertThat(model).doesNotContainKey(k);
                    s.writer(shard).advanceOffset(topic, shard, offset);
                }
            }
        }
        assertThat(s.size()).isEqualTo(model.size());
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        for (long k = 0; k < 300; k++) {
            assertThat(s.readRow(k, row)).as("key " + k).isEqualTo(model.containsKey(k));
            if (model.containsKey(k)) {
                assertThat(count(row, 0)).as("key " + k).isEqualTo(model.get(k));
            }
        }
    }

    @Test
    void textKeysAreDeleted() {
        RowStore s = open(config(TEXT_SET).maxKeyBytes(16).build());
        TestApplier<Ev> a = TestApplier.of(TEXT_SET);
        for (String k : new String[] {"alice", "bob"}) {
            ShardWriter w = s.writer(s.shardOf(k));
            a.prepare(new Ev(0, k, T0, 3), T0, T0);
            assertThat(w.begin(k, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
            a.applyPrepared(w.row(), T0);
            w.commit();
        }
        assertThat(s.writer(s.shardOf("alice")).delete(new StringBuilder("alice"), ShardWriter.NO_SOURCE, 0, 0))
            .isEqualTo(ShardWriter.DELETED);
        RowBuffer row = RowBuffer.allocateHeap(TEXT_SET.rowSizeBytes());
        assertThat(s.readRow("alice", row)).isFalse();
        assertThat(s.readRow("bob", row)).isTrue();
        assertThat(s.size()).isEqualTo(1);
        ShardWriter w = s.writer(0);
        assertThatThrownBy(() -> w.delete("x".repeat(17), ShardWriter.NO_SOURCE, 0, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("17");
    }

    @Test
    void textKeysRoundTripAndOverlongKeysAreRefused() {
        RowStore s = open(config(TEXT_SET).maxKeyBytes(16).build());
        TestApplier<Ev> a = TestApplier.of(TEXT_SET);
        String[] keys = {"alice", "bob", "zoë", "日本語キー", ""};
        for (String k : keys) {
            ShardWriter w = s.writer(s.shardOf(k));
            a.prepare(new Ev(0, k, T0, 3), T0, T0);
            assertThat(w.begin(k, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
            a.applyPrepared(w.row(), T0);
            w.commit();
        }
        RowBuffer row = RowBuffer.allocateHeap(TEXT_SET.rowSizeBytes());
        for (String k : keys) {
            assertThat(s.readRow(new StringBuilder(k), row)).as(k).isTrue();
            assertThat(count(row, 0)).isEqualTo(1);
        }
        assertThat(s.readRow("carol", row)).isFalse();
        assertThat(s.readRow("x".repeat(17), row)).isFalse();
        ShardWriter w = s.writer(0);
        assertThatThrownBy(() -> w.begin("x".repeat(17), ShardWriter.NO_SOURCE, 0, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("17");
        assertThat(s.size()).isEqualTo(keys.length);
    }

    @Test
    void idleRowsAreEvicted() {
        RowStore s = open(SET);
        TestApplier<Ev> a = TestApplier.of(SET);
        for (long k = 0; k < 20; k++) {
            ShardWriter w = s.writer(s.shardOf(k));
            a.prepare(new Ev(k, null, T0, 1), T0, T0);
            w.begin(k, ShardWriter.NO_SOURCE, 0, 0);
            a.applyPrepared(w.row(), k < 10 ? T0 : T0 + 60_000);
            w.commit();
        }
        int evicted = 0;
        for (int shard = 0; shard < s.shardCount(); shard++) {
            for (int pass = 0; pass < 10_000; pass++) {
                int n = s.writer(shard).evictIdle(T0 + 90_000, 60_000, 64);
                evicted += n;
                if (s.size() == 10) {
                    break;
                }
            }
        }
        assertThat(evicted).isEqualTo(10);
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        for (long k = 0; k < 20; k++) {
            assertThat(s.readRow(k, row)).as("key " + k).isEqualTo(k >= 10);
        }
    }

    @Test
    void readersNeverSeeATornRow() throws Exception {
        RowStore s = open(SET);
        TestApplier<Ev> a = TestApplier.of(SET);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> torn = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        apply(s, a, new Ev(3, null, T0, 1), ShardWriter.NO_SOURCE, 0, 0);
        Thread reader = new Thread(() -> {
            RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
            while (!stop.get() && torn.get() == null) {
                if (s.readRow(3, row)) {
                    long c0 = count(row, 0);
                    for (int f = 1; f < 8; f++) {
                        if (count(row, f) != c0) {
                            torn.set("c0=" + c0 + " c" + f + "=" + count(row, f));
                        }
                    }
                    reads.incrementAndGet();
                }
            }
        });
        reader.start();
        long deadline = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        long applied = 1;
        while (System.nanoTime() < deadline && torn.get() == null) {
            apply(s, a, new Ev(3, null, T0, 1), ShardWriter.NO_SOURCE, 0, 0);
            applied++;
        }
        stop.set(true);
        reader.join();
        assertThat(torn.get()).isNull();
        assertThat(reads.get()).isPositive();
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        s.readRow(3, row);
        assertThat(count(row, 0)).isEqualTo(applied);
    }

    @Test
    void shardsAreWrittenConcurrentlyByTheirOwnThreads() throws Exception {
        RowStore s = open(config(SET).shards(4).capacity(4000).build());
        Thread[] writers = new Thread[4];
        for (int shard = 0; shard < 4; shard++) {
            final int sh = shard;
            writers[shard] = new Thread(() -> {
                TestApplier<Ev> a = TestApplier.of(SET);
                for (long k = 0; k < 2000; k++) {
                    if (s.shardOf(k) == sh) {
                        for (int rep = 0; rep < 3; rep++) {
                            apply(s, a, new Ev(k, null, T0, 1), ShardWriter.NO_SOURCE, 0, 0);
                        }
                    }
                }
            });
            writers[shard].start();
        }
        for (Thread t : writers) {
            t.join();
        }
        assertThat(s.size()).isEqualTo(2000);
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        for (long k = 0; k < 2000; k++) {
            assertThat(s.readRow(k, row)).isTrue();
            assertThat(count(row, 0)).as("key " + k).isEqualTo(3);
        }
    }

    @Test
    void rowsOffsetsTopicsAndMetadataSurviveACleanReopen() {
        assumeTrue(persistent());
        RowStore s = open(SET);
        TestApplier<Ev> a = TestApplier.of(SET);
        int topic = s.topicIndex("events");
        for (long k = 0; k < 100; k++) {
            apply(s, a, new Ev(k, null, T0, k), topic, (int) (k % 3), k);
        }
        s.putMetadata("kafka.cluster.id", "abc=1\nx");
        long[] offsets = new long[3];
        for (int p = 0; p < 3; p++) {
            offsets[p] = s.appliedOffset(s.shardOf(99), topic, p);
        }
        s.close();
        RowStore r = open(SET);
        assertThat(r.openState()).isEqualTo(StoreOpenState.CLEAN);
        assertThat(r.size()).isEqualTo(100);
        assertThat(r.topicIndex("events")).isEqualTo(topic);
        assertThat(r.metadata("kafka.cluster.id")).isEqualTo("abc=1\nx");
        for (int p = 0; p < 3; p++) {
            assertThat(r.appliedOffset(r.shardOf(99), topic, p)).isEqualTo(offsets[p]);
        }
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        for (long k = 0; k < 100; k++) {
            assertThat(r.readRow(k, row)).isTrue();
            assertThat(count(row, 0)).isEqualTo(1);
        }
    }

    @Test
    void aDeleteSurvivesACleanReopen() {
        assumeTrue(persistent());
        RowStore s = open(SET);
        TestApplier<Ev> a = TestApplier.of(SET);
        int topic = s.topicIndex("events");
        apply(s, a, new Ev(3, null, T0, 1), topic, 0, 0);
        apply(s, a, new Ev(4, null, T0, 1), topic, 1, 0);
        assertThat(s.writer(s.shardOf(3)).delete(3, topic, 0, 1)).isEqualTo(ShardWriter.DELETED);
        s.close();
        RowStore r = open(SET);
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        assertThat(r.readRow(3, row)).isFalse();
        assertThat(r.readRow(4, row)).isTrue();
        assertThat(r.size()).isEqualTo(1);
        assertThat(r.appliedOffset(r.shardOf(3), topic, 0)).isEqualTo(1);
    }

    @Test
    void anotherDefinitionIsRefused() {
        assumeTrue(persistent());
        open(SET).close();
        assertThatThrownBy(() -> open(OTHER_SET))
            .isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.FINGERPRINT_MISMATCH))
            .hasMessageContaining("fingerprint");
    }

    @Test
    void otherOptionsThanAtCreationAreRefused() {
        assumeTrue(persistent());
        open(SET).close();
        assertThatThrownBy(() -> open(config(SET).shards(3).build()))
            .isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CONFIG_MISMATCH))
            .hasMessageContaining("shards");
    }

    @Test
    void aSecondWriterIsRefusedAndAReaderIsNot() {
        assumeTrue(persistent());
        RowStore w = open(SET);
        TestApplier<Ev> a = TestApplier.of(SET);
        apply(w, a, new Ev(1, null, T0, 1), ShardWriter.NO_SOURCE, 0, 0);
        assertThatThrownBy(() -> open(SET))
            .isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.LOCKED));
        RowStore r = open(config(SET).readOnly(true).build());
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        assertThat(r.readRow(1, row)).isTrue();
        assertThat(count(row, 0)).isEqualTo(1);
        apply(w, a, new Ev(1, null, T0, 1), ShardWriter.NO_SOURCE, 0, 0);
        assertThat(r.readRow(1, row)).isTrue();
        assertThat(count(row, 0)).as("a reader sees the writer's later applies").isEqualTo(2);
    }

    @Test
    void batchReadsGiveExactlyWhatSingleReadsGiveForPresentMissingAndRepeatedKeys() {
        RowStore s = open(SET);
        TestApplier<Ev> a = TestApplier.of(SET);
        int topic = s.topicIndex("events");
        for (int i = 0; i < 60; i++) {
            long key = i % 20;
            assertThat(apply(s, a, new Ev(key, null, T0 + i * 1000L, i * 0.5), topic, 0, i))
                .isEqualTo(ShardWriter.BEGIN_OK);
        }
        // 21 keys: two full read-ahead groups and a partial one; present, missing (-1, 20, 999) and repeated keys.
        long[] keys = {3, -1, 0, 19, 20, 3, 7, 999, 12, 12, 1, 2, 4, 5, 6, 8, 9, 10, 11, 13, 14};
        FeatureReader reader = CoreInternals.newReader(SET, s, new ManualClock(T0 + 90_000));
        FeatureVector[] batch = new FeatureVector[keys.length + 1];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = SET.newVector();
        }
        String untouched = batch[keys.length].toString();

        int found = reader.read(keys, batch);

        int expectedFound = 0;
        for (int i = 0; i < keys.length; i++) {
            FeatureVector single = SET.newVector();
            if (reader.read(keys[i], single)) {
                expectedFound++;
            }
            assertThat(batch[i].status()).as("key " + keys[i]).isEqualTo(single.status());
            assertThat(batch[i].toString()).as("key " + keys[i]).isEqualTo(single.toString());
            double[] b = new double[single.width()];
            double[] o = new double[single.width()];
            batch[i].copyTo(b);
            single.copyTo(o);
            assertThat(b).as("key " + keys[i]).containsExactly(o);
        }
        assertThat(found).isEqualTo(expectedFound).isEqualTo(keys.length - 3);
        assertThat(batch[1].status()).isEqualTo(VectorStatus.MISSING);
        assertThat(batch[0].getLong(SET.ref("c0"))).isEqualTo(3);
        assertThat(batch[keys.length].toString()).isEqualTo(untouched);
    }

    @Test
    void textBatchReadsGiveExactlyWhatSingleReadsGive() {
        RowStore s = open(config(TEXT_SET).maxKeyBytes(16).build());
        TestApplier<Ev> a = TestApplier.of(TEXT_SET);
        String[] stored = {"alice", "bob", "zoë", "日本語キー", ""};
        for (String k : stored) {
            ShardWriter w = s.writer(s.shardOf(k));
            a.prepare(new Ev(0, k, T0, 3), T0, T0);
            assertThat(w.begin(k, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
            a.applyPrepared(w.row(), T0);
            w.commit();
        }
        CharSequence[] keys = {"bob", "carol", new StringBuilder("zoë"), "x".repeat(17), "", "alice", "日本語キー",
            "bob", "dave"};
        FeatureReader reader = CoreInternals.newReader(TEXT_SET, s, new ManualClock(T0 + 1000));
        FeatureVector[] batch = new FeatureVector[keys.length];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = TEXT_SET.newVector();
        }

        assertThat(reader.read(keys, batch)).isEqualTo(6);

        for (int i = 0; i < keys.length; i++) {
            FeatureVector single = TEXT_SET.newVector();
            reader.read(keys[i], single);
            assertThat(batch[i].status()).as(keys[i].toString()).isEqualTo(single.status());
            assertThat(batch[i].toString()).as(keys[i].toString()).isEqualTo(single.toString());
        }
    }

    @Test
    void readAheadChangesNothingAndIsRefusedOnAClosedStore() {
        RowStore s = open(SET);
        TestApplier<Ev> a = TestApplier.of(SET);
        int topic = s.topicIndex("events");
        assertThat(apply(s, a, new Ev(5, null, T0, 1), topic, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
        RowBuffer before = RowBuffer.allocateHeap(SET.rowSizeBytes());
        RowBuffer after = RowBuffer.allocateHeap(SET.rowSizeBytes());
        assertThat(s.readRow(5, before)).isTrue();

        s.prefetchRows(new long[] {5, 6, 5}, 0, 3);
        s.prefetchRows(new long[] {1, 5, 9}, 1, 1);

        assertThat(s.readRow(5, after)).isTrue();
        assertThat(s.readRow(6, RowBuffer.allocateHeap(SET.rowSizeBytes()))).isFalse();
        for (int off = 0; off < SET.rowSizeBytes(); off += 8) {
            assertThat(after.getLong(off)).as("offset " + off).isEqualTo(before.getLong(off));
        }
        assertThat(s.size()).isEqualTo(1);
        s.close();
        if (engineReadsAhead()) {
            assertThatThrownBy(() -> s.prefetchRows(new long[] {5}, 0, 1))
                .isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CLOSED));
        }
    }

    /** @return whether the engine implements {@link RowStore#prefetchRows} (else it is the SPI's no-op) */
    protected boolean engineReadsAhead() {
        return false;
    }

    @Test
    void aClosedStoreRefusesReads() {
        RowStore s = open(SET);
        s.close();
        assertThatThrownBy(() -> s.readRow(1, RowBuffer.allocateHeap(SET.rowSizeBytes())))
            .isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CLOSED));
    }

    // ---- StoreEngine.destroy ---------------------------------------------------------------------------------

    @Test
    void destroyOfAMissingStoreIsANoOp() {
        StoreConfig c = config(SET).directory(dir.resolve("never-created")).build();
        engine().destroy(c);
        assertThat(dir.resolve("never-created")).doesNotExist();
    }

    @Test
    void aDestroyedStoreReopensEmpty() {
        RowStore s = open(SET);
        apply(s, TestApplier.of(SET), new Ev(1, null, T0, 1), ShardWriter.NO_SOURCE, 0, 0);
        s.close();
        engine().destroy(config(SET).build());
        RowStore r = open(SET);
        assertThat(r.openState()).isEqualTo(StoreOpenState.CREATED);
        assertThat(r.size()).isZero();
        assertThat(r.readRow(1, RowBuffer.allocateHeap(SET.rowSizeBytes()))).isFalse();
    }

    @Test
    void destroyDeletesTheStoreFilesAndTheEmptiedDirectory() {
        assumeTrue(persistent());
        open(SET).close();
        assertThat(dir.resolve("store")).isNotEmptyDirectory();
        engine().destroy(config(SET).build());
        assertThat(dir.resolve("store")).doesNotExist();
    }

    @Test
    void destroyLeavesFilesThatAreNotTheStoresAndTheirDirectory() throws IOException {
        assumeTrue(persistent());
        open(SET).close();
        Path notes = Files.writeString(dir.resolve("store").resolve("notes.txt"), "mine");
        engine().destroy(config(SET).build());
        try (Stream<Path> left = Files.list(dir.resolve("store"))) {
            assertThat(left).containsExactly(notes);
        }
    }

    @Test
    void destroyIsRefusedWhileAWriterHasTheStoreOpen() {
        assumeTrue(persistent());
        RowStore w = open(SET);
        apply(w, TestApplier.of(SET), new Ev(1, null, T0, 1), ShardWriter.NO_SOURCE, 0, 0);
        assertThatThrownBy(() -> engine().destroy(config(SET).build()))
            .isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.LOCKED));
        RowBuffer row = RowBuffer.allocateHeap(SET.rowSizeBytes());
        assertThat(w.readRow(1, row)).as("the open store is untouched").isTrue();
        w.close();
        RowStore r = open(SET);
        assertThat(r.openState()).isEqualTo(StoreOpenState.CLEAN);
        assertThat(r.readRow(1, row)).isTrue();
    }

    @Test
    void destroyRefusesASymbolicLinkAsOpenDoes() throws IOException {
        assumeTrue(persistent());
        open(SET).close();
        Path link = Files.createSymbolicLink(dir.resolve("link"), dir.resolve("store"));
        assertThatThrownBy(() -> engine().destroy(config(SET).directory(link).build()))
            .isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.PERMISSIONS));
        assertThat(open(SET).openState()).as("the store behind the link is untouched")
            .isEqualTo(StoreOpenState.CLEAN);
    }
}
