package io.freshet.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowStore;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.kafka.internal.training.HeapRunningStore;
import io.freshet.kafka.internal.training.RunningRows;
import io.freshet.store.StoreEngines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running rows without a broker: records offered in log order, labels at rising times, every read against a
 * fresh reference fed exactly the records with event time below the label time, in log order, at their known times.
 */
class RunningRowsTest {
    private static final FeatureSet<Payment> SET = TrainingFixtures.USERS;
    private static final long T0 = PipelineFixtures.T0;

    @Test
    void heapCheckpointMatchesTheReference() {
        check(new HeapRunningStore(StoreConfig.builder(SET).capacity(1 << 20).build()), 1, 0);
    }

    @Test
    void heapCheckpointWithALagMatchesTheReference() {
        check(new HeapRunningStore(StoreConfig.builder(SET).capacity(1 << 20).build()), 3, 120_000);
    }

    @Test
    void inMemoryStoreCheckpointWithALagMatchesTheReference() {
        check(new InMemoryRowStore(StoreConfig.builder(SET).capacity(1 << 20).build()), 4, 120_000);
    }

    @Test
    void tableCheckpointMatchesTheReference(@TempDir Path dir) {
        check(StoreEngines.table().open(StoreConfig.builder(SET).directory(dir.resolve("rows")).capacity(1 << 10)
            .build()), 2, 120_000);
    }

    private static void check(RowStore store, long seed, long lagMs) {
        Random r = new Random(seed);
        List<Payment> events = new ArrayList<>();
        List<Long> known = new ArrayList<>();
        long arrival = T0;
        for (int i = 0; i < 4000; i++) {
            arrival += 1 + r.nextInt(1000);
            int p = r.nextInt(100);
            long ts = p < 5 ? arrival - 3 * 3_600_000L : p < 15 ? arrival + r.nextInt(240_000)
                : arrival - r.nextInt(180_000);
            events.add(new Payment(r.nextInt(40), "m-" + r.nextInt(9), ts, r.nextInt(100_000) / 100.0,
                r.nextInt(10) == 0));
            known.add(arrival);
        }
        PaymentCodec codec = new PaymentCodec();
        Payment reusable = codec.newReusable();
        int reads = 0;
        try (RunningRows<Payment> rows = new RunningRows<>(SET, store)) {
            FeatureVector v = SET.newVector();
            int next = 0;
            for (long t = T0 + 60_000; t < arrival + 600_000; t += 7_000 + r.nextInt(20_000)) {
                while (next < events.size() && known.get(next) <= t + lagMs) {
                    Payment e = events.get(next);
                    ConsumerRecord<byte[], byte[]> rec = new ConsumerRecord<>("t", 0, next, null,
                        PaymentCodec.encode(e));
                    assertThat(rows.offer(rec, codec, reusable, Integer.MAX_VALUE, Long.MAX_VALUE, known.get(next),
                        t)).isNull();
                    next++;
                }
                rows.advanceTo(t);
                long key = r.nextInt(44);
                reads++;
                rows.read(key, t, v);
                ReferenceModel<Payment> model = new ReferenceModel<>(SET);
                for (int i = 0; i < next; i++) {
                    if (events.get(i).userId() == key && events.get(i).tsMs() < t) {
                        model.apply(events.get(i).copy(), known.get(i));
                    }
                }
                List<String> diff = model.expected(key, t).mismatches(v);
                assertThat(diff).as("key=%d t=%d", key, t).isEmpty();
            }
            // Both read paths ran: the checkpoint alone, and checkpoint plus qualifying pending records.
            assertThat(rows.maxPendingCount()).isGreaterThan(0);
            assertThat(rows.scratchReadCount()).as("reads on a scratch copy").isGreaterThan(5);
            assertThat(reads - rows.scratchReadCount()).as("reads of the checkpoint alone").isGreaterThan(20);
        }
    }
}
