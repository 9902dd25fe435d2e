package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SecureKafkaTest {
    @RegisterExtension
    static final SecureKafka KAFKA = SecureKafka.create();

    @Test
    void scramUserReadsWhatItsAclsAllowAndNothingElse() throws Exception {
        String user = KAFKA.uniqueName("reader");
        KAFKA.createScramUser(user, "pw-" + user);
        String allowed = KAFKA.uniqueName("allowed");
        String denied = KAFKA.uniqueName("denied");
        KAFKA.createTopic(allowed, 1);
        KAFKA.createTopic(denied, 1);
        KAFKA.send(allowed, "k", "v");
        KAFKA.allow("User:" + user, ResourceType.TOPIC, allowed, AclOperation.READ);
        Properties p = KAFKA.saslSslProperties(user, "pw-" + user);
        assertThat(readOne(p, allowed)).isEqualTo("v");
        assertThatThrownBy(() -> readOne(p, denied)).isInstanceOf(TopicAuthorizationException.class);
    }

    @Test
    void wrongScramPasswordIsAnAuthenticationError() {
        String user = KAFKA.uniqueName("user");
        KAFKA.createScramUser(user, "right");
        try (Admin a = Admin.create(KAFKA.saslSslProperties(user, "wrong"))) {
            assertThatThrownBy(() -> a.describeCluster().clusterId().get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void mutualTlsClientIsTheCertificatesCommonName() throws Exception {
        String topic = KAFKA.uniqueName("mtls");
        KAFKA.createTopic(topic, 1);
        KAFKA.send(topic, "k", "tls");
        assertThatThrownBy(() -> readOne(KAFKA.mtlsProperties(), topic))
            .isInstanceOf(TopicAuthorizationException.class);
        KAFKA.allow(KAFKA.mtlsPrincipal(), ResourceType.TOPIC, topic, AclOperation.READ);
        assertThat(readOne(KAFKA.mtlsProperties(), topic)).isEqualTo("tls");
        assertThat(KAFKA.mtlsPrincipal()).isEqualTo("User:" + TestCertificates.DEFAULT_CLIENT_NAME);
    }

    @Test
    void mutualTlsListenerRefusesAClientWithoutCertificate() {
        Properties p = KAFKA.mtlsProperties();
        p.remove("ssl.keystore.location");
        p.remove("ssl.keystore.password");
        p.remove("ssl.key.password");
        p.remove("ssl.keystore.type");
        p.put("request.timeout.ms", "20000");
        p.put("default.api.timeout.ms", "20000");
        try (Admin a = Admin.create(p)) {
            assertThatThrownBy(() -> a.describeCluster().clusterId().get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void toStringNamesNoPassword() {
        String pw = KAFKA.listeners().certificates().password();
        assertThat(KAFKA.toString()).doesNotContain(pw);
        assertThat(KAFKA.listeners().toString()).doesNotContain(pw);
        assertThat(KAFKA.listeners().certificates().toString()).doesNotContain(pw);
    }

    private static String readOne(Properties p, String topic) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
            new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                ConsumerRecords<String, String> r = c.poll(Duration.ofMillis(200));
                if (!r.isEmpty()) {
                    return r.iterator().next().value();
                }
            }
            throw new AssertionError("nothing read from " + topic + " in 60 s");
        }
    }
}
