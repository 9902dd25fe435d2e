package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.testkit.internal.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A second class with its own handle gets the same cluster as the first (one cluster per choice and JVM). */
class FreshetKafkaSharingTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    @Test
    void everyClassOfTheRunSharesOneCluster(FreshetKafka broker) {
        for (String other : FreshetKafkaTest.SEEN) {
            assertThat(other).isEqualTo(broker.bootstrapServers());
        }
        assertThat(EmbeddedCluster.starts()).isEqualTo(broker.mode() == BrokerMode.EMBEDDED ? 1 : 0);
        assertThat(broker.bootstrapServers()).isNotBlank();
    }
}
