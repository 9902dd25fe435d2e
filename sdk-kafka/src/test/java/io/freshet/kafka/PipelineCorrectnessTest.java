package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MEMORY;
import static io.freshet.kafka.PipelineFixtures.MERCHANT_STATS;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.VectorStatus;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.testkit.FreshetKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Feature-by-feature equality with the reference model on a real broker: seeded multi-partition streams with
 * out-of-order and late events, two feature sets with different entity keys fed by one topic, a transactional
 * producer aborting about 10% of its transactions, and a restart that resumes from the store's offsets.
 */
class PipelineCorrectnessTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    @Test
    void twoSetsWithDifferentKeysOnOneTopicMatchTheReference(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("payments");
        broker.createTopic(topic, 4);
        List<Payment> events = PipelineFixtures.stream(42, 20_000, 300);
        PipelineFixtures.produce(broker, topic, events);

        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .applierThreads(2)
            .register(USER_RISK, MEMORY, PipelineFixtures.storeConfig(USER_RISK, 4),
                Source.of(topic, new PaymentCodec()))
            .register(MERCHANT_STATS, MEMORY, PipelineFixtures.storeConfig(MERCHANT_STATS, 3),
                Source.of(topic, new PaymentCodec()))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(p.status(USER_RISK).state()).isEqualTo(SetStatus.State.RUNNING);

            ReferenceModel<Payment> users = PipelineFixtures.reference(USER_RISK, events);
            ReferenceModel<Payment> merchants = PipelineFixtures.reference(MERCHANT_STATS, events);
            assertThat(PipelineFixtures.assertMatchesReference(p.reader(USER_RISK), users)).isGreaterThan(250);
            assertThat(PipelineFixtures.assertMatchesReference(p.reader(MERCHANT_STATS), merchants))
                .isEqualTo(PipelineFixtures.MERCHANTS.length);

            PipelineMetrics m = p.metrics();
            assertThat(m.set("user_risk").applied()).isEqualTo(users.appliedCount()).isEqualTo(events.size());
            assertThat(m.set("user_risk").late()).isEqualTo(users.lateCount()).isPositive();
            assertThat(m.set("merchant_stats").applied()).isEqualTo(events.size());
            // A record re-read after a back-pressure pause reaches the set served before the pause a second time:
            // its shard skips it. Nothing else may produce a duplicate.
            assertThat(m.set("user_risk").duplicates() + m.set("merchant_stats").duplicates())
                .isLessThanOrEqualTo(m.pauses());
            assertThat(m.set("user_risk").badRecords()).isZero();
            assertThat(m.pollToApplied().count()).isEqualTo(2L * events.size());
            assertThat(m.brokerToPoll().count()).isEqualTo(2L * events.size());
            assertThat(m.lagByPartition()).hasSize(4).allSatisfy((tp, lag) -> assertThat(lag).isZero());
            assertThat(PipelineTestAccess.store(p, USER_RISK).size()).isEqualTo(users.keys().size());
        }
    }

    @Test
    void abortedTransactionsAreNeverApplied(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("payments-tx");
        broker.createTopic(topic, 3);
        List<Payment> events = PipelineFixtures.stream(7, 6_000, 100);
        List<Payment> committed = new ArrayList<>();
        Random r = new Random(7);
        int aborted = 0;
        try (TransactionalTestProducer producer =
            new TransactionalTestProducer(broker, topic, broker.uniqueName("tx"))) {
            for (int i = 0; i < events.size(); i += 50) {
                List<Payment> batch = events.subList(i, Math.min(events.size(), i + 50));
                List<ProducerRecord<Long, byte[]>> records = new ArrayList<>();
                for (Payment e : batch) {
                    records.add(new ProducerRecord<>(topic, e.userId, PaymentCodec.encode(e)));
                }
                // The outcome the broker settled on, not the one asked for: see TransactionalTestProducer.
                if (producer.transaction(records, r.nextInt(10) != 0)) {
                    committed.addAll(batch);
                } else {
                    aborted += batch.size();
                }
            }
        }
        assertThat(aborted).isBetween(200, 1200);

        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .register(USER_RISK, MEMORY, PipelineFixtures.storeConfig(USER_RISK, 2),
                Source.of(topic, new PaymentCodec()))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            ReferenceModel<Payment> ref = PipelineFixtures.reference(USER_RISK, committed);
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK), ref);
            assertThat(p.metrics().set("user_risk").applied()).isEqualTo(committed.size());
        }
    }

    @Test
    void restartResumesFromTheStoreOffsetsWithoutLossOrDoubleCounting(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("payments-restart");
        broker.createTopic(topic, 3);
        List<Payment> first = PipelineFixtures.stream(11, 3_000, 80);
        List<Payment> second = PipelineFixtures.stream(12, 3_000, 80);
        RowStore store = PipelineFixtures.memoryStore(USER_RISK, 4);
        ManualClock clock = new ManualClock(NOW);
        PipelineFixtures.produce(broker, topic, first);
        try (FeaturePipeline p = pipeline(broker, topic, store, clock)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
        }
        // Every shard advanced through markers, even for partitions it saw few records of.
        int ti = store.topicIndex(topic);
        for (int shard = 0; shard < store.shardCount(); shard++) {
            for (int part = 0; part < 3; part++) {
                assertThat(store.appliedOffset(shard, ti, part)).isNotEqualTo(ShardWriter.NO_OFFSET);
            }
        }
        PipelineFixtures.produce(broker, topic, second);
        try (FeaturePipeline p = pipeline(broker, topic, store, clock)) {
            FeatureVector v = USER_RISK.newVector();
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            List<Payment> all = new ArrayList<>(first);
            all.addAll(second);
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK), PipelineFixtures.reference(USER_RISK, all));
            PipelineMetrics m = p.metrics();
            assertThat(m.set("user_risk").applied()).isEqualTo(second.size());
            assertThat(m.set("user_risk").duplicates()).isZero();
            p.reader(USER_RISK).read(first.get(0).userId, v);
            assertThat(v.status()).isEqualTo(VectorStatus.FRESH);
        }
        store.close();
    }

    static FeaturePipeline pipeline(FreshetKafka broker, String topic, RowStore store, ManualClock clock) {
        return FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(clock)
            .register(USER_RISK, store, Source.of(topic, new PaymentCodec()))
            .start();
    }
}
