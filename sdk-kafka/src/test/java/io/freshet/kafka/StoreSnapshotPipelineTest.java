package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreOpenState;
import io.freshet.store.TableStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warm start of a replica on a real broker: a snapshot of a running pipeline's store, taken while a producer keeps
 * writing, opened by a second pipeline, which resumes from the snapshot's offsets: every record applied exactly once
 * (its features equal the reference model over the whole topic) and only the records after the snapshot point
 * applied again.
 */
class StoreSnapshotPipelineTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final TableStoreEngine ENGINE = new TableStoreEngine();

    private static StoreConfig config(Path dir) {
        return StoreConfig.builder(USER_RISK).directory(dir).capacity(40_000).shards(4).build();
    }

    private static FeaturePipeline start(FreshetKafka broker, String instance, Path dir, Source<Payment> source) {
        return FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .instanceId(instance)
            .clock(new ManualClock(NOW))
            .consumerThreads(2)
            .applierThreads(2)
            .register(USER_RISK, ENGINE, config(dir), source)
            .start();
    }

    @Test
    void aSecondPipelineOpenedOnASnapshotTakenUnderTrafficResumesWithEveryRecordAppliedOnce(FreshetKafka broker,
        @TempDir Path dir) throws Exception {
        String topic = broker.uniqueName("snap");
        broker.createTopic(topic, 3);
        Source<Payment> source = Source.of(topic, new PaymentCodec());
        List<Payment> stream = PipelineFixtures.stream(14, 120_000, 30_000);
        List<Payment> history = stream.subList(0, 60_000);
        List<Payment> live = stream.subList(60_000, stream.size());
        PipelineFixtures.produce(broker, topic, history);
        Path snapshot = dir.resolve("snapshot");
        long rows;
        try (FeaturePipeline a = start(broker, "snap-a", dir.resolve("a"), source)) {
            assertThat(a.awaitCaughtUp(Duration.ofSeconds(120))).as("first pipeline caught up").isTrue();
            AtomicReference<Throwable> producerFailure = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                try {
                    for (int i = 0; i < live.size(); i += 2_000) {
                        PipelineFixtures.produce(broker, topic, live.subList(i, Math.min(live.size(), i + 2_000)));
                    }
                } catch (Throwable t) {
                    producerFailure.set(t);
                }
            }, "snapshot-test-producer");
            producer.start();
            while (a.appliedRecords(USER_RISK) < history.size() + 4_000 && producer.isAlive()) {
                Thread.sleep(5);
            }
            rows = StoreSnapshot.of(a, USER_RISK).to(snapshot);
            producer.join();
            assertThat(producerFailure.get()).isNull();
            assertThat(a.awaitCaughtUp(Duration.ofSeconds(120))).as("first pipeline caught up again").isTrue();
            assertThat(a.failure()).isNull();
            PipelineFixtures.assertMatchesReference(a.reader(USER_RISK),
                PipelineFixtures.reference(USER_RISK, stream));
        }
        assertThat(rows).as("rows in the snapshot").isPositive();
        try (FeaturePipeline b = start(broker, "snap-b", snapshot, source)) {
            assertThat(b.storeOpenState(USER_RISK)).as("the snapshot opens as a cleanly closed store")
                .isEqualTo(StoreOpenState.CLEAN);
            assertThat(b.awaitCaughtUp(Duration.ofSeconds(120))).as("second pipeline caught up").isTrue();
            assertThat(b.failure()).isNull();
            int keys = PipelineFixtures.assertMatchesReference(b.reader(USER_RISK),
                PipelineFixtures.reference(USER_RISK, stream));
            assertThat(b.storeRows(USER_RISK)).isEqualTo(keys);
            assertThat(b.appliedRecords(USER_RISK)).as("records the replica applied after its warm start: at most "
                + "those produced after the snapshot began").isLessThanOrEqualTo(live.size() - 4_000L)
                .isPositive();
        }
    }

    @Test
    void aSnapshotIsRefusedIntoADirectoryThatHoldsAStore(FreshetKafka broker, @TempDir Path dir) throws Exception {
        String topic = broker.uniqueName("snap-busy");
        // Two partitions for the two consumer threads (a consumer thread with no partition dies: a separate bug).
        broker.createTopic(topic, 2);
        Source<Payment> source = Source.of(topic, new PaymentCodec());
        try (FeaturePipeline a = start(broker, "snap-busy", dir.resolve("a"), source)) {
            assertThat(a.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(a.failure()).isNull();
            assertThatThrownBy(() -> StoreSnapshot.of(a, USER_RISK).to(dir.resolve("a")))
                .hasMessageContaining("not empty");
            assertThat(a.failure()).isNull();
        }
    }
}
