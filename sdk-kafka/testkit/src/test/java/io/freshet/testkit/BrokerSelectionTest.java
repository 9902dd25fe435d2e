package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.testkit.internal.BrokerSelection;
import io.freshet.testkit.internal.BrokerSelection.Choice;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** Every branch of the broker selection, as a pure function of property, environment, Testcontainers and Docker. */
class BrokerSelectionTest {
    private final AtomicInteger probes = new AtomicInteger();

    private BooleanSupplier docker(boolean answers) {
        return () -> {
            probes.incrementAndGet();
            return answers;
        };
    }

    @Test
    void propertyWinsOverEverythingAndNeverProbesDocker() {
        Choice c = BrokerSelection.choose(" host:9092 ", "env:9092", true, docker(true), "4.3.1");
        assertThat(c.mode()).isEqualTo(BrokerMode.EXTERNAL);
        assertThat(c.bootstrap()).isEqualTo("host:9092");
        assertThat(c.reason()).contains("-Dfreshet.bootstrap=host:9092").contains("starting no broker");
        assertThat(probes).hasValue(0);
    }

    @Test
    void environmentVariableIsUsedWhenThePropertyIsAbsentOrBlank() {
        for (String property : new String[] {null, "", "  "}) {
            Choice c = BrokerSelection.choose(property, "env:9092", true, docker(true), "4.3.1");
            assertThat(c.mode()).isEqualTo(BrokerMode.EXTERNAL);
            assertThat(c.bootstrap()).isEqualTo("env:9092");
            assertThat(c.reason()).contains("FRESHET_BOOTSTRAP=env:9092");
        }
        assertThat(probes).hasValue(0);
    }

    @Test
    void withoutTestcontainersTheEmbeddedBrokerIsUsedWithoutProbingDocker() {
        Choice c = BrokerSelection.choose(null, " ", false, docker(true), "4.3.1");
        assertThat(c.mode()).isEqualTo(BrokerMode.EMBEDDED);
        assertThat(c.bootstrap()).isNull();
        assertThat(c.reason()).contains("Testcontainers").contains("not on the class path").contains("4.3.1");
        assertThat(probes).hasValue(0);
    }

    @Test
    void testcontainersAndAnAnsweringDaemonGiveAContainerOfTheKitsKafkaVersion() {
        Choice c = BrokerSelection.choose(null, null, true, docker(true), "4.3.1");
        assertThat(c.mode()).isEqualTo(BrokerMode.CONTAINER);
        assertThat(c.bootstrap()).isNull();
        assertThat(c.reason()).contains("apache/kafka:4.3.1");
        assertThat(probes).hasValue(1);
    }

    @Test
    void testcontainersWithoutADaemonFallsBackToTheEmbeddedBrokerSayingSo() {
        Choice c = BrokerSelection.choose(null, null, true, docker(false), "4.3.1");
        assertThat(c.mode()).isEqualTo(BrokerMode.EMBEDDED);
        assertThat(c.reason()).startsWith("no Docker daemon answered; using the embedded broker");
        assertThat(probes).hasValue(1);
    }

    @Test
    void explicitChoicesIgnoreTheInputs() {
        assertThat(BrokerSelection.embedded("4.3.1").mode()).isEqualTo(BrokerMode.EMBEDDED);
        Choice e = BrokerSelection.external(" a:1,b:2 ");
        assertThat(e.mode()).isEqualTo(BrokerMode.EXTERNAL);
        assertThat(e.bootstrap()).isEqualTo("a:1,b:2");
    }

    @Test
    void anEmptyExternalBootstrapIsRefusedWithTheFix() {
        assertThatThrownBy(() -> FreshetKafka.external(" "))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("give host:port");
    }

    @Test
    void everyReasonIsOneLine() {
        Choice[] all = {
            BrokerSelection.choose("h:1", null, true, docker(true), "4.3.1"),
            BrokerSelection.choose(null, "h:1", true, docker(true), "4.3.1"),
            BrokerSelection.choose(null, null, false, docker(true), "4.3.1"),
            BrokerSelection.choose(null, null, true, docker(true), "4.3.1"),
            BrokerSelection.choose(null, null, true, docker(false), "4.3.1"),
            BrokerSelection.embedded("4.3.1"),
            BrokerSelection.external("h:1"),
        };
        for (Choice c : all) {
            assertThat(c.reason()).doesNotContain("\n").isNotBlank();
        }
    }
}
