package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.testkit.internal.EmbeddedCluster;
import java.util.concurrent.TimeUnit;
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
}
