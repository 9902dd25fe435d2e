package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.testkit.internal.KafkaVersions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project that pins another kafka-clients release (3.9.1, copied by the build): in a child JVM whose class path has
 * that jar instead of the broker's, the embedded broker refuses at once in one line naming both versions and both
 * ways out, and the external path ({@code -Dfreshet.bootstrap}) works.
 */
class PinnedClientsTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static List<String> withOtherClients(boolean dropBrokerJars) {
        Path other = Path.of(System.getProperty("freshet.testkit.otherClientsJar"));
        assertThat(other).as("copied by maven-dependency-plugin").isRegularFile();
        List<String> cp = new ArrayList<>();
        boolean swapped = false;
        for (String e : ChildJava.testClassPath()) {
            String name = Path.of(e).getFileName().toString();
            if (name.equals("kafka-clients-" + KafkaVersions.builtWith() + ".jar")) {
                cp.add(other.toString());
                swapped = true;
            } else if (!dropBrokerJars || !ChildJava.BROKER_JARS.matcher(name).matches()) {
                cp.add(e);
            }
        }
        assertThat(swapped).as("the broker's kafka-clients jar is on the test class path").isTrue();
        return cp;
    }

    @Test
    void theEmbeddedBrokerRefusesAnotherClientsVersionAtOnceInOneLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bootstrap.txt");
        Process p = ChildJava.start(KafkaBrokerMain.class, withOtherClients(false), List.of(),
            List.of("--bootstrap-file", file.toString()), dir, "broker");
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(ChildJava.output(dir, "broker")).isTrue();
            assertThat(p.exitValue()).as(ChildJava.output(dir, "broker")).isEqualTo(1);
            String err = Files.readString(dir.resolve("broker.err")).trim();
            assertThat(err).doesNotContain("\n")
                .contains("kafka-clients 3.9.1 is on the class path")
                .contains("Kafka " + KafkaVersions.builtWith())
                .contains("-Dfreshet.bootstrap=host:port")
                .contains("Docker");
            assertThat(file).doesNotExist();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void theExternalPathWorksWithThePinnedClients(@TempDir Path dir) throws Exception {
        String out = ChildJava.runExternalClient(withOtherClients(true), KAFKA.bootstrapServers(), dir);
        assertThat(out).contains("kafka-clients 3.9.1").contains("mode=EXTERNAL offset=0");
    }
}
