package io.freshet.kafka.testing;

import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;

/**
 * A Kafka cluster that tests talk to: the in-JVM KRaft broker started by {@link KafkaBrokerExtension}, or an
 * external cluster named by {@code -Dfreshet.bootstrap=host:port}. Tests share one cluster per JVM, so each test
 * creates its own topics through {@link #createTopic} with a name from {@link #uniqueName}.
 *
 * <p>Threading: thread-safe. Not a hot-path type: it allocates freely.
 */
public interface KafkaBroker {
    /** @return the bootstrap servers, {@code host:port[,host:port]} */
    String bootstrapServers();

    /** @return true when this is the in-JVM broker (false for an external cluster) */
    boolean embedded();

    /** @return client properties with {@code bootstrap.servers} set, to be extended by the caller */
    Properties clientProperties();

    /** @return a shared admin client; do not close it */
    Admin admin();

    /**
     * @param prefix readable prefix
     * @return a topic or group name no other test in this JVM (or earlier run against an external cluster) uses
     */
    String uniqueName(String prefix);

    /**
     * Creates a topic and waits until every partition has a leader.
     *
     * @param name topic name
     * @param partitions partition count
     * @param configs topic configs as key, value pairs (e.g. {@code "max.message.bytes", "3000000"})
     */
    void createTopic(String name, int partitions, String... configs);

    /**
     * Deletes a topic and waits until the cluster no longer lists it.
     *
     * @param name topic name
     */
    void deleteTopic(String name);
}
