package io.freshet.kafka;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compatibility, per standalone Kafka release: two sharded pipelines in one consumer group split the partitions, and
 * give them back when one leaves, without loss or double counting (the check of {@link ScaleOutTest}).
 */
class CompatRebalanceTest {
    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void shardedPipelinesRebalanceWithoutLossOrDoubleCounting(String version) throws Exception {
        new ScaleOutTest().shardedPipelinesSplitPartitionsAndRebalanceWithoutLossOrDoubleCounting(
            CompatBrokers.kafka(version));
    }
}
