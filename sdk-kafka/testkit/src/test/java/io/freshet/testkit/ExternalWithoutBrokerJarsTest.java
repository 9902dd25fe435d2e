package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The external path touches no broker class: a child JVM without Kafka's server jars, its test kit, Scala or
 * Testcontainers on its class path still creates a topic and sends through {@code -Dfreshet.bootstrap}. That is what
 * lets a project pinning another kafka-clients version use the test kit against a broker of its own.
 */
class ExternalWithoutBrokerJarsTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    @Test
    void theExternalPathWorksWithoutTheBrokerJars(@TempDir Path dir) throws Exception {
        List<String> cp = ChildJava.without(ChildJava.testClassPath(),
            e -> ChildJava.BROKER_JARS.matcher(Path.of(e).getFileName().toString()).matches());
        assertThat(cp).anyMatch(e -> e.matches(".*kafka-clients-[0-9.]+\\.jar"));
        assertThat(cp.size()).isLessThan(ChildJava.testClassPath().size());
        String out = ChildJava.runExternalClient(cp, KAFKA.bootstrapServers(), dir);
        assertThat(out).contains("broker classes absent").contains("mode=EXTERNAL offset=0");
    }
}
