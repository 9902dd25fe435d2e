package io.freshet.kafka;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compatibility, per standalone Kafka release: the bad-record battery's dead-letter topic receives exactly the
 * injected records (reason headers included), and FAIL stops at the first bad record (the checks of
 * {@link BadRecordBatteryTest}).
 */
class CompatDeadLetterTest {
    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void deadLetterReceivesExactlyTheInjectedRecords(String version) throws Exception {
        var kafka = CompatBrokers.kafka(version);
        BadRecordBatteryTest.deadLetterReceivesExactlyTheInjectedRecords(kafka, BadRecordBatteryTest.produce(kafka));
    }

    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void failStopsAtTheFirstBadRecord(String version) throws Exception {
        BadRecordBatteryTest.assertFailStops(CompatBrokers.kafka(version), BadRecordBatteryTest.Kind.WRONG_TYPED_JSON,
            4);
    }
}
