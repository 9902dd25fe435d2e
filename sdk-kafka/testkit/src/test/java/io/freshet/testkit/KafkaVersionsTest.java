package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.testkit.internal.KafkaVersions;
import org.junit.jupiter.api.Test;

/** The embedded broker refuses, in one line, a kafka-clients version it was not built with. */
class KafkaVersionsTest {
    @Test
    void theBuildWritesTheKafkaVersionItUsesAndItMatchesTheClientsOnThisClassPath() {
        assertThat(KafkaVersions.builtWith()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(KafkaVersions.clientsFound()).isEqualTo(KafkaVersions.builtWith());
        assertThatCode(() -> KafkaVersions.requireEmbeddable(KafkaVersions.clientsFound(), KafkaVersions.builtWith()))
            .doesNotThrowAnyException();
    }

    @Test
    void anotherClientsVersionFailsNamingBothVersionsAndBothWaysOut() {
        assertThatThrownBy(() -> KafkaVersions.requireEmbeddable("3.9.1", "4.3.1"))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("kafka-clients 3.9.1")
            .hasMessageContaining("Kafka 4.3.1")
            .hasMessageContaining("-Dfreshet.bootstrap=host:port")
            .hasMessageContaining("Docker")
            .hasMessageNotContaining("\n");
    }
}
