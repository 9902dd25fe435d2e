package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.spi.RowStore;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.testkit.FreshetKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two pipelines on one topic, in replicated mode (every key everywhere) and sharded mode (a consumer group). */
class ScaleOutTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    @Test
    void replicatedPipelinesEachServeEveryKey(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("replicated");
        broker.createTopic(topic, 4);
        List<Payment> events = PipelineFixtures.stream(21, 5_000, 120);
        PipelineFixtures.produce(broker, topic, events);
        ReferenceModel<Payment> ref = PipelineFixtures.reference(USER_RISK, events);
        try (FeaturePipeline a = replicated(broker, topic, "a"); FeaturePipeline b = replicated(broker, topic, "b")) {
            assertThat(a.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(b.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            PipelineFixtures.assertMatchesReference(a.reader(USER_RISK), ref);
            PipelineFixtures.assertMatchesReference(b.reader(USER_RISK), ref);
            assertThat(a.keyOwner(USER_RISK, 7L)).isEqualTo("a");
            try (KafkaProducer<Long, byte[]> pr = PipelineFixtures.producer(broker)) {
                for (long key = 0; key < 50; key++) {
                    int actual = pr.send(new ProducerRecord<>(topic, key, new byte[0])).get().partition();
                    assertThat(a.partitionOf(topic, new LongSerializer().serialize(topic, key)))
                        .as("key=%s lands where the default partitioner puts it", key).isEqualTo(actual);
                }
            }
            assertThat(b.keyOwner(USER_RISK, 7L)).isEqualTo("b");
        }
    }

    private static FeaturePipeline replicated(FreshetKafka broker, String topic, String id) {
        return FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .instanceId(id)
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .register(USER_RISK, PipelineFixtures.memoryStore(USER_RISK, 2), Source.of(topic, new PaymentCodec()))
            .start();
    }

    /**
     * A starts alone and applies the first half; B joins (A drains and checkpoints what it gives up); the second
     * half arrives; each key reads right on its owner. Then B leaves and A takes its partitions back, resuming
     * each from A's own stored offsets: A then serves every key right.
     */
    @Test
    void shardedPipelinesSplitPartitionsAndRebalanceWithoutLossOrDoubleCounting(FreshetKafka broker)
        throws Exception {
        String topic = broker.uniqueName("sharded");
        broker.createTopic(topic, 4);
        String group = broker.uniqueName("group");
        List<Payment> first = PipelineFixtures.stream(31, 4_000, 120);
        List<Payment> second = PipelineFixtures.stream(32, 4_000, 120);
        List<Payment> third = PipelineFixtures.stream(33, 2_000, 120);
        RowStore storeA = PipelineFixtures.memoryStore(USER_RISK, 2);
        RowStore storeB = PipelineFixtures.memoryStore(USER_RISK, 2);
        PipelineFixtures.produce(broker, topic, first);
        try (FeaturePipeline a = sharded(broker, topic, group, "a", storeA)) {
            assertThat(a.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(a.keyOwner(USER_RISK, 5L)).isEqualTo("a");
            List<Payment> upToSecond = new ArrayList<>(first);
            upToSecond.addAll(second);
            ReferenceModel<Payment> ref = PipelineFixtures.reference(USER_RISK, upToSecond);
            try (FeaturePipeline b = sharded(broker, topic, group, "b", storeB)) {
                awaitSplit(a, b, topic);
                PipelineFixtures.produce(broker, topic, second);
                assertThat(a.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
                assertThat(b.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
                FeatureVector v = USER_RISK.newVector();
                Set<String> owners = new HashSet<>();
                for (Object k : ref.keys()) {
                    long key = (Long) k;
                    String ownerA = a.keyOwner(USER_RISK, key);
                    assertThat(b.keyOwner(USER_RISK, key)).isEqualTo(ownerA);
                    FeaturePipeline owner = "a".equals(ownerA) ? a : b;
                    assertThat(owner.reader(USER_RISK).read(key, v)).isTrue();
                    try {
                        ref.assertMatches(key, v);
                    } catch (AssertionError e) {
                        throw new AssertionError("owner=" + ownerA + " partition="
                            + a.partitionOf(topic, new LongSerializer().serialize(topic, key)) + " a="
                            + a.metrics().lagByPartition().keySet() + " b=" + b.metrics().lagByPartition().keySet()
                            + ": " + e.getMessage(), e);
                    }
                    owners.add(ownerA);
                }
                assertThat(owners).containsExactlyInAnyOrder("a", "b");
            }
            PipelineFixtures.produce(broker, topic, third);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (a.metrics().lagByPartition().size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(a.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            List<Payment> all = new ArrayList<>(upToSecond);
            all.addAll(third);
            PipelineFixtures.assertMatchesReference(a.reader(USER_RISK), PipelineFixtures.reference(USER_RISK, all));
            assertThat(a.metrics().set(USER_RISK.name()).duplicates()).isZero();
        }
    }

    private static void awaitSplit(FeaturePipeline a, FeaturePipeline b, String topic) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Set<TopicPartition> pa = a.metrics().lagByPartition().keySet();
            Set<TopicPartition> pb = b.metrics().lagByPartition().keySet();
            if (!pa.isEmpty() && !pb.isEmpty() && pa.size() + pb.size() == 4) {
                Set<TopicPartition> both = new HashSet<>(pa);
                both.retainAll(pb);
                assertThat(both).as("no partition owned twice").isEmpty();
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("group did not split the 4 partitions of topic=" + topic + " between a and b");
    }

    private static FeaturePipeline sharded(FreshetKafka broker, String topic, String group, String id,
        RowStore store) {
        Properties p = PipelineFixtures.pipelineProps(broker);
        p.put("group.id", group);
        p.put("session.timeout.ms", "6000");
        p.put("heartbeat.interval.ms", "500");
        return FeaturePipeline.builder()
            .kafka(p)
            .mode(ScaleMode.SHARDED)
            .instanceId(id)
            .clock(new ManualClock(NOW))
            .register(USER_RISK, store, Source.of(topic, new PaymentCodec()))
            .start();
    }
}
