package io.freshet.testkit;

/**
 * Where the Kafka cluster of a {@link FreshetKafka} runs.
 *
 * <p>Threading: immutable.
 */
public enum BrokerMode {
    /** A cluster this JVM did not start, named by {@code -Dfreshet.bootstrap} or {@code FRESHET_BOOTSTRAP}. */
    EXTERNAL,
    /** A Testcontainers {@code KafkaContainer} (an {@code apache/kafka} image) on the Docker daemon that answered. */
    CONTAINER,
    /** One combined KRaft node (broker and controller) in this JVM, from Kafka's own test kit. */
    EMBEDDED
}
