package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.freshet.testkit.internal.BrokerSelection;
import io.freshet.testkit.internal.DockerProbe;
import io.freshet.testkit.internal.KafkaVersions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real fallback: Testcontainers is on this module's test class path (an optional dependency) and, on a machine
 * without a Docker daemon, {@link FreshetKafka#create()} runs the embedded broker and says why. Skipped (not passed)
 * where a daemon answers or an external cluster is named.
 */
class DockerFallbackTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    @Test
    void testcontainersIsOnTheTestClassPath() {
        assertThat(DockerProbe.testcontainersPresent()).isTrue();
    }

    @Test
    void whereThePreCheckFindsNoEndpointTestcontainersOwnCheckAgreesWithoutThrowing() {
        assumeTrue(DockerProbe.endpointCandidates().isEmpty(), "this machine has a Docker endpoint candidate");
        long t0 = System.nanoTime();
        boolean answers = DockerProbe.askTestcontainers();
        System.out.println("Testcontainers' own check took " + (System.nanoTime() - t0) / 1_000_000 + " ms, answered="
            + answers);
        assertThat(answers).isFalse();
    }

    @Test
    void withoutADaemonTheHandleRunsTheEmbeddedBrokerAndSaysWhy() {
        assumeTrue(System.getProperty(BrokerSelection.BOOTSTRAP_PROP_NAME, "").isBlank()
            && System.getenv().getOrDefault(BrokerSelection.BOOTSTRAP_ENV_NAME, "").isBlank(), "external cluster set");
        boolean answers = DockerProbe.dockerAnswers();
        // Reported, not asserted (timings are never asserted): the report quotes it.
        System.out.println("first docker probe of this JVM took " + DockerProbe.firstProbeMillis() + " ms, answered="
            + answers + ", endpoint candidates=" + DockerProbe.endpointCandidates());
        assumeFalse(answers, "a Docker daemon answers here");
        assertThat(DockerProbe.askUncached()).as("asked again").isFalse();
        assertThat(KAFKA.mode()).isEqualTo(BrokerMode.EMBEDDED);
        assertThat(KAFKA.toString()).contains(BrokerSelection.NO_DOCKER).contains(KafkaVersions.builtWith());
        String topic = KAFKA.uniqueName("fallback");
        KAFKA.createTopic(topic, 1);
        assertThat(KAFKA.send(topic, "k", "v").offset()).isZero();
    }
}
