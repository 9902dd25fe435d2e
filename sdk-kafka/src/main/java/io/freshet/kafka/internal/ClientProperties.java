package io.freshet.kafka.internal;

import java.util.Properties;

/**
 * Derives the properties of the pipeline's other Kafka clients (admin, dead-letter producer) from the consumer
 * properties the user gave: consumer-only keys are dropped, since they would only produce "unknown config"
 * warnings, and so is {@code client.id} (each client sets its own).
 *
 * <p>Threading: stateless. Allocation: a copy per call (start only).
 */
public final class ClientProperties {
    private static final String[] CONSUMER_ONLY = {"group.id", "isolation.level", "enable.auto.commit",
        "auto.offset.reset", "max.poll.records", "max.poll.interval.ms", "group.instance.id",
        "partition.assignment.strategy", "fetch.min.bytes", "fetch.max.wait.ms", "fetch.max.bytes",
        "max.partition.fetch.bytes", "session.timeout.ms", "heartbeat.interval.ms", "key.deserializer",
        "value.deserializer", "client.id", "transactional.id"};

    private ClientProperties() {
    }

    /**
     * @param consumer the consumer properties
     * @return a copy without consumer-only keys and without {@code client.id}
     */
    public static Properties withoutConsumerKeys(Properties consumer) {
        Properties p = new Properties();
        p.putAll(consumer);
        for (String k : CONSUMER_ONLY) {
            p.remove(k);
        }
        return p;
    }
}
