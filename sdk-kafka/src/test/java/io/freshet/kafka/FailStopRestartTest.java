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
 * What the README promises of {@code BadRecordPolicy.FAIL} when the applier, not the consumer, refuses a record (the
 * store is full): the pipeline goes DOWN naming the record, other shards may have applied later records of the same
 * partition, and a restart after fixing the cause (an offline resize) resumes every shard from its own stored
 * offsets, so the final rows equal the reference model: nothing lost, nothing applied twice.
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
    void afterAFullStoreStoppedThePipelineARestartOnTheResizedStoreAppliesEveryRecordExactlyOnce(FreshetKafka broker,
        @TempDir Path dir) throws Exception {
        String topic = broker.uniqueName("failstop");
        broker.createTopic(topic, 3);
        List<Payment> events = PipelineFixtures.stream(71, 8_000, 2_000);
        PipelineFixtures.produce(broker, topic, events);
        long users = events.stream().mapToLong(e -> e.userId).distinct().count();
        StoreConfig small = StoreConfig.builder(USER_RISK).directory(dir.resolve("small"))
            .capacity(users / 4).shards(4).growth(StoreGrowth.disabled()).build();

        try (FeaturePipeline p = start(broker, topic, small)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (p.failure() == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(p.failure()).as("a full store stops the pipeline under FAIL")
                .isInstanceOfSatisfying(BadRecordException.class,
                    e -> assertThat(e.reason()).isEqualTo(BadRecordReason.STORE_FULL));
            assertThat(p.status(USER_RISK).state()).isEqualTo(SetStatus.State.DOWN);
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
