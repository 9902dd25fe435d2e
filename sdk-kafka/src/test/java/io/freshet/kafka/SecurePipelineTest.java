package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.NOW;
import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.store.TableStoreEngine;
import io.freshet.testkit.SecureKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 points 3 and 4: the pipeline on a SASL_SSL (SCRAM-SHA-512) listener and on a mutual-TLS listener, with
 * the Properties a user writes and nothing but the ACLs the README lists; and each of those ACLs missing in turn:
 * status DOWN with a {@link PipelineException} naming the operation and the resource, the threads stopped (no busy
 * loop), and once the ACL is granted a restart over the same store applies every record exactly once.
 */
class SecurePipelineTest {
    @RegisterExtension
    static final SecureKafka KAFKA = SecureKafka.create();

    private static final TableStoreEngine ENGINE = new TableStoreEngine();
    private static final int BAD_EVERY = 50;

    /** A topic with good payments and one undecodable record in every {@value #BAD_EVERY}, plus its DLQ. */
    record Stream(String topic, String dlq, List<Payment> good, int bad) {
    }

    static Stream stream(SecureKafka kafka, long seed, int n) throws Exception {
        String topic = kafka.uniqueName("secure-src");
        String dlq = kafka.uniqueName("secure-dlq");
        kafka.createTopic(topic, 2);
        kafka.createTopic(dlq, 1);
        List<Payment> good = PipelineFixtures.stream(seed, n, 100);
        Properties p = kafka.adminClientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        int bad = 0;
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<Long, byte[]> producer = new KafkaProducer<>(p, new LongSerializer(),
            new ByteArraySerializer())) {
            for (int i = 0; i < good.size(); i++) {
                Payment e = good.get(i);
                if (i % BAD_EVERY == 7) {
                    acks.add(producer.send(new ProducerRecord<>(topic, e.userId, "not a payment".getBytes(
                        StandardCharsets.UTF_8))));
                    bad++;
                }
                acks.add(producer.send(new ProducerRecord<>(topic, e.userId, PaymentCodec.encode(e))));
            }
            for (Future<RecordMetadata> f : acks) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        return new Stream(topic, dlq, good, bad);
    }

    /** Exactly what the README lists: READ on the source topic and the group, WRITE on the dead-letter topic. */
    static void grantLeastPrivilege(SecureKafka kafka, String principal, Stream s, String group) {
        kafka.allow(principal, ResourceType.TOPIC, s.topic, AclOperation.READ);
        kafka.allow(principal, ResourceType.TOPIC, s.dlq, AclOperation.WRITE);
        if (group != null) {
            kafka.allow(principal, ResourceType.GROUP, group, AclOperation.READ);
        }
    }

    static FeaturePipeline start(Properties userProps, Stream s, StoreConfig cfg, ScaleMode mode) {
        return build(userProps, s, cfg, mode).start();
    }

    static FeaturePipeline build(Properties userProps, Stream s, StoreConfig cfg, ScaleMode mode) {
        return FeaturePipeline.builder()
            .kafka(userProps)
            .mode(mode)
            .clock(new ManualClock(NOW))
            .register(USER_RISK, ENGINE, cfg, Source.of(s.topic, new PaymentCodec()).deadLetterTo(s.dlq))
            .build();
    }

    static StoreConfig store(Path dir) {
        return StoreConfig.builder(USER_RISK).directory(dir.resolve("user_risk")).capacity(10_000).shards(2).build();
    }

    static void assertAllApplied(FeaturePipeline p, Stream s) throws Exception {
        assertThat(p.awaitCaughtUp(Duration.ofSeconds(120))).as("caught up: %s", p.failure()).isTrue();
        PipelineFixtures.assertMatchesReference(p.reader(USER_RISK), PipelineFixtures.reference(USER_RISK, s.good));
    }

    @Test
    void pipelineRunsOnSaslSslWithScramAndLeastPrivilege(@TempDir Path dir) throws Exception {
        Stream s = stream(KAFKA, 171, 1_500);
        String user = KAFKA.uniqueName("scram-app");
        String password = "pw-" + user;
        String group = KAFKA.uniqueName("group");
        KAFKA.createScramUser(user, password);
        grantLeastPrivilege(KAFKA, "User:" + user, s, group);
        Properties props = KAFKA.saslSslProperties(user, password);
        props.put("group.id", group);
        try (FeaturePipeline p = start(props, s, store(dir), ScaleMode.SHARDED)) {
            assertAllApplied(p, s);
            assertThat(p.metrics().set(USER_RISK.name()).deadLettered()).isEqualTo(s.bad);
            assertThat(p.status(USER_RISK).state()).isNotEqualTo(SetStatus.State.DOWN);
        }
        assertThat(readDeadLetters(KAFKA, s.dlq, s.bad)).hasSize(s.bad);
    }

    @Test
    void pipelineRunsOnMutualTlsWithLeastPrivilege(@TempDir Path dir) throws Exception {
        Stream s = stream(KAFKA, 172, 1_500);
        grantLeastPrivilege(KAFKA, KAFKA.mtlsPrincipal(), s, null);
        try (FeaturePipeline p = start(KAFKA.mtlsProperties(), s, store(dir), ScaleMode.REPLICATED)) {
            assertAllApplied(p, s);
            assertThat(p.metrics().set(USER_RISK.name()).deadLettered()).isEqualTo(s.bad);
        }
        assertThat(readDeadLetters(KAFKA, s.dlq, s.bad)).hasSize(s.bad);
    }

