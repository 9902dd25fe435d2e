/**
 * A real Kafka cluster for the tests of a Freshet user: {@link io.freshet.testkit.FreshetKafka}, a JUnit 5 extension
 * (and a plain handle outside JUnit) that creates topics and sends records, over an external cluster
 * ({@code -Dfreshet.bootstrap=host:port}), a Testcontainers {@code KafkaContainer} where a Docker daemon answers, or
 * an in-JVM KRaft broker; and {@link io.freshet.testkit.KafkaBrokerMain}, the in-JVM broker as a process of its own
 * for scripts.
 *
 * <p>Add {@code io.freshet:freshet-testkit} in test scope: it brings Kafka's broker and its test kit.
 */
package io.freshet.testkit;
