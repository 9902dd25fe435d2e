package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.testkit.internal.ClusterSession;
import io.freshet.testkit.internal.EmbeddedCluster;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code -Dfreshet.bootstrap} names a running cluster: a second extension instance then uses it and starts nothing.
 * The first handle (static, joined before {@code @BeforeAll}) runs the broker; the property then points at it, and
 * the second handle (an instance field, joined before each test) picks it up.
 */
class ExternalBootstrapTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();
    private static String previous;
    private static int startsBefore;

    @RegisterExtension
    final FreshetKafka viaProperty = FreshetKafka.create();

    @BeforeAll
    static void pointThePropertyAtTheRunningBroker() {
        previous = System.getProperty(FreshetKafka.BOOTSTRAP_PROP_NAME);
        startsBefore = EmbeddedCluster.starts();
        System.setProperty(FreshetKafka.BOOTSTRAP_PROP_NAME, KAFKA.bootstrapServers());
    }

    @AfterAll
    static void restoreTheProperty() {
        if (previous == null) {
            System.clearProperty(FreshetKafka.BOOTSTRAP_PROP_NAME);
        } else {
            System.setProperty(FreshetKafka.BOOTSTRAP_PROP_NAME, previous);
        }
    }

    @Test
    void theSecondHandleUsesTheNamedClusterAndStartsNothing() throws Exception {
        assertThat(viaProperty.mode()).isEqualTo(BrokerMode.EXTERNAL);
        assertThat(viaProperty.bootstrapServers()).isEqualTo(KAFKA.bootstrapServers());
        assertThat(viaProperty.toString()).contains("-Dfreshet.bootstrap=" + KAFKA.bootstrapServers());
        assertThat(EmbeddedCluster.starts()).isEqualTo(startsBefore);

        String topic = viaProperty.uniqueName("external");
        viaProperty.createTopic(topic, 2);
        viaProperty.send(topic, "k", "v");
        assertThat(KAFKA.admin().listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic);
        assertThat(FreshetKafkaTest.consume(KAFKA, topic, "read_uncommitted", 1)).containsExactly("v");
        assertThat(EmbeddedCluster.starts()).isEqualTo(startsBefore);
    }

    @Test
    void anExplicitExternalHandleOutsideJunitStartsNothingAndItsCloseLeavesTheClusterRunning() {
        try (FreshetKafka outside = FreshetKafka.external(KAFKA.bootstrapServers()).start()) {
            assertThat(outside.mode()).isEqualTo(BrokerMode.EXTERNAL);
            String topic = outside.uniqueName("outside");
            outside.createTopic(topic, 1);
            assertThat(outside.send(topic, "k", "v").offset()).isZero();
        }
        assertThat(EmbeddedCluster.starts()).isEqualTo(startsBefore);
        String topic = KAFKA.uniqueName("still-up");
        KAFKA.createTopic(topic, 1);
    }

    /**
     * {@code -Dfreshet.test.replicationFactor} reaches the topics a handle creates: 2 on this one-broker cluster is
     * refused by the broker with a message naming the property; 1 (the default) creates single-replica topics; a bad
     * value fails naming the property before anything starts.
     */
    @Test
    void theReplicationFactorPropertySetsTheReplicasOfTestTopics() throws Exception {
        String before = System.getProperty(ClusterSession.REPLICATION_FACTOR_PROP_NAME);
        try {
            System.setProperty(ClusterSession.REPLICATION_FACTOR_PROP_NAME, "2");
            try (FreshetKafka two = FreshetKafka.external(KAFKA.bootstrapServers()).start()) {
                String topic = two.uniqueName("rf2");
                assertThatThrownBy(() -> two.createTopic(topic, 1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("replicationFactor=2")
                    .hasMessageContaining("-D" + ClusterSession.REPLICATION_FACTOR_PROP_NAME)
                    .hasMessageContaining("InvalidReplicationFactorException");
            }
            System.setProperty(ClusterSession.REPLICATION_FACTOR_PROP_NAME, "1");
            try (FreshetKafka one = FreshetKafka.external(KAFKA.bootstrapServers()).start()) {
                String topic = one.uniqueName("rf1");
                one.createTopic(topic, 2);
                TopicDescription d = KAFKA.admin().describeTopics(List.of(topic)).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(topic);
                assertThat(d.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(1));
            }
            System.setProperty(ClusterSession.REPLICATION_FACTOR_PROP_NAME, "three");
            assertThatThrownBy(() -> FreshetKafka.external(KAFKA.bootstrapServers()).start())
                .hasMessageContaining("-D" + ClusterSession.REPLICATION_FACTOR_PROP_NAME + "=three");
        } finally {
            if (before == null) {
                System.clearProperty(ClusterSession.REPLICATION_FACTOR_PROP_NAME);
            } else {
                System.setProperty(ClusterSession.REPLICATION_FACTOR_PROP_NAME, before);
            }
        }
    }

    @Test
    void theReplicationFactorPropertyAcceptsOneToShortMaxAndDefaultsToOne() {
        assertThat(ClusterSession.replicationFactor(null)).isEqualTo((short) 1);
        assertThat(ClusterSession.replicationFactor(" ")).isEqualTo((short) 1);
        assertThat(ClusterSession.replicationFactor("3")).isEqualTo((short) 3);
        assertThat(ClusterSession.replicationFactor(" 1 ")).isEqualTo((short) 1);
        for (String bad : List.of("0", "-1", "32768", "3.0", "x")) {
            assertThatThrownBy(() -> ClusterSession.replicationFactor(bad)).as(bad)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-D" + ClusterSession.REPLICATION_FACTOR_PROP_NAME + "=" + bad)
                .hasMessageContaining("from 1");
        }
    }
}
