package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.table.TableStore;
import io.freshet.testkit.FreshetKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A table store created far too small for its users grows online under a running pipeline, on a real broker, under
 * each bad-record policy: every record is applied exactly once (every user's features equal the reference model's,
 * no record skipped, dead-lettered or refused as STORE_FULL), and the growths are counted by the store.
 */
class TableGrowthPipelineTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final TableStoreEngine ENGINE = new TableStoreEngine();

    @ParameterizedTest(name = "{0}, capacity {1}, {2} events over {3} user ids")
    @CsvSource({
        "FAIL, 1000, 60000, 40000",
        "SKIP, 1000, 60000, 40000",
        "DEAD_LETTER, 1000, 60000, 40000",
        "FAIL, 50000, 220000, 1000000",
        "SKIP, 50000, 220000, 1000000",
        "DEAD_LETTER, 50000, 220000, 1000000"})
    void aStoreThatGrowsUnderThePipelineAppliesEveryRecordExactlyOnce(BadRecordPolicy policy, long capacity,
        int events, int userIds, FreshetKafka broker, @TempDir Path dir) throws Exception {
        String topic = broker.uniqueName("grow");
        broker.createTopic(topic, 3);
        Source<Payment> source = Source.of(topic, new PaymentCodec());
        if (policy == BadRecordPolicy.DEAD_LETTER) {
            String dlq = broker.uniqueName("grow-dlq");
            broker.createTopic(dlq, 1);
            source = source.deadLetterTo(dlq);
        } else {
            source = source.onBadRecord(policy);
        }
        List<Payment> stream = PipelineFixtures.stream(capacity + policy.ordinal(), events, userIds);
        PipelineFixtures.produce(broker, topic, stream);
        long users = stream.stream().mapToLong(e -> e.userId).distinct().count();
        assertThat(users).as("many more users than the capacity").isGreaterThan(3 * capacity);
        StoreConfig cfg = StoreConfig.builder(USER_RISK).directory(dir.resolve("user_risk")).capacity(capacity)
            .shards(4).build();
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .applierThreads(2)
            .register(USER_RISK, ENGINE, cfg, source)
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(120))).as("caught up").isTrue();
            TableStore store = (TableStore) PipelineTestAccess.store(p, USER_RISK);
            System.out.println(policy + " capacity=" + capacity + " users=" + users + " growth history: "
                + store.metadata(TableStore.GROWTH_HISTORY_KEY));
            assertThat(p.failure()).as("failure; growth history " + store.metadata(TableStore.GROWTH_HISTORY_KEY)
                + " layout " + store.metadata(TableStore.LAYOUT_KEY)).isNull();
            int keys = PipelineFixtures.assertMatchesReference(p.reader(USER_RISK),
                PipelineFixtures.reference(USER_RISK, stream));
            assertThat((long) keys).isEqualTo(users);
            PipelineMetrics.SetCounts m = p.metrics().set(USER_RISK.name());
            assertThat(m.storeFull()).as("records refused as STORE_FULL").isZero();
            assertThat(m.skipped()).as("records skipped").isZero();
            assertThat(m.deadLettered()).as("records dead-lettered").isZero();
            assertThat(store.size()).isEqualTo(users);
            assertThat(store.capacity()).as("capacity after growth").isGreaterThanOrEqualTo(users);
            // Each growth doubles; the first starts at 75% of a shard's slots.
            long minGrowths = 64 - Long.numberOfLeadingZeros((users - 1) / capacity);
            assertThat(store.growthCount() + (store.growing() ? 1 : 0)).as("growth events counted")
                .isGreaterThanOrEqualTo(minGrowths);
        }
    }
}
