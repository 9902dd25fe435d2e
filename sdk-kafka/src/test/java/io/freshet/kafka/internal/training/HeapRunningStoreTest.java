package io.freshet.kafka.internal.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.FeatureSet;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreGrowth;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.ShardWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The running rows' heap store against a {@link HashMap}: random applies and deletes over keys that collide and
 * make the index grow, every key read back after each step (absent ones included).
 */
class HeapRunningStoreTest {
    /** A test event: only the store's layout matters here. */
    static final class Event {
        long key;
        String text;
        long timeMs;
    }

    private static final FeatureSet<Event> LONGS = FeatureSet.builder("longs", Event.class)
        .entity("id", e -> e.key).eventTime(e -> e.timeMs).count("n").build();
    private static final FeatureSet<Event> TEXTS = FeatureSet.builder("texts", Event.class)
        .textEntity("name", e -> e.text).eventTime(e -> e.timeMs).count("n").build();

    private static int markOffset(HeapRunningStore store) {
        return (store.layout().rowSizeBytes() / 8 - 1) * 8;
    }

    @Test
    void longKeysReadAsAHashMapThroughGrowthAndDeletes() {
        for (long seed = 1; seed <= 3; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            HeapRunningStore store = new HeapRunningStore(StoreConfig.builder(LONGS).capacity(1L << 40).build());
            ShardWriter w = store.writer(0);
            int mark = markOffset(store);
            Map<Long, Long> reference = new HashMap<>();
            // Few distinct keys, so deletes hit present keys often; the extremes and multiples of the table size
            // collide in the index.
            long[] pool = new long[3000];
            for (int i = 0; i < pool.length; i++) {
                pool[i] = i % 3 == 0 ? (long) i << 10 : i % 3 == 1 ? r.nextLong() : i - 1500;
            }
            pool[0] = Long.MIN_VALUE;
            pool[1] = Long.MAX_VALUE;
            RowBuffer out = RowBuffer.allocateHeap(store.layout().rowSizeBytes());
            for (int step = 0; step < 40_000; step++) {
                long key = pool[r.nextInt(pool.length)];
                if (r.nextInt(4) == 0) {
                    int result = w.delete(key, ShardWriter.NO_SOURCE, 0, 0);
                    assertThat(result).as("seed %d step %d delete %d", seed, step, key)
                        .isEqualTo(reference.remove(key) != null ? ShardWriter.DELETED : ShardWriter.DELETE_ABSENT);
                } else {
                    assertThat(w.begin(key, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
                    long before = w.row().getLong(mark);
                    assertThat(before).as("seed %d step %d row of %d", seed, step, key)
                        .isEqualTo(reference.getOrDefault(key, 0L));
                    w.row().putLong(mark, step + 1);
                    w.commit();
                    reference.put(key, (long) step + 1);
                }
                if (step % 997 == 0) {
                    for (long k : pool) {
                        Long expected = reference.get(k);
                        assertThat(store.readRow(k, out)).as("seed %d step %d key %d", seed, step, k)
                            .isEqualTo(expected != null);
                        if (expected != null) {
                            assertThat(out.getLong(mark)).isEqualTo(expected);
                        }
                    }
                    assertThat(store.size()).isEqualTo(reference.size());
                }
            }
            store.close();
        }
    }

    @Test
    void textKeysReadAsAHashMap() {
        SplittableRandom r = new SplittableRandom(7);
        HeapRunningStore store = new HeapRunningStore(StoreConfig.builder(TEXTS).capacity(1L << 40).build());
        ShardWriter w = store.writer(0);
        int mark = markOffset(store);
        Map<String, Long> reference = new HashMap<>();
        List<String> pool = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            pool.add("k-" + i);
        }
        RowBuffer out = RowBuffer.allocateHeap(store.layout().rowSizeBytes());
        for (int step = 0; step < 5000; step++) {
            String key = pool.get(r.nextInt(pool.size()));
            if (r.nextInt(4) == 0) {
                assertThat(w.delete(new StringBuilder(key), ShardWriter.NO_SOURCE, 0, 0))
                    .isEqualTo(reference.remove(key) != null ? ShardWriter.DELETED : ShardWriter.DELETE_ABSENT);
            } else {
                assertThat(w.begin(new StringBuilder(key), ShardWriter.NO_SOURCE, 0, 0))
                    .isEqualTo(ShardWriter.BEGIN_OK);
                w.row().putLong(mark, step + 1);
                w.commit();
                reference.put(key, (long) step + 1);
            }
        }
        for (String k : pool) {
            Long expected = reference.get(k);
            assertThat(store.readRow(k, out)).as(k).isEqualTo(expected != null);
            if (expected != null) {
                assertThat(out.getLong(mark)).isEqualTo(expected);
            }
        }
        assertThat(store.size()).isEqualTo(reference.size());
    }

    @Test
    void aNewRowStartsInitialisedAndAbortDropsIt() {
        HeapRunningStore store = new HeapRunningStore(StoreConfig.builder(LONGS).capacity(1L << 40).build());
        ShardWriter w = store.writer(0);
        RowBuffer fresh = RowBuffer.allocateHeap(store.layout().rowSizeBytes());
        store.layout().initRow(fresh);
        assertThat(w.begin(42, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
        for (int o = 0; o + 8 <= store.layout().rowSizeBytes(); o += 8) {
            assertThat(w.row().getLong(o)).as("offset %d", o).isEqualTo(fresh.getLong(o));
        }
        w.abort();
        assertThat(store.size()).isZero();
        assertThat(store.readRow(42, RowBuffer.allocateHeap(store.layout().rowSizeBytes()))).isFalse();

        w.begin(42, ShardWriter.NO_SOURCE, 0, 0);
        w.commit();
        w.begin(42, ShardWriter.NO_SOURCE, 0, 0);
        assertThatThrownBy(w::abort).isInstanceOf(IllegalStateException.class).hasMessageContaining("in place");
    }

    @Test
    void aFullStoreRefusesANewKeyAndTakesAnExistingOne() {
        HeapRunningStore store = new HeapRunningStore(StoreConfig.builder(LONGS).capacity(2)
            .growth(StoreGrowth.disabled()).build());
        ShardWriter w = store.writer(0);
        for (long k = 1; k <= 2; k++) {
            assertThat(w.begin(k, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
            w.commit();
        }
        assertThat(w.begin(3, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_FULL);
        assertThat(w.begin(2, ShardWriter.NO_SOURCE, 0, 0)).isEqualTo(ShardWriter.BEGIN_OK);
        w.commit();
        assertThatThrownBy(() -> w.begin(4, 0, 0, 7)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("NO_SOURCE");
    }

    @Test
    void aClosedStoreRefusesReadsAndWrites() {
        HeapRunningStore store = new HeapRunningStore(StoreConfig.builder(LONGS).capacity(1L << 40).build());
        ShardWriter w = store.writer(0);
        w.begin(5, ShardWriter.NO_SOURCE, 0, 0);
        w.commit();
        store.close();
        RowBuffer out = RowBuffer.allocateHeap(store.layout().rowSizeBytes());
        assertThatThrownBy(() -> store.readRow(5, out)).isInstanceOf(StoreException.class)
            .hasMessageContaining("closed");
        assertThatThrownBy(() -> w.begin(5, ShardWriter.NO_SOURCE, 0, 0)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> w.delete(5, ShardWriter.NO_SOURCE, 0, 0)).isInstanceOf(StoreException.class);
    }
}
