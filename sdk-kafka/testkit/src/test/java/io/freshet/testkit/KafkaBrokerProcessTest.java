package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KafkaBrokerProcess} with the Kafka 3.9.1 broker (its class path written by the build): it serves, a stop
 * refuses connections and a restart brings back the same port and records, close deletes its directory, and a
 * SIGKILL of the JVM that started it still stops the broker and deletes its directory.
 */
class KafkaBrokerProcessTest {
    private static final String VERSION = "3.9.1";
    private static final Pattern OWNER_LINE = Pattern.compile("broker pid=(\\d+) dir=(\\S+)");

    @Test
    void servesStopsRestartsOnTheSamePortWithItsRecordsAndDeletesItsDirectoryOnClose() throws Exception {
        Path dir;
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(VERSION).start()) {
            dir = broker.directory();
            assertThat(broker.kafkaVersion()).isEqualTo(VERSION);
            assertThat(Files.readString(dir.resolve("server.properties")))
                .contains("listeners=PLAINTEXT://localhost:" + broker.port(KafkaBrokerProcess.BROKER_PORT));
            String topic;
            try (FreshetKafka kafka = FreshetKafka.external(broker.bootstrapServers()).start()) {
                topic = kafka.uniqueName("standalone");
                kafka.createTopic(topic, 1);
                kafka.send(topic, "k", "before the stop");
                assertThat(FreshetKafkaTest.consume(kafka, topic, "read_uncommitted", 1))
                    .containsExactly("before the stop");
            }
            broker.stop();
            assertThat(broker.isRunning()).isFalse();
            assertThat(refuses(broker.port(KafkaBrokerProcess.BROKER_PORT))).as("a stopped broker's port").isTrue();

            broker.restart();
            try (FreshetKafka kafka = FreshetKafka.external(broker.bootstrapServers()).start()) {
                kafka.send(topic, "k", "after the restart");
                assertThat(FreshetKafkaTest.consume(kafka, topic, "read_uncommitted", 2))
                    .containsExactly("before the stop", "after the restart");
            }
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void aKilledOwnerJvmTakesItsBrokerAndDirectoryWithIt(@TempDir Path out) throws Exception {
        String prop = KafkaBrokerProcess.CLASS_PATH_PROP_PREFIX + VERSION;
        Process owner = ChildJava.start(BrokerOwnerMain.class, ChildJava.testClassPath(),
            List.of("-D" + prop + "=" + System.getProperty(prop)), List.of(VERSION), out, "owner");
        try {
            Matcher m = awaitLine(owner, out);
            long brokerPid = Long.parseLong(m.group(1));
            Path dir = Path.of(m.group(2));
            Optional<ProcessHandle> broker = ProcessHandle.of(brokerPid);
            assertThat(broker).as("the broker process runs").isPresent();
            assertThat(dir).isDirectory();

            owner.destroyForcibly(); // SIGKILL: no shutdown hook of the owner runs
            assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();
            broker.get().onExit().get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.exists(dir) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(dir).as("the orphaned broker deletes its directory").doesNotExist();
        } finally {
            owner.destroyForcibly();
        }
    }

    @Test
    void aMissingOrWrongClassPathFailsInOneLineNamingTheFix(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> KafkaBrokerProcess.builder("9.9.9").start())
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("no class path for the Kafka 9.9.9 broker")
            .hasMessageContaining("-D" + KafkaBrokerProcess.CLASS_PATH_PROP_PREFIX + "9.9.9=FILE")
            .hasMessageNotContaining("\n");
        Path cp = Path.of(System.getProperty(KafkaBrokerProcess.CLASS_PATH_PROP_PREFIX + VERSION));
        assertThatThrownBy(() -> KafkaBrokerProcess.builder("4.4.0").classPathFile(cp))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("has no kafka_2.13-4.4.0.jar")
            .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> KafkaBrokerProcess.builder("latest"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kafkaVersion=latest");
        assertThatThrownBy(() -> KafkaBrokerProcess.builder(VERSION).classPathFile(dir.resolve("missing.txt")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mvn dependency:build-classpath");
    }

    private static Matcher awaitLine(Process owner, Path out) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (true) {
            Matcher m = OWNER_LINE.matcher(ChildJava.output(out, "owner"));
            if (m.find()) {
                return m;
            }
            if (!owner.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the owner JVM did not report its broker: " + ChildJava.output(out, "owner"));
            }
            Thread.sleep(50);
        }
    }

    private static boolean refuses(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("localhost", port), 2_000);
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }
}
