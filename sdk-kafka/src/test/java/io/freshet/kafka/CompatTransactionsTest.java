package io.freshet.kafka;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compatibility, per standalone Kafka release: read_committed under a transactional producer that aborts about 10%
 * of its transactions (the check of {@link PipelineCorrectnessTest}, which runs it on the embedded broker).
 */
class CompatTransactionsTest {
    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void abortedTransactionsAreNeverApplied(String version) throws Exception {
        new PipelineCorrectnessTest().abortedTransactionsAreNeverApplied(CompatBrokers.kafka(version));
    }
}
