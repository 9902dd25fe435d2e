package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static io.freshet.kafka.SecurePipelineTest.assertAllApplied;
import static io.freshet.kafka.SecurePipelineTest.grantLeastPrivilege;
import static io.freshet.kafka.SecurePipelineTest.readDeadLetters;
import static io.freshet.kafka.SecurePipelineTest.runUntilDown;
import static io.freshet.kafka.SecurePipelineTest.start;
import static io.freshet.kafka.SecurePipelineTest.store;
import static io.freshet.kafka.SecurePipelineTest.stream;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.kafka.SecurePipelineTest.Missing;
import io.freshet.kafka.SecurePipelineTest.Stream;
import io.freshet.testkit.SecureKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's remaining security gaps, on the secured broker: SASL_SSL in replicated mode and mutual TLS in sharded
 * mode (the other two pairs are in {@link SecurePipelineTest}); each missing ACL over mutual TLS; the {@code group.id}
 * ACL of replicated mode; and a SCRAM password rotated with the admin API while the pipeline runs.
 */
class SecureModesTest {
    @RegisterExtension
    static final SecureKafka KAFKA = SecureKafka.create();

    private static final long TIMEOUT_S = 120;

    @Test
    void pipelineRunsOnSaslSslInReplicatedModeWithoutAGroupAcl(@TempDir Path dir) throws Exception {
        Stream s = stream(KAFKA, 271, 1_500);
        String user = KAFKA.uniqueName("scram-replicated");
        String password = "pw-" + user;
        KAFKA.createScramUser(user, password);
        grantLeastPrivilege(KAFKA, "User:" + user, s, null);
        try (FeaturePipeline p = start(KAFKA.saslSslProperties(user, password), s, store(dir),
            ScaleMode.REPLICATED)) {
            assertAllApplied(p, s);
            assertThat(p.metrics().set(USER_RISK.name()).deadLettered()).isEqualTo(s.bad());
            assertThat(p.status(USER_RISK).state()).isNotEqualTo(SetStatus.State.DOWN);
        }
        assertThat(readDeadLetters(KAFKA, s.dlq(), s.bad())).hasSize(s.bad());
    }

    @Test
    void pipelineRunsOnMutualTlsInShardedModeWithLeastPrivilege(@TempDir Path dir) throws Exception {
        Stream s = stream(KAFKA, 272, 1_500);
        String group = KAFKA.uniqueName("mtls-group");
        grantLeastPrivilege(KAFKA, KAFKA.mtlsPrincipal(), s, group);
        Properties props = KAFKA.mtlsProperties();
        props.put("group.id", group);
        try (FeaturePipeline p = start(props, s, store(dir), ScaleMode.SHARDED)) {
            assertAllApplied(p, s);
            assertThat(p.metrics().set(USER_RISK.name()).deadLettered()).isEqualTo(s.bad());
            assertThat(p.status(USER_RISK).state()).isNotEqualTo(SetStatus.State.DOWN);
            assertThat(p.keyOwner(USER_RISK, s.good().get(0).userId)).as("the group is described").isNotNull();
        }
        assertThat(readDeadLetters(KAFKA, s.dlq(), s.bad())).hasSize(s.bad());
    }

    /**
     * The ACL-by-ACL test of {@link SecurePipelineTest} over mutual TLS (principal from the client certificate) in
     * sharded mode: each missing ACL gives DOWN naming it, and a restart after the grant loses nothing.
     */
    @Test
    void eachMissingAclOverMutualTlsStopsThePipelineNamingItAndARestartAfterTheGrantLosesNothing(@TempDir Path dir)
        throws Exception {
        String principal = KAFKA.mtlsPrincipal();
        for (Missing m : Missing.values()) {
            Stream s = stream(KAFKA, 280 + m.ordinal(), 400);
            String group = KAFKA.uniqueName("mtls-acl-" + m.name().toLowerCase(Locale.ROOT));
            grantLeastPrivilege(KAFKA, principal, s, group);
            String resource = SecurePipelineTest.revoke(KAFKA, m, principal, s, group);
            Properties props = KAFKA.mtlsProperties();
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
            assertThat(readDeadLetters(KAFKA, s.dlq(), s.bad())).as(m.name()).hasSize(s.bad());
        }
    }

    /**
     * The README's advice for replicated mode with {@code group.id} set, proven: without READ on the group the
     * pipeline still applies everything and stays up (the store holds the offsets; the lag-tool commit is refused
     * and nothing is committed); once READ on the group is granted, the same running pipeline commits its offsets.
     */
    @Test
    void replicatedModeWithAGroupIdRunsWithoutTheGroupAclAndCommitsForLagToolsOnceGranted(@TempDir Path dir)
        throws Exception {
        Stream s = stream(KAFKA, 273, 1_500);
        String user = KAFKA.uniqueName("scram-replicated-group");
        String password = "pw-" + user;
        String group = KAFKA.uniqueName("lag-tools");
        KAFKA.createScramUser(user, password);
        grantLeastPrivilege(KAFKA, "User:" + user, s, null);
        Properties props = KAFKA.saslSslProperties(user, password);
        props.put("group.id", group);
        try (FeaturePipeline p = start(props, s, store(dir), ScaleMode.REPLICATED)) {
            assertAllApplied(p, s);
            // Several commit intervals (one a second at most) pass with the group denied.
            Thread.sleep(3_000);
            assertThat(p.status(USER_RISK).state()).isNotEqualTo(SetStatus.State.DOWN);
            assertThat(p.failure()).isNull();
            assertThat(committed(group)).as("nothing committed without READ on the group").isEmpty();

            KAFKA.allow("User:" + user, ResourceType.GROUP, group, AclOperation.READ);
            Map<TopicPartition, Long> ends = endOffsets(s.topic());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            Map<TopicPartition, Long> got = committed(group);
            while (!got.equals(ends) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                got = committed(group);
            }
            assertThat(got).as("committed once granted: the log end of every partition").isEqualTo(ends);
            assertThat(p.status(USER_RISK).state()).isNotEqualTo(SetStatus.State.DOWN);
        }
    }

