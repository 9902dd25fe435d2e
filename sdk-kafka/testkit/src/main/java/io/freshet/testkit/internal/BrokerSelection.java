package io.freshet.testkit.internal;

import io.freshet.testkit.BrokerMode;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Which cluster a test kit handle uses, as a pure function of its inputs, so that every branch is unit-tested:
 * <ol>
 *   <li>{@value #BOOTSTRAP_PROP_NAME} (system property) or {@value #BOOTSTRAP_ENV_NAME} (environment) set: that
 *       external cluster; nothing is started and no broker class is touched;</li>
 *   <li>else Testcontainers on the class path and a Docker daemon answers: a {@code KafkaContainer};</li>
 *   <li>else the embedded broker.</li>
 * </ol>
 * The Docker probe is asked only when its answer decides (no property and Testcontainers present).
 *
 * <p>Threading: stateless.
 */
public final class BrokerSelection {
    /** System property naming an external cluster, {@code host:port[,host:port]}. */
    public static final String BOOTSTRAP_PROP_NAME = "freshet.bootstrap";
    /** Environment variable naming an external cluster; the system property wins when both are set. */
    public static final String BOOTSTRAP_ENV_NAME = "FRESHET_BOOTSTRAP";
    /** The line logged when the embedded broker is the fallback for a missing daemon. */
    public static final String NO_DOCKER = "no Docker daemon answered; using the embedded broker";

    private BrokerSelection() {
    }

    /**
     * The outcome of a selection: what to start and why (the why is logged in one line).
     *
     * @param mode where the cluster runs
     * @param bootstrap the external cluster's {@code host:port[,host:port]}, or null unless {@link BrokerMode#EXTERNAL}
     * @param reason why this mode was chosen, one line
     */
    public record Choice(BrokerMode mode, String bootstrap, String reason) {
        /**
         * @param mode where the cluster runs
         * @param bootstrap external bootstrap or null
         * @param reason one line
         */
        public Choice {
            Objects.requireNonNull(mode, "mode can't be null");
            Objects.requireNonNull(reason, "reason can't be null");
            if ((mode == BrokerMode.EXTERNAL) != (bootstrap != null)) {
                throw new IllegalArgumentException("mode=" + mode + " bootstrap=" + bootstrap
                    + ": a bootstrap goes with EXTERNAL and only with it");
            }
        }
    }

    /**
     * @param property the value of {@value #BOOTSTRAP_PROP_NAME}, or null
     * @param env the value of {@value #BOOTSTRAP_ENV_NAME}, or null
     * @param testcontainersPresent whether Testcontainers' Kafka module is on the class path
     * @param dockerAnswers asked only when it decides: whether a Docker daemon answers
     * @param kafkaVersion the Kafka version of the container image and of the embedded broker, for the reason
     * @return the choice
     */
    public static Choice choose(String property, String env, boolean testcontainersPresent,
        BooleanSupplier dockerAnswers, String kafkaVersion) {
        Objects.requireNonNull(dockerAnswers, "dockerAnswers can't be null");
        if (property != null && !property.isBlank()) {
            return new Choice(BrokerMode.EXTERNAL, property.trim(), "-D" + BOOTSTRAP_PROP_NAME + "="
                + property.trim() + " is set; using that cluster and starting no broker");
        }
        if (env != null && !env.isBlank()) {
            return new Choice(BrokerMode.EXTERNAL, env.trim(), BOOTSTRAP_ENV_NAME + "=" + env.trim()
                + " is set; using that cluster and starting no broker");
        }
        if (!testcontainersPresent) {
            return new Choice(BrokerMode.EMBEDDED, null, "Testcontainers (org.testcontainers:testcontainers-kafka) is"
                + " not on the class path; using the embedded broker (Kafka " + kafkaVersion + ")");
        }
        if (dockerAnswers.getAsBoolean()) {
            return new Choice(BrokerMode.CONTAINER, null, "a Docker daemon answered; using a Testcontainers"
                + " KafkaContainer (" + KafkaVersions.image(kafkaVersion) + ")");
        }
        return new Choice(BrokerMode.EMBEDDED, null, NO_DOCKER + " (Kafka " + kafkaVersion + ")");
    }

    /**
     * @param bootstrap the cluster a caller named explicitly
     * @return an external choice
     */
    public static Choice external(String bootstrap) {
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new IllegalArgumentException("bootstrap=" + bootstrap + " is empty: give host:port[,host:port]");
        }
        return new Choice(BrokerMode.EXTERNAL, bootstrap.trim(), "an external cluster bootstrap=" + bootstrap.trim()
            + " was given; starting no broker");
    }

    /**
     * @param kafkaVersion the embedded broker's Kafka version, for the reason
     * @return the embedded broker, whatever the property and Docker say
     */
    public static Choice embedded(String kafkaVersion) {
        return new Choice(BrokerMode.EMBEDDED, null, "the embedded broker was asked for (Kafka " + kafkaVersion
            + "); ignoring -D" + BOOTSTRAP_PROP_NAME + " and Docker");
    }
}
