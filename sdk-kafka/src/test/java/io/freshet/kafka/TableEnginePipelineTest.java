package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreOpenState;
import io.freshet.testkit.FreshetKafka;
import io.freshet.store.TableStoreEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on the memory-mapped table engine: rows and offsets survive a close and reopen (the next pipeline
 * resumes from the store's offsets), and a re-created topic is refused, then rebuilt from the log start.
 */
class TableEnginePipelineTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final TableStoreEngine ENGINE = new TableStoreEngine();

    private static FeaturePipeline start(FreshetKafka broker, String topic, StoreConfig cfg,
        OffsetMismatchPolicy policy) {
        return FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .applierThreads(2)
            .onOffsetMismatch(policy)
            .register(USER_RISK, ENGINE, cfg, Source.of(topic, new PaymentCodec()))
            .start();
    }

    @Test
    void reopenedStoreResumesFromItsOffsetsAndRecreatedTopicIsRebuilt(FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        String topic = broker.uniqueName("table");
        broker.createTopic(topic, 3);
        StoreConfig cfg = StoreConfig.builder(USER_RISK).directory(dir.resolve("user_risk"))
            .capacity(10_000).shards(4).build();
        List<Payment> first = PipelineFixtures.stream(61, 4_000, 150);
        List<Payment> second = PipelineFixtures.stream(62, 4_000, 150);
        PipelineFixtures.produce(broker, topic, first);
        try (FeaturePipeline p = start(broker, topic, cfg, OffsetMismatchPolicy.FAIL)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(PipelineTestAccess.store(p, USER_RISK).openState()).isEqualTo(StoreOpenState.CREATED);
        }
        PipelineFixtures.produce(broker, topic, second);
        List<Payment> all = new ArrayList<>(first);
        all.addAll(second);
        try (FeaturePipeline p = start(broker, topic, cfg, OffsetMismatchPolicy.FAIL)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(PipelineTestAccess.store(p, USER_RISK).openState()).isEqualTo(StoreOpenState.CLEAN);
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK), PipelineFixtures.reference(USER_RISK, all));
            assertThat(p.metrics().set(USER_RISK.name()).applied()).isEqualTo(second.size());
        }

        broker.deleteTopic(topic);
        broker.createTopic(topic, 3);
        List<Payment> third = PipelineFixtures.stream(63, 2_000, 150);
        PipelineFixtures.produce(broker, topic, third);
        assertThatThrownBy(() -> start(broker, topic, cfg, OffsetMismatchPolicy.FAIL))
            .isInstanceOf(OffsetMismatchException.class).hasMessageContaining("re-created");
        try (FeaturePipeline p = start(broker, topic, cfg, OffsetMismatchPolicy.REBUILD)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(PipelineTestAccess.store(p, USER_RISK).openState()).isEqualTo(StoreOpenState.CREATED);
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK),
                PipelineFixtures.reference(USER_RISK, third));
        }
    }
}
