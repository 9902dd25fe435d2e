package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MEMORY;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.kafka.internal.Preflight;
import io.freshet.testkit.FreshetKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A store's offsets only mean something on the cluster and topic they came from: another cluster id, a topic
 * deleted and re-created, and a position below the log start are refused at start (FAIL) or rebuilt (REBUILD).
 */
class OffsetMismatchTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static FeaturePipeline start(FreshetKafka broker, String topic, RowStore store) {
        return FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .register(USER_RISK, store, Source.of(topic, new PaymentCodec()))
            .start();
    }

    @Test
    void storeFedByAnotherClusterIsRefused(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("other-cluster");
        broker.createTopic(topic, 1);
        RowStore store = PipelineFixtures.memoryStore(USER_RISK, 1);
        store.putMetadata(Preflight.CLUSTER_KEY, "some-other-cluster-id");
        assertThatThrownBy(() -> start(broker, topic, store))
            .isInstanceOfSatisfying(OffsetMismatchException.class,
                e -> assertThat(e.kind()).isEqualTo(OffsetMismatchException.Kind.CLUSTER))
            .hasMessageContaining("cluster id=some-other-cluster-id");
    }

    @Test
    void recreatedTopicIsRefused(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("recreated");
        broker.createTopic(topic, 2);
        PipelineFixtures.produce(broker, topic, PipelineFixtures.stream(1, 200, 10));
        RowStore store = PipelineFixtures.memoryStore(USER_RISK, 2);
        try (FeaturePipeline p = start(broker, topic, store)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
        }
        broker.deleteTopic(topic);
        broker.createTopic(topic, 2);
        assertThatThrownBy(() -> start(broker, topic, store))
            .isInstanceOfSatisfying(OffsetMismatchException.class,
                e -> assertThat(e.kind()).isEqualTo(OffsetMismatchException.Kind.TOPIC))
            .hasMessageContaining("topic=" + topic).hasMessageContaining("re-created");
    }

    @Test
    void positionBelowLogStartIsRefusedAndRebuildReplaysFromTheLogStart(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("retention");
        broker.createTopic(topic, 1);
        List<Payment> first = PipelineFixtures.stream(2, 100, 10);
        PipelineFixtures.produce(broker, topic, first);
        AtomicInteger opens = new AtomicInteger();
        RowStore[] current = new RowStore[1];
        StoreEngine counting = new StoreEngine() {
            @Override
            public String name() {
                return "counting-memory";
            }

            @Override
            public RowStore open(StoreConfig config) {
                // Hands out the store prepared in `current` once (a store found on disk), else a new empty one.
                opens.incrementAndGet();
                RowStore s = current[0];
                current[0] = null;
                return s != null ? s : MEMORY.open(config);
            }
        };
        StoreConfig cfg = PipelineFixtures.storeConfig(USER_RISK, 2);
        RowStore original = PipelineFixtures.memoryStore(USER_RISK, 2);
        current[0] = original;
        try (FeaturePipeline p = FeaturePipeline.builder().kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW)).register(USER_RISK, counting, cfg, Source.of(topic, new PaymentCodec()))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
        }
        List<Payment> second = PipelineFixtures.stream(3, 100, 10);
        PipelineFixtures.produce(broker, topic, second);
        broker.admin().deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(150)))
            .all().get(30, TimeUnit.SECONDS);
        current[0] = original;
        assertThatThrownBy(() -> FeaturePipeline.builder().kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW)).register(USER_RISK, counting, cfg, Source.of(topic, new PaymentCodec()))
            .start())
            .isInstanceOfSatisfying(OffsetMismatchException.class,
                e -> assertThat(e.kind()).isEqualTo(OffsetMismatchException.Kind.LOG_START))
            .hasMessageContaining("store position=100 < log start offset=150");

        current[0] = original; // found first; after the rebuild deleted it the engine opens an empty one
        int before = opens.get();
        try (FeaturePipeline p = FeaturePipeline.builder().kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW)).onOffsetMismatch(OffsetMismatchPolicy.REBUILD)
            .register(USER_RISK, counting, cfg, Source.of(topic, new PaymentCodec()))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(opens.get() - before).isEqualTo(2);
            assertThat(PipelineTestAccess.store(p, USER_RISK)).isNotSameAs(original);
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK),
                PipelineFixtures.reference(USER_RISK, second.subList(50, 100)));
        }
    }
}
