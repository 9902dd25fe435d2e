package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static io.freshet.kafka.SecurePipelineTest.assertAllApplied;
import static io.freshet.kafka.SecurePipelineTest.grantLeastPrivilege;
import static io.freshet.kafka.SecurePipelineTest.start;
import static io.freshet.kafka.SecurePipelineTest.store;
import static io.freshet.kafka.SecurePipelineTest.stream;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.kafka.SecurePipelineTest.Stream;
import io.freshet.testkit.SecureKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SCRAM password rotated while the pipeline runs, on a broker that re-authenticates sessions
 * ({@code connections.max.reauth.ms}, 2 s on the SASL_SSL listener): re-authentication with the right password goes
 * unnoticed; after the rotation the running pipeline's next re-authentication fails and the pipeline stops clearly
 * (status DOWN, an authentication error, every thread ended, no password in the message) instead of hanging or
 * retrying in a loop; a restart with the new password applies every record exactly once.
 */
class SecureReauthTest {
    private static final long REAUTH_MS = 2_000;

    @RegisterExtension
    static final SecureKafka KAFKA = SecureKafka.withServerProperties(Map.of("listener.name."
        + io.freshet.testkit.SecureListeners.SASL_SSL.toLowerCase(Locale.ROOT)
        + ".scram-sha-512.connections.max.reauth.ms", String.valueOf(REAUTH_MS)));

    private static final long TIMEOUT_S = 120;

    @Test
    void aPasswordRotatedUnderReauthenticationStopsTheRunningPipelineClearlyAndTheNewPasswordResumes(
        @TempDir Path dir) throws Exception {
        Stream s = stream(KAFKA, 371, 1_500);
        String user = KAFKA.uniqueName("scram-reauth");
        String oldPassword = "old-pw-" + user;
        String newPassword = "new-pw-" + user;
        String group = KAFKA.uniqueName("reauth-group");
        KAFKA.createScramUser(user, oldPassword);
        grantLeastPrivilege(KAFKA, "User:" + user, s, group);
        Properties oldProps = KAFKA.saslSslProperties(user, oldPassword);
        oldProps.put("group.id", group);
        Properties newProps = KAFKA.saslSslProperties(user, newPassword);
        newProps.put("group.id", group);
        // The stopped consumer cannot leave the group (its sessions are refused): the restart's join waits until the
        // group drops it, after session.timeout.ms (default 45 s; 6 s is the broker's minimum).
        oldProps.put("session.timeout.ms", "6000");
        newProps.put("session.timeout.ms", "6000");

        List<Payment> more = PipelineFixtures.stream(372, 1_000, 100);
        FeaturePipeline p = start(oldProps, s, store(dir), ScaleMode.SHARDED);
        try {
            assertAllApplied(p, s);
            // Several sessions' lifetimes: re-authentication with the right password changes nothing.
            Thread.sleep(3 * REAUTH_MS);
            assertThat(p.failure()).as("re-authenticated with the same password").isNull();
            assertThat(p.status(USER_RISK).state()).isNotEqualTo(SetStatus.State.DOWN);

            KAFKA.createScramUser(user, newPassword);
            produceTo(s.topic(), more);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (p.status(USER_RISK).state() != SetStatus.State.DOWN && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(p.status(USER_RISK).state()).as("stopped once its sessions expired: %s", p.status(USER_RISK))
                .isEqualTo(SetStatus.State.DOWN);
            PipelineException failure = p.failure();
            assertThat(failure).isNotNull();
            assertThat(failure.getMessage()).contains("authentication failed")
                .doesNotContain(oldPassword).doesNotContain(newPassword);
            assertThat(p.status(USER_RISK).reason()).isEqualTo(failure.getMessage());
            while (PipelineTestAccess.anyThreadAlive(p) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(PipelineTestAccess.anyThreadAlive(p)).as("every pipeline thread ended (no retry loop)")
                .isFalse();
        } finally {
            p.close();
        }

        List<Payment> all = new ArrayList<>(s.good());
        all.addAll(more);
        Stream everything = new Stream(s.topic(), s.dlq(), all, s.bad());
        try (FeaturePipeline again = start(newProps, everything, store(dir), ScaleMode.SHARDED)) {
            assertThat(again.awaitCaughtUp(Duration.ofSeconds(TIMEOUT_S))).as("caught up: %s", again.failure())
                .isTrue();
            PipelineFixtures.assertMatchesReference(again.reader(USER_RISK),
                PipelineFixtures.reference(USER_RISK, all));
            assertThat(again.metrics().set(USER_RISK.name()).applied()).as("only what the stopped run had not applied")
                .isLessThanOrEqualTo(more.size());
        }
    }

    private static void produceTo(String topic, List<Payment> events) throws Exception {
        Properties props = KAFKA.adminClientProperties();
        props.put("acks", "all");
        try (KafkaProducer<Long, byte[]> producer = new KafkaProducer<>(props, new LongSerializer(),
            new ByteArraySerializer())) {
            List<Future<?>> acks = new ArrayList<>();
            for (Payment e : events) {
                acks.add(producer.send(new ProducerRecord<>(topic, e.userId, PaymentCodec.encode(e))));
            }
            for (Future<?> f : acks) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }
}
