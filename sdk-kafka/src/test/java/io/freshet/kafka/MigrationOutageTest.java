package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.testing.ReferenceModel;
import io.freshet.store.TableStoreEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stopped during a migration's backfill (its own in-JVM cluster, restarted on the same port and logs):
 * the live set keeps serving every key from its store, the migration does not fail, and after the outage the
 * backfill resumes by itself and ends equal to the new definition's reference model.
 */
class MigrationOutageTest {
    @TempDir
    Path dir;

    @Test
    void aBrokerOutageDuringTheBackfillPausesItAndTheLiveSetKeepsServing() throws Exception {
        List<Payment> events = PipelineFixtures.stream(0x0D7A7EL, 20_000, 500);
        try (BrokerOutageTest.RestartableBroker broker = BrokerOutageTest.RestartableBroker.start()) {
            String topic = "migration-outage";
            broker.createTopic(topic, 2);
            Properties pp = new Properties();
            pp.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap);
            pp.put("acks", "all");
            try (KafkaProducer<Long, byte[]> producer = new KafkaProducer<>(pp, new LongSerializer(),
                new ByteArraySerializer())) {
                for (Payment e : events) {
                    producer.send(new ProducerRecord<>(topic, e.userId, PaymentCodec.encode(e)));
                }
                producer.flush();
            }
            Properties kafka = new Properties();
            kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap);
            kafka.put("max.poll.records", "500");
            kafka.put("reconnect.backoff.max.ms", "1000");
            TableStoreEngine engine = new TableStoreEngine();
            try (FeaturePipeline p = FeaturePipeline.builder()
                .kafka(kafka)
                .clock(new ManualClock(NOW))
                .register(MigrationTest.V1, engine, MigrationCrashBatteryTest.config(MigrationTest.V1,
                    dir.resolve("v1")), Source.of(topic, new PaymentCodec()))
                .start()) {
                assertThat(p.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
                ReferenceModel<Payment> refV1 = PipelineFixtures.reference(MigrationTest.V1, events);
                Migration m = p.migrate(MigrationTest.V1, MigrationTest.V2, engine,
                    MigrationCrashBatteryTest.config(MigrationTest.V2, dir.resolve("v2")))
                    .throttle(2_000, 0).readyLag(0).start();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (m.progress().done() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(m.progress().phase()).isEqualTo(MigrationPhase.BACKFILLING);

                // Every key's vector with the live set caught up: the outage must not change what it serves.
                Map<Object, double[]> before = new HashMap<>();
                FeatureVector b = MigrationTest.V1.newVector();
                for (Object k : refV1.keys()) {
                    assertThat(p.reader(MigrationTest.V1).read((Long) k, b)).isTrue();
                    refV1.assertMatches((Long) k, b);
                    double[] d = new double[MigrationTest.V1.vectorWidth()];
                    b.copyTo(d);
                    before.put(k, d);
                }
                broker.stopBroker();
                assertThat(broker.portRefusesConnections()).isTrue();
                long outageEnd = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                FeatureReader reader = p.reader(MigrationTest.V1);
                FeatureVector v = MigrationTest.V1.newVector();
                double[] got = new double[MigrationTest.V1.vectorWidth()];
                int rounds = 0;
                while (System.nanoTime() < outageEnd) {
                    for (Object k : refV1.keys()) {
                        assertThat(reader.read((Long) k, v)).isTrue();
                        v.copyTo(got);
                        assertThat(got).as("key %s during the outage", k).isEqualTo(before.get(k));
                    }
                    rounds++;
                    Thread.sleep(200);
                }
                assertThat(rounds).isPositive();
                assertThat(m.failure()).as("an outage pauses the backfill, it does not fail it").isNull();
                assertThat(p.failure()).isNull();
                broker.restartBroker();

                m.throttle(0, 0);
                deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (m.progress().phase() != MigrationPhase.READY && System.nanoTime() < deadline) {
                    assertThat(m.failure()).isNull();
                    Thread.sleep(100);
                }
                assertThat(m.progress().phase()).isEqualTo(MigrationPhase.READY);
                assertThat(m.shadow().awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
                ReferenceModel<Payment> refV2 = PipelineFixtures.reference(MigrationTest.V2, events);
                assertThat(PipelineFixtures.assertMatchesReference(m.shadow().reader(MigrationTest.V2), refV2))
                    .isEqualTo(refV2.keys().size());
            }
        }
    }
}
