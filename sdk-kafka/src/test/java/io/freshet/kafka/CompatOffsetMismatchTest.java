package io.freshet.kafka;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compatibility, per standalone Kafka release: offsets from another cluster, from a re-created topic, and below the
 * log start (deleted records; segments deleted by time retention) are detected (the checks of
 * {@link OffsetMismatchTest}).
 */
class CompatOffsetMismatchTest {
    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void storeFedByAnotherClusterIsRefused(String version) throws Exception {
        new OffsetMismatchTest().storeFedByAnotherClusterIsRefused(CompatBrokers.kafka(version));
    }

    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void recreatedTopicIsRefused(String version) throws Exception {
        new OffsetMismatchTest().recreatedTopicIsRefused(CompatBrokers.kafka(version));
    }

    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void positionBelowLogStartAfterDeleteRecordsIsRefusedAndRebuilt(String version) throws Exception {
        new OffsetMismatchTest().positionBelowLogStartIsRefusedAndRebuildReplaysFromTheLogStart(
            CompatBrokers.kafka(version));
    }

    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void positionBelowLogStartAfterRetentionIsRefusedAndRebuilt(String version, @TempDir Path dir) throws Exception {
        new OffsetMismatchTest().positionBelowLogStartAfterRetentionDeletedSegmentsIsRefusedAndRebuildReplaysTheRest(
            CompatBrokers.kafka(version), dir);
    }
}
