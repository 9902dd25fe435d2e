package io.freshet.testkit.internal;

import io.freshet.testkit.BrokerMode;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A Testcontainers {@code KafkaContainer} ({@code apache/kafka} image of the test kit's Kafka version, one KRaft
 * node) on the Docker daemon that answered. Loaded only when Testcontainers is on the class path.
 *
 * <p>Threading: thread-safe.
 */
final class ContainerCluster implements Cluster {
    private final KafkaContainer container;

    private ContainerCluster(KafkaContainer container) {
        this.container = container;
    }

    static ContainerCluster start(String kafkaVersion) {
        // The image's defaults already suit one node (replication factor 1 for the internal topics); these match
        // the embedded broker, so that a test behaves the same in both.
        KafkaContainer c = new KafkaContainer(DockerImageName.parse(KafkaVersions.image(kafkaVersion)))
            .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
            .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        try {
            c.start();
        } catch (RuntimeException e) {
            c.close();
            throw new IllegalStateException("Kafka container " + KafkaVersions.image(kafkaVersion)
                + " failed to start: " + e, e);
        }
        return new ContainerCluster(c);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public BrokerMode mode() {
        return BrokerMode.CONTAINER;
    }

    @Override
    public void close() {
        container.close();
    }
}
