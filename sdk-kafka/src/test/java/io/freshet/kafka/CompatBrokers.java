package io.freshet.kafka;

import io.freshet.testkit.FreshetKafka;
import io.freshet.testkit.KafkaBrokerProcess;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The standalone Kafka brokers of the compatibility suite ({@code Compat*Test}): one {@link KafkaBrokerProcess} per
 * release, started on first use and shared by every compatibility test class of the run, stopped when this JVM exits
 * (and by the process's own watch of this JVM if it dies). Each test creates its own topics.
 *
 * <p>The releases come from {@value #VERSIONS_PROP_NAME} (the pom: 3.9.1 by default, every release under
 * {@code -Pcompat}); each release's class path from {@code freshet.testkit.kafka.classpath.<release>}, written by
 * the {@code sdk-kafka/testkit/brokers/kafka-<release>} module.
 */
final class CompatBrokers {
    static final String VERSIONS_PROP_NAME = "freshet.compat.versions";
    private static final String DEFAULT_VERSIONS = "3.9.1";
    private static final Map<String, Shared> SHARED = new LinkedHashMap<>();
    private static boolean hooked;

    private CompatBrokers() {
    }

    private record Shared(KafkaBrokerProcess process, FreshetKafka kafka) {
    }

    /** @return the Kafka releases to run against, e.g. {@code [3.9.1]} */
    static List<String> versions() {
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
            KafkaBrokerProcess process = KafkaBrokerProcess.builder(version).start();
            s = new Shared(process, FreshetKafka.external(process.bootstrapServers()).start());
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
        return KafkaBrokerProcess.builder(version).start();
    }

    private static synchronized void closeAll() {
        for (Shared s : SHARED.values()) {
            s.kafka().close();
            s.process().close();
        }
        SHARED.clear();
    }
}
