package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.MEMORY;
import static io.freshet.kafka.PipelineFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.VectorStatus;
import io.freshet.testkit.FreshetKafka;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A slow applier behind tiny hand-off queues: partitions are paused instead of blocking {@code poll()} (the group
 * stays alive with a short {@code max.poll.interval.ms}), resumed when drained, and nothing is lost or doubled.
 */
class BackPressureTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    static final FeatureSet<Payment> SLOW = FeatureSet.builder("slow_users", Payment.class)
        .entity("user", Payment::userId)
        .eventTime(Payment::tsMs)
        .count("txn_total")
        .sum("amount_total", BackPressureTest::slowAmount)
        .build();

    static volatile long spinNs = 200_000;

    /** Busy-waits (parkNanos is too coarse here): the applier is much slower than the consumer. */
    static double slowAmount(Payment p) {
        long until = System.nanoTime() + spinNs;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        return p.amount;
    }

    @Test
    void fullQueuesPausePartitionsAndLoseNothing(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("slow");
        broker.createTopic(topic, 3);
        List<Payment> events = PipelineFixtures.stream(3, 3_000, 50);
        PipelineFixtures.produce(broker, topic, events);
        java.util.Properties props = PipelineFixtures.pipelineProps(broker);
        props.put("group.id", broker.uniqueName("slow-group"));
        props.put("max.poll.interval.ms", "3000");
        props.put("session.timeout.ms", "6000");
        props.put("heartbeat.interval.ms", "500");
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(props)
            .mode(ScaleMode.SHARDED)
            .clock(new ManualClock(NOW))
            .queueCapacity(8)
            .register(SLOW, MEMORY, PipelineFixtures.storeConfig(SLOW, 2), Source.of(topic, new PaymentCodec()))
            .start()) {
            // While behind: CATCHING_UP with a lag, and reads of existing rows say so.
            FeatureVector v = SLOW.newVector();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!p.reader(SLOW).read(events.get(0).userId, v) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            SetStatus behind = p.status(SLOW);
            assertThat(behind.state()).isEqualTo(SetStatus.State.CATCHING_UP);
            assertThat(v.status()).isEqualTo(VectorStatus.CATCHING_UP);
            spinNs = 20_000;
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(90))).isTrue();
            assertThat(p.status(SLOW).state()).isEqualTo(SetStatus.State.RUNNING);
            p.reader(SLOW).read(events.get(0).userId, v);
            assertThat(v.status()).isEqualTo(VectorStatus.FRESH);
            PipelineMetrics m = p.metrics();
            assertThat(m.pauses()).as("back-pressure paused partitions").isPositive();
            assertThat(m.set(SLOW.name()).applied()).isEqualTo(events.size());
            PipelineFixtures.assertMatchesReference(p.reader(SLOW), PipelineFixtures.reference(SLOW, events));
        }
    }
}
