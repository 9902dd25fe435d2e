package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.ManualClock;
import io.freshet.testkit.FreshetKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a running pipeline reports about itself: interval stage histograms beside the cumulative ones, a status that
 * stays RUNNING under steady load, and (replicated mode) partitions added to a topic after start.
 */
class PipelineObservabilityTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static FeaturePipelineBuilder builder(FreshetKafka broker, String topic, int consumers) {
        return FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(new ManualClock(NOW))
            .consumerThreads(consumers)
            .register(USER_RISK, PipelineFixtures.memoryStore(USER_RISK, 2), Source.of(topic, new PaymentCodec()));
    }

    @Test
    void metricsGiveStageHistogramsSinceThePreviousSnapshotBesideTotals(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("interval");
        broker.createTopic(topic, 3);
        List<Payment> first = PipelineFixtures.stream(71, 1_000, 50);
        List<Payment> second = PipelineFixtures.stream(72, 600, 50);
        PipelineFixtures.produce(broker, topic, first);
        try (FeaturePipeline p = builder(broker, topic, 1).start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            PipelineMetrics m1 = p.metrics();
            assertThat(m1.intervalPollToApplied().count()).isEqualTo(first.size());
            assertThat(m1.intervalBrokerToPoll().count()).isEqualTo(first.size());
            assertThat(m1.pollToApplied().count()).isEqualTo(first.size());

            PipelineFixtures.produce(broker, topic, second);
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            PipelineMetrics m2 = p.metrics();
            assertThat(m2.intervalStartMs()).isEqualTo(m1.timestampMs());
            assertThat(m2.intervalPollToApplied().count()).isEqualTo(second.size());
            assertThat(m2.intervalEventToBroker().count()).isEqualTo(second.size());
            assertThat(m2.intervalBrokerToPoll().count()).isEqualTo(second.size());
            assertThat(m2.pollToApplied().count()).isEqualTo(first.size() + second.size());
            assertThat(m2.brokerToPoll().count()).isEqualTo(first.size() + second.size());

            PipelineMetrics m3 = p.metrics();
            assertThat(m3.intervalPollToApplied().count()).isZero();
            assertThat(m3.intervalBrokerToPoll().count()).isZero();
            assertThat(m3.pollToApplied().count()).isEqualTo(first.size() + second.size());
        }
    }

    /**
     * A producer keeps a steady trickle going while the test samples the status as fast as it can: once RUNNING, the
     * set must stay RUNNING (its lag returns to 0 and never stays above the tolerance), even though many samples
     * catch a record between poll and apply.
     */
    @Test
    void statusStaysRunningUnderSteadyLoad(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("steady");
        broker.createTopic(topic, 2);
        List<Payment> events = PipelineFixtures.stream(73, 12_000, 500);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Exception> producerFailure = new AtomicReference<>();
        try (FeaturePipeline p = builder(broker, topic, 1).start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(p.status(USER_RISK).state()).isEqualTo(SetStatus.State.RUNNING);
            Thread producer = new Thread(() -> {
                try (KafkaProducer<Long, byte[]> pr = PipelineFixtures.producer(broker)) {
                    // ~3,000 events/s in small bursts: far below what the pipeline applies, so it keeps up.
                    for (int i = 0; i < events.size() && !stop.get(); i++) {
                        Payment e = events.get(i);
                        pr.send(new ProducerRecord<>(topic, e.userId, PaymentCodec.encode(e)));
                        if (i % 30 == 29) {
                            Thread.sleep(10);
                        }
                    }
                } catch (Exception e) {
                    producerFailure.set(e);
                }
            }, "steady-producer");
            producer.start();
            Map<SetStatus.State, Integer> seen = new EnumMap<>(SetStatus.State.class);
            List<String> flips = new ArrayList<>();
            long samples = 0;
            while (producer.isAlive()) {
                SetStatus s = p.status(USER_RISK);
                seen.merge(s.state(), 1, Integer::sum);
                if (s.state() != SetStatus.State.RUNNING && flips.size() < 5) {
                    flips.add(s + " at sample " + samples);
                }
                samples++;
                Thread.sleep(0, 200_000);
            }
            producer.join();
            assertThat(producerFailure.get()).isNull();
            assertThat(p.metrics().set(USER_RISK.name()).applied()).as("the load reached the pipeline")
                .isGreaterThan(1_000);
            assertThat(samples).isGreaterThan(100);
            assertThat(flips).as("states seen %s", seen).isEmpty();
        }
    }

    @Test
    void replicatedModePicksUpPartitionsAddedAfterStart(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("growing");
        broker.createTopic(topic, 2);
        List<Payment> first = PipelineFixtures.stream(74, 2_000, 100);
        List<Payment> second = PipelineFixtures.stream(75, 2_000, 100);
        PipelineFixtures.produce(broker, topic, first);
        try (FeaturePipeline p = builder(broker, topic, 2).partitionCheckInterval(Duration.ofMillis(200)).start()) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            broker.admin().createPartitions(Map.of(topic, NewPartitions.increaseTo(4))).all().get(30,
                TimeUnit.SECONDS);
            try (KafkaProducer<Long, byte[]> pr = PipelineFixtures.producer(broker)) {
                for (int i = 0; i < second.size(); i++) {
                    Payment e = second.get(i);
                    // Only into the new partitions: without them being picked up none of these would be applied.
                    pr.send(new ProducerRecord<>(topic, 2 + (i & 1), e.userId, PaymentCodec.encode(e))).get();
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (p.metrics().lagByPartition().size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(p.metrics().lagByPartition().keySet()).as("partitions consumed")
                .contains(new TopicPartition(topic, 2), new TopicPartition(topic, 3));
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            List<Payment> all = new ArrayList<>(first);
            all.addAll(second);
            assertThat(p.metrics().set(USER_RISK.name()).applied()).isEqualTo(all.size());
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK), PipelineFixtures.reference(USER_RISK, all));
            assertThat(p.partitionOf(topic, new byte[] {1, 2, 3})).isBetween(0, 3);
        }
    }
}
