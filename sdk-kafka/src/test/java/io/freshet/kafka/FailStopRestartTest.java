package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.testkit.FreshetKafka;
import io.freshet.store.TableStoreEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the README promises when the store is full, even under {@code BadRecordPolicy.FAIL}: a full store is not a
 * bad record, so the pipeline does not fail — the set waits with status STORE_FULL (nothing skipped or
 * dead-lettered), other shards may have applied later records of the same partition, a close while it waits
 * returns, and a restart after an offline resize resumes every shard from its own stored offsets, so the final rows
 * equal the reference model: nothing lost, nothing applied twice.
 */
class FailStopRestartTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final TableStoreEngine ENGINE = new TableStoreEngine();

    private static FeaturePipeline start(FreshetKafka broker, String topic, StoreConfig cfg) {
        return FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .applierThreads(2)
            .register(USER_RISK, ENGINE, cfg, Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.FAIL))
            .start();
    }

    @Test
    void aFullStoreWaitsUnderFailAndARestartOnTheResizedStoreAppliesEveryRecordExactlyOnce(FreshetKafka broker,
        @TempDir Path dir) throws Exception {
        String topic = broker.uniqueName("failstop");
        broker.createTopic(topic, 3);
        List<Payment> events = PipelineFixtures.stream(71, 8_000, 2_000);
        PipelineFixtures.produce(broker, topic, events);
        long users = events.stream().mapToLong(e -> e.userId).distinct().count();
        StoreConfig small = StoreConfig.builder(USER_RISK).directory(dir.resolve("small"))
            .capacity(users / 4).shards(4).growth(StoreGrowth.disabled()).build();

        FeaturePipeline waiting = start(broker, topic, small);
        try {
            FeaturePipeline p = waiting;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (p.status(USER_RISK).state() != SetStatus.State.STORE_FULL && p.failure() == null
                && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            SetStatus status = p.status(USER_RISK);
            assertThat(p.failure()).as("a full store is not a bad record: FAIL does not stop the pipeline").isNull();
            assertThat(status.state()).isEqualTo(SetStatus.State.STORE_FULL);
            assertThat(status.storeCapacity()).isEqualTo(users / 4);
            assertThat(status.storeRows()).isPositive();
            assertThat(status.reason()).contains("store full", "capacity=" + (users / 4));
            PipelineMetrics.SetCounts counts = p.metrics().set(USER_RISK.name());
            assertThat(counts.badRecords()).isZero();
            assertThat(counts.skipped()).isZero();
            assertThat(counts.storeFull()).isPositive();
            assertThat(counts.storeFillWarning()).isTrue();
            assertThat(counts.applied()).isLessThan(events.size());
        } finally {
            waiting.close();
            assertThat(PipelineTestAccess.anyThreadAlive(waiting))
                .as("close ends every thread while the set waits for room").isFalse();
        }

        Path resized = dir.resolve("resized");
        TableStoreEngine.resize(small, resized, users * 2);
        StoreConfig big = StoreConfig.builder(USER_RISK).directory(resized).capacity(users * 2).shards(4).build();
        try (FeaturePipeline p = start(broker, topic, big)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(p.failure()).isNull();
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK),
                PipelineFixtures.reference(USER_RISK, events));
        }
    }
}
