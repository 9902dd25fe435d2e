package io.freshet.kafka.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-time check of the kafka-clients version on the class path: the application pins kafka-clients, and
 * Freshet links and runs on {@value #SUPPORTED_RANGE}. Below the range a pipeline refuses to build with one line
 * naming the version found; above the newest tested minor it builds and one warning line is logged (once per JVM).
 * Keep {@link #MIN_MAJOR}/{@link #MIN_MINOR}/{@link #NEWEST_TESTED_MAJOR}/{@link #NEWEST_TESTED_MINOR} in step
 * with the {@code kafka-clients.supported.range} property of the parent pom (a test compares them).
 *
 * <p>The version is what kafka-clients reports of itself, {@code AppInfoParser.getVersion()}, read by reflection:
 * the class moved from {@code org.apache.kafka.common.utils} (3.9 to 4.3) to
 * {@code org.apache.kafka.common.utils.internals} in 4.4, so a direct reference would not link on one side or the
 * other.
 *
 * <p>Threading: any thread. Allocation: per call (build time only).
 */
public final class KafkaClientsVersion {
    /** Oldest supported kafka-clients release line: 3.9. */
    static final int MIN_MAJOR = 3;
    static final int MIN_MINOR = 9;
    /** Newest kafka-clients release line Freshet is tested with: 4.4. */
    static final int NEWEST_TESTED_MAJOR = 4;
    static final int NEWEST_TESTED_MINOR = 4;
    /** The supported range as users read it. */
    public static final String SUPPORTED_RANGE = "kafka-clients 3.9.0 to 4.4.x";
    /** The same range as a Maven version range (the parent pom's {@code kafka-clients.supported.range}). */
    static final String SUPPORTED_MAVEN_RANGE = "[3.9.0,4.5)";

    /** Where kafka-clients keeps {@code AppInfoParser}: before 4.4, and from 4.4 on. */
    private static final String[] APP_INFO_PARSERS = {"org.apache.kafka.common.utils.AppInfoParser",
        "org.apache.kafka.common.utils.internals.AppInfoParser"};

    private static final Logger LOG = LoggerFactory.getLogger(KafkaClientsVersion.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** What a version string means for Freshet. */
    enum Verdict {
        /** Within the supported range. */
        SUPPORTED,
        /** Older than the oldest supported version: refuse to start. */
        TOO_OLD,
        /** Newer than the newest tested release line: start, and warn once. */
        NEWER_THAN_TESTED,
        /** Not a version (e.g. "unknown" from a repackaged jar without its version file): start, and warn once. */
        UNPARSEABLE
    }

    private KafkaClientsVersion() {
    }

    /**
     * Checks the kafka-clients version on the class path; called when a pipeline is built.
     *
     * @throws IllegalStateException when it is older than the supported range
     */
    public static void checkAtStart() {
        check(found());
    }

    /**
     * @return the kafka-clients version on the class path as {@code AppInfoParser.getVersion()} reports it, or
     *     {@code "unknown"} when no known {@code AppInfoParser} answers
     */
    static String found() {
        for (String name : APP_INFO_PARSERS) {
            try {
                Class<?> parser = Class.forName(name, true, Consumer.class.getClassLoader());
                Object version = parser.getMethod("getVersion").invoke(null);
                if (version != null) {
                    return version.toString();
                }
            } catch (ReflectiveOperationException | LinkageError e) {
                // not this kafka-clients' location: try the next
            }
        }
        return "unknown";
    }

    /**
     * @param version a kafka-clients version string, as {@code AppInfoParser.getVersion()} returns it
     * @throws IllegalStateException when it is older than the supported range
     */
    static void check(String version) {
        Verdict v = verdict(version);
        String message = message(v, version);
        if (v == Verdict.TOO_OLD) {
            throw new IllegalStateException(message);
        }
        if (message != null && WARNED.compareAndSet(false, true)) {
            LOG.warn(message);
        }
    }

    /**
     * @param verdict the verdict on version
     * @param version the version string
     * @return the one line to throw (TOO_OLD) or log (NEWER_THAN_TESTED, UNPARSEABLE), or null when SUPPORTED
     */
    static String message(Verdict verdict, String version) {
        switch (verdict) {
            case TOO_OLD:
                return "kafka-clients " + version + " found on the class path, but Freshet supports " + SUPPORTED_RANGE
                    + ": pin org.apache.kafka:kafka-clients to a version in that range";
            case NEWER_THAN_TESTED:
                return "kafka-clients " + version + " found on the class path is newer than Freshet is tested with ("
                    + SUPPORTED_RANGE + "); it may work, pin a version in that range if it does not";
            case UNPARSEABLE:
                return "kafka-clients version '" + version + "' found on the class path cannot be read; Freshet"
                    + " supports " + SUPPORTED_RANGE;
            default:
                return null;
        }
    }

    /**
     * Reads the leading {@code major.minor} of a version; a qualifier ({@code -SNAPSHOT}, {@code -rc1}) and the
     * patch number do not matter, so {@code 4.4.0-SNAPSHOT} is the 4.4 line.
     *
     * @param version a version string, may be null
     * @return the verdict
     */
    static Verdict verdict(String version) {
        if (version == null) {
            return Verdict.UNPARSEABLE;
        }
        String s = version.trim();
        int i = 0;
        int major = 0;
        int start = i;
        while (i < s.length() && Character.isDigit(s.charAt(i)) && i - start < 6) {
            major = major * 10 + (s.charAt(i++) - '0');
        }
        if (i == start || i == s.length() || s.charAt(i) != '.') {
            return Verdict.UNPARSEABLE;
        }
        i++;
        int minor = 0;
        start = i;
        while (i < s.length() && Character.isDigit(s.charAt(i)) && i - start < 6) {
            minor = minor * 10 + (s.charAt(i++) - '0');
        }
        if (i == start || i < s.length() && Character.isDigit(s.charAt(i))) {
            return Verdict.UNPARSEABLE;
        }
        if (major < MIN_MAJOR || major == MIN_MAJOR && minor < MIN_MINOR) {
            return Verdict.TOO_OLD;
        }
        if (major > NEWEST_TESTED_MAJOR || major == NEWEST_TESTED_MAJOR && minor > NEWEST_TESTED_MINOR) {
            return Verdict.NEWER_THAN_TESTED;
        }
        return Verdict.SUPPORTED;
    }
}
