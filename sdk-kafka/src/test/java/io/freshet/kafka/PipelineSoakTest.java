package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MEMORY;
import static io.freshet.kafka.PipelineFixtures.MERCHANT_STATS;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.testkit.FreshetKafka;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The correctness check over more seeds, more events, more threads and small queues (so back-pressure is
 * constant). Tagged soak: {@code mvn -Psoak test -pl sdk-kafka -am}.
 */
@Tag("soak")
class PipelineSoakTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void seededStreamsMatchTheReference(long seed, FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("soak");
        broker.createTopic(topic, 6);
        List<Payment> events = PipelineFixtures.stream(seed, 60_000, 2_000);
        PipelineFixtures.produce(broker, topic, events);
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(3)
            .applierThreads(2)
            .queueCapacity(64)
            .register(USER_RISK, MEMORY, PipelineFixtures.storeConfig(USER_RISK, 8),
                Source.of(topic, new PaymentCodec()))
            .register(MERCHANT_STATS, MEMORY, PipelineFixtures.storeConfig(MERCHANT_STATS, 5),
                Source.of(topic, new PaymentCodec()))
            .start()) {
            assertThat(p.awaitCaughtUp(Duration.ofMinutes(3))).isTrue();
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK),
                PipelineFixtures.reference(USER_RISK, events));
            PipelineFixtures.assertMatchesReference(p.reader(MERCHANT_STATS),
                PipelineFixtures.reference(MERCHANT_STATS, events));
            assertThat(p.metrics().set(USER_RISK.name()).applied()).isEqualTo(events.size());
        }
    }
}
