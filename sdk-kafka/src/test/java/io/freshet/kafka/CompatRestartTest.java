package io.freshet.kafka;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compatibility, per standalone Kafka release: a restarted pipeline resumes from its store's offsets without loss or
 * double counting, on a heap store and on the table engine's files (the checks of {@link PipelineCorrectnessTest}
 * and {@link TableEnginePipelineTest}).
 */
class CompatRestartTest {
    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void restartResumesFromTheStoreOffsets(String version) throws Exception {
        new PipelineCorrectnessTest().restartResumesFromTheStoreOffsetsWithoutLossOrDoubleCounting(
            CompatBrokers.kafka(version));
    }

    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void reopenedTableStoreResumesFromItsOffsets(String version, @TempDir Path dir) throws Exception {
        new TableEnginePipelineTest().reopenedStoreResumesFromItsOffsetsAndRecreatedTopicIsRebuilt(
            CompatBrokers.kafka(version), dir);
    }
}
