package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.store.StoreEngines;
import io.freshet.testkit.FreshetKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline's JFR events in a real recording (jdk.jfr.Recording, dumped to a file and read back): a store opened,
 * partitions assigned by a group rebalance, back-pressure pauses and resumes behind a slow applier, bad records with
 * their place and reason (never their bytes), slow apply batches and slow reads (thresholds set to 0 here). That
 * nothing is timed or created without a recording is {@code JfrSwitchTest}'s (freshet-core).
 */
class PipelineJfrEventsTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    static final FeatureSet<Payment> SLOW = FeatureSet.builder("jfr_users", Payment.class)
        .entity("user", Payment::userId)
        .eventTime(Payment::tsMs)
        .count("txn_total")
        .sum("amount_total", PipelineJfrEventsTest::slowAmount)
        .build();

    /** Busy-waits: the applier is much slower than the consumer, so that tiny queues fill. */
    static double slowAmount(Payment p) {
        long until = System.nanoTime() + 50_000;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        return p.amount;
    }

    @Test
    void aRecordingHoldsEveryEventTheTestCaused(FreshetKafka broker, @TempDir Path dir) throws Exception {
        String topic = broker.uniqueName("jfr");
        broker.createTopic(topic, 2);
        List<Payment> events = PipelineFixtures.stream(91, 1_500, 40);
        PipelineFixtures.produce(broker, topic, events);
        byte[] secret = "card=4111111111111111".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (KafkaProducer<Long, byte[]> pr = PipelineFixtures.producer(broker)) {
            for (int i = 0; i < 4; i++) {
                pr.send(new ProducerRecord<>(topic, 0, (long) i, secret)).get();
            }
        }
        Path file = dir.resolve("freshet.jfr");
        try (Recording recording = new Recording()) {
            for (String name : new String[] {"io.freshet.StoreOpen", "io.freshet.Rebalance", "io.freshet.BackPressure",
                "io.freshet.BadRecord"}) {
                recording.enable(name);
            }
            recording.enable("io.freshet.SlowApply").withThreshold(Duration.ZERO);
            recording.enable("io.freshet.SlowRead").withThreshold(Duration.ZERO);
            recording.start();
            Properties props = PipelineFixtures.pipelineProps(broker);
            props.put("group.id", broker.uniqueName("jfr-group"));
            StoreConfig cfg = StoreConfig.builder(SLOW).directory(dir.resolve("store")).capacity(10_000).shards(2)
                .build();
            try (FeaturePipeline p = FeaturePipeline.builder()
                .kafka(props)
                .mode(ScaleMode.SHARDED)
                .clock(new ManualClock(NOW))
                .queueCapacity(8)
                .register(SLOW, StoreEngines.table(), cfg,
                    Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP))
                .start()) {
                assertThat(p.awaitCaughtUp(Duration.ofSeconds(90))).isTrue();
                FeatureVector v = SLOW.newVector();
                assertThat(p.reader(SLOW).read(events.get(0).userId, v)).isTrue();
                assertThat(p.metrics().pauses()).as("back-pressure paused partitions").isPositive();
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> all = RecordingFile.readAllEvents(file);
        List<RecordedEvent> open = named(all, "io.freshet.StoreOpen");
        assertThat(open).hasSize(1);
        assertThat(open.get(0).getString("set")).isEqualTo(SLOW.name());
        assertThat(open.get(0).getString("state")).isEqualTo("CREATED");
        assertThat(open.get(0).getInt("rolledBackApplies")).isZero();
        assertThat(open.get(0).getLong("capacity")).isGreaterThanOrEqualTo(10_000);

        List<RecordedEvent> rebalances = named(all, "io.freshet.Rebalance");
        assertThat(rebalances).anySatisfy(e -> {
            assertThat(e.getString("kind")).isEqualTo("assigned");
            assertThat(e.getString("partitions")).contains(topic + "-0");
        });

        List<RecordedEvent> pressure = named(all, "io.freshet.BackPressure");
        assertThat(pressure).anyMatch(e -> e.getBoolean("paused")).anyMatch(e -> !e.getBoolean("paused"));
        assertThat(pressure).allMatch(e -> e.getString("topic").equals(topic));

        List<RecordedEvent> bad = named(all, "io.freshet.BadRecord");
        assertThat(bad).hasSize(4).allSatisfy(e -> {
            assertThat(e.getString("set")).isEqualTo(SLOW.name());
            assertThat(e.getString("topic")).isEqualTo(topic);
            assertThat(e.getInt("partition")).isZero();
            assertThat(e.getString("reason")).isEqualTo("DECODE_ERROR");
            assertThat(e.getString("policy")).isEqualTo("SKIP");
        });

        List<RecordedEvent> applies = named(all, "io.freshet.SlowApply");
        assertThat(applies).isNotEmpty();
        assertThat(applies.stream().mapToLong(e -> e.getInt("records")).sum())
            .as("every applied record was in a timed batch").isGreaterThanOrEqualTo(events.size());

        List<RecordedEvent> reads = named(all, "io.freshet.SlowRead");
        assertThat(reads).anySatisfy(e -> {
            assertThat(e.getString("set")).isEqualTo(SLOW.name());
            assertThat(e.getBoolean("found")).isTrue();
        });

        // Nothing of a payload: no field of any Freshet event holds the bad records' bytes.
        for (RecordedEvent e : all) {
            if (e.getEventType().getName().startsWith("io.freshet.")) {
                e.getFields().forEach(f -> assertThat(String.valueOf((Object) e.getValue(f.getName())))
                    .doesNotContain("4111111111111111"));
            }
        }
    }

    private static List<RecordedEvent> named(List<RecordedEvent> all, String name) {
        List<RecordedEvent> out = new ArrayList<>();
        for (RecordedEvent e : all) {
            if (e.getEventType().getName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }
}
