package io.freshet.testkit.internal;

import io.freshet.testkit.BrokerMode;

/**
 * A Kafka cluster a test kit handle talks to, however it runs. Implementations touch only the classes of their own
 * mode, so that choosing one never loads another's (an external cluster works without the broker's jars).
 *
 * <p>Threading: thread-safe.
 */
public interface Cluster extends AutoCloseable {
    /** @return {@code host:port[,host:port]} */
    String bootstrapServers();

    /** @return where it runs */
    BrokerMode mode();

    /** Stops what this JVM started (nothing for an external cluster) and deletes its files. */
    @Override
    void close();

    /**
     * Starts (or connects to) the cluster a selection chose.
     *
     * @param choice the selection
     * @return a running cluster
     */
    static Cluster start(BrokerSelection.Choice choice) {
        switch (choice.mode()) {
            case EXTERNAL:
                return new ExternalCluster(choice.bootstrap());
            case CONTAINER:
                return ContainerCluster.start(KafkaVersions.builtWith());
            case EMBEDDED:
                KafkaVersions.requireEmbeddable(KafkaVersions.clientsFound(), KafkaVersions.builtWith());
                return EmbeddedCluster.start();
            default:
                throw new IllegalArgumentException("mode=" + choice.mode());
        }
    }
}
