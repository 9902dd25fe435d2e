package io.freshet.kafka;

import io.freshet.testkit.FreshetKafka;
import io.freshet.testkit.KafkaBrokerProcess;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compatibility, per standalone Kafka release: the broker process stopped mid-stream and started again on the same
 * port and data; the pipeline serves reads through the outage, reports it, does not spin, and loses nothing (the
 * check of {@link BrokerOutageTest}, on a broker of the test's own). The outage lasts 10 s: the status reports one
 * after 5 s of fetch silence.
 */
class CompatBrokerRestartTest {
    @ParameterizedTest(name = "Kafka {0}")
    @MethodSource("io.freshet.kafka.CompatBrokers#versions")
    void brokerRestartMidStreamLosesNothing(String version, @TempDir Path dir) throws Exception {
        try (KafkaBrokerProcess process = CompatBrokers.dedicated(version);
             FreshetKafka kafka = FreshetKafka.external(process.bootstrapServers()).start()) {
            BrokerOutageTest.runOutage(Duration.ofSeconds(10), dir, new ProcessBroker(process, kafka));
        }
    }

    /** A standalone broker process as the outage test's broker. */
    private record ProcessBroker(KafkaBrokerProcess process, FreshetKafka kafka)
        implements BrokerOutageTest.OutageBroker {
        @Override
        public String bootstrap() {
            return process.bootstrapServers();
        }

        @Override
        public void createTopic(String topic, int partitions) {
            kafka.createTopic(topic, partitions);
        }

        @Override
        public void stopBroker() {
            process.stop();
        }

        @Override
        public void restartBroker() {
            process.restart();
        }

        @Override
        public boolean portRefusesConnections() throws IOException {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("localhost", process.port(KafkaBrokerProcess.BROKER_PORT)), 2_000);
                return false;
            } catch (ConnectException e) {
                return true;
            }
        }
    }
}
