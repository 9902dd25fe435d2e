package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.kafka.internal.KafkaClientsVersion.Verdict;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;

/** The start-time kafka-clients version decision, string by string, and its agreement with the build. */
class KafkaClientsVersionTest {

    @Test
    void versionsInsideTheRangeAreSupported() {
        for (String v : new String[] {"3.9.0", "3.9.1", "4.0.0", "4.0.1", "4.1.0", "4.3.1", "4.4.0", "4.4.9",
            "4.4.0-SNAPSHOT", "3.9.2-rc1", " 4.2.0 ", "4.4"}) {
            assertThat(KafkaClientsVersion.verdict(v)).as(v).isEqualTo(Verdict.SUPPORTED);
        }
    }

    @Test
    void versionsBelowTheRangeAreTooOld() {
        for (String v : new String[] {"3.8.1", "3.8.0-SNAPSHOT", "3.0.0", "2.8.2", "0.11.0.3", "3.1"}) {
            assertThat(KafkaClientsVersion.verdict(v)).as(v).isEqualTo(Verdict.TOO_OLD);
        }
    }

    @Test
    void versionsAboveTheNewestTestedLineAreNewer() {
        for (String v : new String[] {"4.5.0", "4.5.0-SNAPSHOT", "5.0.0", "4.10.0", "10.0.0"}) {
            assertThat(KafkaClientsVersion.verdict(v)).as(v).isEqualTo(Verdict.NEWER_THAN_TESTED);
        }
    }

    @Test
    void stringsThatAreNotVersionsAreUnparseable() {
        for (String v : new String[] {"unknown", "", "  ", "4", "4.", ".4.0", "v4.4.0", "4.x", "trunk-SNAPSHOT",
            "39.0000001.0", "1234567.1.0"}) {
            assertThat(KafkaClientsVersion.verdict(v)).as(v).isEqualTo(Verdict.UNPARSEABLE);
        }
        assertThat(KafkaClientsVersion.verdict(null)).isEqualTo(Verdict.UNPARSEABLE);
    }

    @Test
    void tooOldFailsWithOneLineNamingTheVersionAndTheRange() {
        assertThatThrownBy(() -> KafkaClientsVersion.check("3.8.1"))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("kafka-clients 3.8.1 found on the class path, but Freshet supports kafka-clients 3.9.0 to"
                + " 4.4.x: pin org.apache.kafka:kafka-clients to a version in that range")
            .hasMessageNotContaining("\n");
    }

    @Test
    void newerAndUnparseableVersionsStartWithAWarningLine() {
        KafkaClientsVersion.check("4.5.0");
        KafkaClientsVersion.check("unknown");
        assertThat(KafkaClientsVersion.message(Verdict.NEWER_THAN_TESTED, "4.5.0"))
            .startsWith("kafka-clients 4.5.0 found on the class path is newer than Freshet is tested with")
            .contains("3.9.0 to 4.4.x").doesNotContain("\n");
        assertThat(KafkaClientsVersion.message(Verdict.UNPARSEABLE, "unknown"))
            .contains("'unknown'").contains("3.9.0 to 4.4.x").doesNotContain("\n");
        assertThat(KafkaClientsVersion.message(Verdict.SUPPORTED, "4.3.1")).isNull();
    }

    @Test
    void theKafkaClientsOfThisBuildIsFoundAndPassesTheCheck() {
        // Set by this module's surefire configuration from kafka.version.
        assertThat(KafkaClientsVersion.found()).isEqualTo(System.getProperty("freshet.kafkaClients.buildVersion"))
            .isEqualTo(AppInfoParser.getVersion());
        assertThat(KafkaClientsVersion.verdict(KafkaClientsVersion.found())).isEqualTo(Verdict.SUPPORTED);
        KafkaClientsVersion.checkAtStart();
    }

    @Test
    void theRangeMatchesTheParentPom() {
        // Set by this module's surefire configuration from the parent pom's kafka-clients.supported.range.
        assertThat(System.getProperty("freshet.kafkaClients.supportedRange"))
            .isEqualTo(KafkaClientsVersion.SUPPORTED_MAVEN_RANGE);
        assertThat(KafkaClientsVersion.SUPPORTED_MAVEN_RANGE).isEqualTo("[" + KafkaClientsVersion.MIN_MAJOR + "."
            + KafkaClientsVersion.MIN_MINOR + ".0," + KafkaClientsVersion.NEWEST_TESTED_MAJOR + "."
            + (KafkaClientsVersion.NEWEST_TESTED_MINOR + 1) + ")");
    }

    @Test
    void consumerCloseUsesCloseOptionsExactlyFrom41() {
        String v = KafkaClientsVersion.found();
        int dot = v.indexOf('.');
        int major = Integer.parseInt(v.substring(0, dot));
        int minor = Integer.parseInt(v.substring(dot + 1, v.indexOf('.', dot + 1)));
        assertThat(ConsumerClose.HAS_CLOSE_OPTIONS).as("kafka-clients " + v)
            .isEqualTo(major > 4 || major == 4 && minor >= 1);
    }
}
