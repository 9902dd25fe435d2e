package io.freshet.kafka.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A second class using the extension gets the same cluster as the first (one broker per JVM). */
@ExtendWith(KafkaBrokerExtension.class)
class KafkaBrokerSharingTest {
    @Test
    void everyClassOfTheRunSharesOneCluster(KafkaBroker broker) {
        for (KafkaBroker other : KafkaBrokerExtensionTest.SEEN) {
            assertThat(other).isSameAs(broker);
        }
        assertThat(EmbeddedKafkaBroker.embeddedStarts()).isEqualTo(broker.embedded() ? 1 : 0);
        assertThat(broker.bootstrapServers()).isNotBlank();
    }
}