    /** One ACL taken away from the least-privilege set (or weakened to DESCRIBE only). */
    enum Missing {
        SOURCE_TOPIC_ENTIRELY("DESCRIBE", "topic"),
        SOURCE_TOPIC_READ("READ", "topic"),
        GROUP_READ("READ", "group"),
        DEAD_LETTER_TOPIC_ENTIRELY("DESCRIBE", "topic"),
        DEAD_LETTER_TOPIC_WRITE("WRITE", "topic");

        final String operation;
        final String resourceType;

        Missing(String operation, String resourceType) {
            this.operation = operation;
            this.resourceType = resourceType;
        }
    }

    @Test
    void eachMissingAclStopsThePipelineNamingItAndARestartAfterTheGrantLosesNothing(@TempDir Path dir)
        throws Exception {
        for (Missing m : Missing.values()) {
            Stream s = stream(KAFKA, 180 + m.ordinal(), 600);
            String user = KAFKA.uniqueName("acl-" + m.name().toLowerCase(java.util.Locale.ROOT));
            String principal = "User:" + user;
            String password = "pw-" + user;
            String group = KAFKA.uniqueName("group");
            KAFKA.createScramUser(user, password);
            grantLeastPrivilege(KAFKA, principal, s, group);
            String resource = revoke(KAFKA, m, principal, s, group);
            Properties props = KAFKA.saslSslProperties(user, password);
            props.put("group.id", group);
            Path storeDir = dir.resolve(m.name());
            PipelineException failure = runUntilDown(props, s, store(storeDir));
            assertThat(failure.getMessage()).as(m.name())
                .contains("operation=" + m.operation)
                .contains(m.resourceType + "=")
                .contains(resource);

            grantLeastPrivilege(KAFKA, principal, s, group);
            try (FeaturePipeline p = start(props, s, store(storeDir), ScaleMode.SHARDED)) {
                assertAllApplied(p, s);
            }
            assertThat(readDeadLetters(KAFKA, s.dlq, s.bad)).as(m.name()).hasSize(s.bad);
        }
    }

    /**
     * Takes one ACL away from the least-privilege set of {@code principal}.
     *
     * @return the resource whose ACL is missing
     */
    static String revoke(SecureKafka kafka, Missing m, String principal, Stream s, String group) {
        switch (m) {
            case SOURCE_TOPIC_ENTIRELY -> {
                kafka.revoke(principal, ResourceType.TOPIC, s.topic, AclOperation.READ);
                return s.topic;
            }
            case SOURCE_TOPIC_READ -> {
                kafka.revoke(principal, ResourceType.TOPIC, s.topic, AclOperation.READ);
                kafka.allow(principal, ResourceType.TOPIC, s.topic, AclOperation.DESCRIBE);
                return s.topic;
            }
            case GROUP_READ -> {
                kafka.revoke(principal, ResourceType.GROUP, group, AclOperation.READ);
                return group;
            }
            case DEAD_LETTER_TOPIC_ENTIRELY -> {
                kafka.revoke(principal, ResourceType.TOPIC, s.dlq, AclOperation.WRITE);
                return s.dlq;
            }
            default -> {
                kafka.revoke(principal, ResourceType.TOPIC, s.dlq, AclOperation.WRITE);
                kafka.allow(principal, ResourceType.TOPIC, s.dlq, AclOperation.DESCRIBE);
                return s.dlq;
            }
        }
    }

    /** Starts the pipeline; returns its failure once it is DOWN with its threads stopped, or the start's. */
    static PipelineException runUntilDown(Properties props, Stream s, StoreConfig cfg) throws Exception {
        FeaturePipeline p = build(props, s, cfg, ScaleMode.SHARDED);
        try {
            try {
                p.start();
            } catch (PipelineException e) {
                // Refused at start: the status says why too.
                assertThat(p.status(USER_RISK).state()).isEqualTo(SetStatus.State.DOWN);
                assertThat(p.status(USER_RISK).reason()).isEqualTo(e.getMessage());
                assertThat(p.failure()).isSameAs(e);
                assertThat(PipelineTestAccess.anyThreadAlive(p)).isFalse();
                return e;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (p.status(USER_RISK).state() != SetStatus.State.DOWN) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("not DOWN within 120 s: " + p.status(USER_RISK) + "\n" + threads());
                }
                Thread.sleep(20);
            }
            assertThat(p.failure()).isNotNull();
            assertThat(p.status(USER_RISK).reason()).isEqualTo(p.failure().getMessage());
            // Stopped, not retrying in a loop: every pipeline thread ends.
            while (PipelineTestAccess.anyThreadAlive(p)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("threads still running 120 s after: " + p.failure() + "\n" + threads());
                }
                Thread.sleep(20);
            }
            assertThatThrownBy(() -> p.awaitCaughtUp(Duration.ofSeconds(1))).isSameAs(p.failure());
            return p.failure();
        } finally {
            p.close();
        }
    }

    private static String threads() {
        StringBuilder b = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, st) -> {
            if (t.getName().startsWith("freshet-")) {
                b.append(t.getName()).append('\n');
                for (int i = 0; i < Math.min(st.length, 25); i++) {
                    b.append("    at ").append(st[i]).append('\n');
                }
            }
        });
        return b.toString();
    }

    static List<ConsumerRecord<byte[], byte[]>> readDeadLetters(SecureKafka kafka, String dlq, int expected) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.adminClientProperties(),
            new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(dlq, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (out.size() < expected && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // Anything beyond the expected count (a duplicate) arrives within a short extra poll.
            c.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }
}
