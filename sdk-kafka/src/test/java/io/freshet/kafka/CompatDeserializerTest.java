package io.freshet.kafka;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compatibility, per standalone Kafka release: the {@code Deserializer} source path end to end, headers included
 * (the check of {@link DeserializerSourceTest}).
 */
class CompatDeserializerTest {
    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void deserializerSourceMatchesTheReference(String version) throws Exception {
        new DeserializerSourceTest().deserializerSourceMatchesTheReferenceAndDeadLettersWhatItCannotDecode(
            CompatBrokers.kafka(version));
    }
}