    /**
     * A SCRAM password changed with the admin API while the pipeline runs: Kafka authenticates a connection once, so
     * the running pipeline keeps its sessions and applies what comes after the change (the broker re-authenticates
     * only with {@code connections.max.reauth.ms} set; this broker does not); a restart with the old password fails
     * {@code start()} with the authentication error, not a hang; a restart with the new one resumes from the store's
     * offsets and applies every record exactly once.
     */
    @Test
    void aPasswordRotatedWhileRunningKeepsTheSessionsAndOnlyTheNewPasswordStartsAgain(@TempDir Path dir)
        throws Exception {
        Stream s = stream(KAFKA, 274, 1_500);
        String user = KAFKA.uniqueName("scram-rotated");
        String oldPassword = "old-pw-" + user;
        String newPassword = "new-pw-" + user;
        String group = KAFKA.uniqueName("rotated-group");
        KAFKA.createScramUser(user, oldPassword);
        grantLeastPrivilege(KAFKA, "User:" + user, s, group);
        Properties oldProps = KAFKA.saslSslProperties(user, oldPassword);
        oldProps.put("group.id", group);
        Properties newProps = KAFKA.saslSslProperties(user, newPassword);
        newProps.put("group.id", group);

        List<Payment> more = PipelineFixtures.stream(275, 1_000, 100);
        try (FeaturePipeline p = start(oldProps, s, store(dir), ScaleMode.SHARDED)) {
            assertAllApplied(p, s);
            long applied = p.metrics().set(USER_RISK.name()).applied();
            KAFKA.createScramUser(user, newPassword); // replaces the credential; returns once the broker uses it
            // More records after the change, on the topic the pipeline reads.
            produceTo(s.topic(), more);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (p.metrics().set(USER_RISK.name()).applied() < applied + more.size()
                && p.failure() == null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(p.failure()).as("the running pipeline keeps its authenticated sessions").isNull();
            assertThat(p.metrics().set(USER_RISK.name()).applied()).isEqualTo(applied + more.size());
            assertThat(p.status(USER_RISK).state()).isNotEqualTo(SetStatus.State.DOWN);
        }
        List<Payment> all = new java.util.ArrayList<>(s.good());
        all.addAll(more);
        Stream everything = new Stream(s.topic(), s.dlq(), all, s.bad());

        // The old password: start() fails with the authentication error, bounded (a hang fails the get).
        FeaturePipeline stale = SecurePipelineTest.build(oldProps, everything, store(dir), ScaleMode.SHARDED);
        try {
            CompletableFuture<Throwable> refused = CompletableFuture.supplyAsync(() -> {
                try {
                    stale.start();
                    return null;
                } catch (RuntimeException e) {
                    return e;
                }
            });
            Throwable e = refused.get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(e).isInstanceOf(PipelineException.class);
            assertThat(e.getMessage()).contains("authentication failed").contains("sasl.jaas.config")
                .doesNotContain(oldPassword).doesNotContain(newPassword);
            assertThat(stale.status(USER_RISK).state()).isEqualTo(SetStatus.State.DOWN);
            assertThat(PipelineTestAccess.anyThreadAlive(stale)).isFalse();
        } finally {
            stale.close();
        }

        // The new password: resumes from the store's offsets, everything exactly once.
        try (FeaturePipeline p = start(newProps, everything, store(dir), ScaleMode.SHARDED)) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(TIMEOUT_S))).as("caught up: %s", p.failure()).isTrue();
            assertThat(p.metrics().set(USER_RISK.name()).applied()).as("nothing applied twice").isZero();
            PipelineFixtures.assertMatchesReference(p.reader(USER_RISK),
                PipelineFixtures.reference(USER_RISK, all));
        }
    }

    private static void produceTo(String topic, List<Payment> events) throws Exception {
        Properties p = KAFKA.adminClientProperties();
        p.put("acks", "all");
        try (org.apache.kafka.clients.producer.KafkaProducer<Long, byte[]> producer =
            new org.apache.kafka.clients.producer.KafkaProducer<>(p,
                new org.apache.kafka.common.serialization.LongSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            List<java.util.concurrent.Future<?>> acks = new java.util.ArrayList<>();
            for (Payment e : events) {
                acks.add(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, e.userId,
                    PaymentCodec.encode(e))));
            }
            for (java.util.concurrent.Future<?> f : acks) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    private static Map<TopicPartition, Long> committed(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> c = KAFKA.admin().listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        c.forEach((tp, o) -> {
            if (o != null) {
                out.put(tp, o.offset());
            }
        });
        return out;
    }

    private static Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        int partitions = KAFKA.admin().describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS)
            .get(topic).partitions().size();
        for (int i = 0; i < partitions; i++) {
            q.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : KAFKA.admin().listOffsets(q).all()
            .get(60, TimeUnit.SECONDS).entrySet()) {
            out.put(e.getKey(), e.getValue().offset());
        }
        return out;
    }
}
