package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MEMORY;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.kafka.internal.Preflight;
import io.freshet.store.TableStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store's offsets only mean something on the cluster and topic they came from: another cluster id, a topic
 * deleted and re-created, and a position below the log start (records deleted by the admin API, or segments deleted
 * by time retention) are refused at start (FAIL) or rebuilt (REBUILD).
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
    /**
     * The store applied offsets 0–99; then 50 more records with hour-old timestamps and 50 current ones arrive, and
     * time retention (10 min, switched on afterwards) deletes every segment holding only old records: the log start
     * moves to 150, past the store's position. A timestamp an hour old rolls a new segment on the next append
     * (segment.ms 30 min), so the old records never share a segment with the current ones.
     */
    @Test
    void positionBelowLogStartAfterRetentionDeletedSegmentsIsRefusedAndRebuildReplaysTheRest(FreshetKafka broker,
        @TempDir Path dir) throws Exception {
        assumeRetentionChecksWithinSeconds(broker);
        String topic = broker.uniqueName("time-retention");
        broker.createTopic(topic, 1, Map.of("retention.ms", "-1", "segment.ms", String.valueOf(30 * 60_000)));
        long old = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        List<Payment> first = PipelineFixtures.stream(4, 100, 10);
        produceAt(broker, topic, first, old);
        StoreConfig cfg = StoreConfig.builder(USER_RISK).directory(dir.resolve("user_risk")).capacity(1_000).shards(2)
            .build();
        try (FeaturePipeline p = onTable(broker, topic, cfg, OffsetMismatchPolicy.FAIL)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
        }
        List<Payment> second = PipelineFixtures.stream(5, 100, 10);
        produceAt(broker, topic, second.subList(0, 50), old);
        produceAt(broker, topic, second.subList(50, 100), System.currentTimeMillis());
        broker.admin().incrementalAlterConfigs(Map.of(
            new ConfigResource(ConfigResource.Type.TOPIC, topic),
            List.of(new AlterConfigOp(new ConfigEntry("retention.ms", String.valueOf(10 * 60_000)),
                AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        TopicPartition tp = new TopicPartition(topic, 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long logStart = 0;
        while (logStart < 150) {
            assertThat(System.nanoTime()).as("retention moved the log start of %s to %s, not yet 150", tp, logStart)
                .isLessThan(deadline);
            Thread.sleep(200);
            logStart = broker.admin().listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp)
                .get(30, TimeUnit.SECONDS).offset();
        }
        assertThat(logStart).as("only the segments of old records are deleted").isEqualTo(150);

        assertThatThrownBy(() -> onTable(broker, topic, cfg, OffsetMismatchPolicy.FAIL))
            .isInstanceOfSatisfying(OffsetMismatchException.class,
                e -> assertThat(e.kind()).isEqualTo(OffsetMismatchException.Kind.LOG_START))
            .hasMessageContaining("store position=100 < log start offset=150");
        try (FeaturePipeline p = onTable(broker, topic, cfg, OffsetMismatchPolicy.REBUILD)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(PipelineTestAccess.store(p, USER_RISK).openState()).as("rebuilt from empty")
                .isEqualTo(StoreOpenState.CREATED);
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK),
                PipelineFixtures.reference(USER_RISK, second.subList(50, 100)));
            assertThat(p.metrics().set(USER_RISK.name()).applied()).isEqualTo(50);
        }
    }

    private static FeaturePipeline onTable(FreshetKafka broker, String topic, StoreConfig cfg,
        OffsetMismatchPolicy policy) {
        return FeaturePipeline.builder().kafka(PipelineFixtures.pipelineProps(broker)).clock(new ManualClock(NOW))
            .onOffsetMismatch(policy).register(USER_RISK, new TableStoreEngine(), cfg, Source.of(topic,
                new PaymentCodec()))
            .start();
    }

    /**
     * The test brokers check retention every second from their start; a user's cluster named by -Dfreshet.bootstrap
     * may check every 5 minutes (the default) or not tell: the retention check then does not run there.
     */
    private static void assumeRetentionChecksWithinSeconds(FreshetKafka broker) throws Exception {
        String node = broker.admin().describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().idString();
        ConfigResource r = new ConfigResource(ConfigResource.Type.BROKER, node);
        String interval;
        try {
            interval = broker.admin().describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r)
                .get("log.retention.check.interval.ms").value();
        } catch (java.util.concurrent.ExecutionException e) {
            Assumptions.abort("cannot read the broker's log.retention.check.interval.ms: " + e.getCause());
            return;
        }
        Assumptions.assumeTrue(Long.parseLong(interval) <= 10_000, "the broker checks retention every " + interval
            + " ms: this check needs 10 s or less (log.retention.check.interval.ms)");
    }

    /** Produces events in order, each record stamped {@code timestampMs} (what time retention looks at). */
    private static void produceAt(FreshetKafka broker, String topic, List<Payment> events, long timestampMs)
        throws Exception {
        try (KafkaProducer<Long, byte[]> p = PipelineFixtures.producer(broker)) {
            for (Payment e : events) {
                p.send(new ProducerRecord<>(topic, null, timestampMs, e.userId, PaymentCodec.encode(e))).get();
            }
        }
    }
}
