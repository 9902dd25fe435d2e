package io.freshet.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The Kafka version the embedded broker was built with (written into this jar by the build) against the
 * kafka-clients version found on the class path. The embedded broker runs on the class path's kafka-clients, so it
 * only works when both are the same release; an external cluster and a container work with any client version.
 *
 * <p>Threading: stateless.
 */
public final class KafkaVersions {
    private static final String RESOURCE = "kafka-version.properties";

    private KafkaVersions() {
    }

    /** @return the Kafka version of the embedded broker and of the container image, e.g. {@code 4.3.1} */
    public static String builtWith() {
        try (InputStream in = KafkaVersions.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("freshet-testkit jar lacks io/freshet/testkit/internal/" + RESOURCE
                    + ": rebuild it");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("kafka.version");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** @return the version of the kafka-clients jar on the class path (reads kafka-clients' own version file) */
    public static String clientsFound() {
        return AppInfoParser.getVersion();
    }

    /**
     * @param kafkaVersion a Kafka release
     * @return the {@code apache/kafka} image of that release
     */
    public static String image(String kafkaVersion) {
        return "apache/kafka:" + kafkaVersion;
    }

    /**
     * Fails at once when the embedded broker cannot run on the class path's kafka-clients.
     *
     * @param found the kafka-clients version on the class path
     * @param builtWith the embedded broker's Kafka version
     * @throws IllegalStateException one line naming both versions and the two ways out
     */
    public static void requireEmbeddable(String found, String builtWith) {
        if (!builtWith.equals(found)) {
            throw new IllegalStateException("kafka-clients " + found + " is on the class path but the embedded broker"
                + " of freshet-testkit is Kafka " + builtWith + " and needs kafka-clients " + builtWith
                + ": run the tests against a cluster of your own with -D" + BrokerSelection.BOOTSTRAP_PROP_NAME
                + "=host:port (io.freshet.testkit.KafkaBrokerMain starts one in its own JVM), or add"
                + " org.testcontainers:testcontainers-kafka to the test class path and run a Docker daemon");
        }
    }
}
