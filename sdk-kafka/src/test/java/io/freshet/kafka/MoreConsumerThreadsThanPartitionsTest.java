package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.store.TableStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * More consumer threads than partitions: the threads left without a partition wait instead of failing (a replicated
 * pipeline's idle consumer once died with Kafka's "Consumer is not subscribed to any topics or assigned any
 * partitions", taking the pipeline DOWN), and every record is applied.
 */
class MoreConsumerThreadsThanPartitionsTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    @ParameterizedTest
    @EnumSource(ScaleMode.class)
    void threadsWithoutAPartitionWaitAndEveryRecordIsApplied(ScaleMode mode, FreshetKafka broker, @TempDir Path dir)
        throws Exception {
        String topic = broker.uniqueName("few-partitions");
        broker.createTopic(topic, 1);
        List<Payment> stream = PipelineFixtures.stream(31, 3_000, 300);
        PipelineFixtures.produce(broker, topic, stream);
        java.util.Properties props = PipelineFixtures.pipelineProps(broker);
        if (mode == ScaleMode.SHARDED) {
            props.put("group.id", broker.uniqueName("few-partitions-group"));
        }
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(props)
            .clock(new ManualClock(NOW))
            .mode(mode)
            .consumerThreads(3)
            .register(USER_RISK, new TableStoreEngine(), StoreConfig.builder(USER_RISK)
                .directory(dir.resolve("s")).capacity(10_000).build(), Source.of(topic, new PaymentCodec()))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).as("caught up; failure " + p.failure()).isTrue();
            Thread.sleep(500);
            assertThat(p.failure()).isNull();
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK), PipelineFixtures.reference(USER_RISK, stream));
            assertThat(p.failure()).isNull();
        }
    }
}
