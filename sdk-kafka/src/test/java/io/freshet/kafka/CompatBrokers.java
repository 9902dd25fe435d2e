package io.freshet.kafka;

import io.freshet.testkit.FreshetKafka;
import io.freshet.testkit.KafkaBrokerProcess;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The standalone Kafka brokers of the compatibility suite ({@code Compat*Test}): one {@link KafkaBrokerProcess} per
 * release, started on first use and shared by every compatibility test class of the run, stopped when this JVM exits
 * (and by the process's own watch of this JVM if it dies). Each test creates its own topics.
 *
 * <p>The releases come from {@value #VERSIONS_PROP_NAME} (the pom: 3.9.1 by default, every release under
 * {@code -Pcompat}); each release's class path from {@code freshet.testkit.kafka.classpath.<release>}, written by
 * the {@code sdk-kafka/testkit/brokers/kafka-<release>} module. With {@code -Dfreshet.bootstrap=host:port} (or
 * {@code FRESHET_BOOTSTRAP}) the suite runs once, against that cluster ({@value #EXTERNAL}), and starts no broker:
 * a user's own cluster or a Kafka-compatible platform.
 */
final class CompatBrokers {
    static final String VERSIONS_PROP_NAME = "freshet.compat.versions";
    /** The one parameter when an external cluster is named. */
    static final String EXTERNAL = "external";
    private static final String DEFAULT_VERSIONS = "3.9.1";
    private static final Map<String, Shared> SHARED = new LinkedHashMap<>();
    private static boolean hooked;

    private CompatBrokers() {
    }

    private record Shared(KafkaBrokerProcess process, FreshetKafka kafka) {
    }

    /** @return the Kafka releases to run against, e.g. {@code [3.9.1]} */
    static List<String> versions() {
        if (externalBootstrap() != null) {
            return List.of(EXTERNAL);
        }
        List<String> out = new ArrayList<>();
        for (String v : System.getProperty(VERSIONS_PROP_NAME, DEFAULT_VERSIONS).split(",")) {
            if (!v.isBlank()) {
                out.add(v.trim());
            }
        }
        return out;
    }

    /**
     * @param version a Kafka release
     * @return a handle on the run's shared broker of that release (started on first use); do not close it
     */
    static synchronized FreshetKafka kafka(String version) {
        Shared s = SHARED.get(version);
        if (s == null) {
            if (version.equals(EXTERNAL)) {
                s = new Shared(null, FreshetKafka.external(externalBootstrap()).start());
            } else {
                KafkaBrokerProcess process = KafkaBrokerProcess.builder(version).start();
                s = new Shared(process, FreshetKafka.external(process.bootstrapServers()).start());
            }
            SHARED.put(version, s);
            if (!hooked) {
                hooked = true;
                Runtime.getRuntime().addShutdownHook(new Thread(CompatBrokers::closeAll, "compat-brokers-close"));
            }
        }
        return s.kafka();
    }

    /**
     * @param version a Kafka release
     * @return a new broker of that release for the caller alone (a test that stops it); the caller closes it
     */
    static KafkaBrokerProcess dedicated(String version) {
        Assumptions.assumeFalse(version.equals(EXTERNAL), "this check stops and restarts a broker of its own;"
            + " it cannot run against the external cluster -Dfreshet.bootstrap names");
        return KafkaBrokerProcess.builder(version).start();
    }

    /** @return the external cluster named by -Dfreshet.bootstrap or FRESHET_BOOTSTRAP, or null */
    static String externalBootstrap() {
        String b = System.getProperty(FreshetKafka.BOOTSTRAP_PROP_NAME);
        if (b == null || b.isBlank()) {
            b = System.getenv(FreshetKafka.BOOTSTRAP_ENV_NAME);
        }
        return b == null || b.isBlank() ? null : b.trim();
    }

    private static synchronized void closeAll() {
        for (Shared s : SHARED.values()) {
            s.kafka().close();
            if (s.process() != null) {
                s.process().close();
            }
        }
        SHARED.clear();
    }
}
