package io.freshet.benchmarks;

/**
 * The JVM flags that JMH forks of suites touching Chronicle Map need on JDK 17+ (shared/FACTS.md), as compile-time
 * constants so that they can go into {@code @Fork(jvmArgsAppend = ...)}, which accepts no array constant:
 *
 * <pre>{@code
 * @Fork(value = 1, jvmArgsAppend = {
 *     JvmFlags.OPEN_JAVA_LANG, JvmFlags.OPEN_JAVA_LANG_REFLECT, JvmFlags.EXPORT_SUN_NIO_CH,
 *     JvmFlags.EXPORT_JAVAC_FILE, JvmFlags.EXPORT_JDK_INTERNAL_REF,
 *     JvmFlags.CHRONICLE_NO_ANALYTICS, JvmFlags.CHRONICLE_NO_ANNOUNCER})
 * }</pre>
 *
 * <p>{@link #chronicle()} lists the same flags for code that starts JVMs itself. The module flags must stay equal to
 * the parent pom's {@code freshet.jvm.flags} (a unit test checks it). Note that {@code -jvmArgsAppend} on the JMH
 * command line replaces the annotation's list: repeat the whole set there. Immutable constants; thread-safe.
 */
public final class JvmFlags {
    /** Chronicle reflects into {@code java.lang}. */
    public static final String OPEN_JAVA_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    /** Chronicle reflects into {@code java.lang.reflect}. */
    public static final String OPEN_JAVA_LANG_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    /** Chronicle uses {@code sun.nio.ch} for mapped files. */
    public static final String EXPORT_SUN_NIO_CH = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    /** Chronicle compiles generated classes with javac at run time. */
    public static final String EXPORT_JAVAC_FILE = "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED";
    /** Silences Chronicle's cleaner warning. */
    public static final String EXPORT_JDK_INTERNAL_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    /** Stops Chronicle's analytics look-up (a DNS query and files in the home directory). */
    public static final String CHRONICLE_NO_ANALYTICS = "-Dchronicle.analytics.disable=true";
    /** Drops Chronicle's start-up banner. */
    public static final String CHRONICLE_NO_ANNOUNCER = "-Dchronicle.announcer.disable=true";

    /** The module flags alone, in the order of the parent pom's {@code freshet.jvm.flags}. */
    static final String[] MODULE_FLAGS = {
        OPEN_JAVA_LANG, OPEN_JAVA_LANG_REFLECT, EXPORT_SUN_NIO_CH, EXPORT_JAVAC_FILE, EXPORT_JDK_INTERNAL_REF,
    };

    private static final String[] CHRONICLE_FLAGS = {
        OPEN_JAVA_LANG, OPEN_JAVA_LANG_REFLECT, EXPORT_SUN_NIO_CH, EXPORT_JAVAC_FILE, EXPORT_JDK_INTERNAL_REF,
        CHRONICLE_NO_ANALYTICS, CHRONICLE_NO_ANNOUNCER,
    };

    private JvmFlags() {
    }

    /** @return a fresh copy of every flag a JVM running Chronicle Map needs (module flags, then properties) */
    public static String[] chronicle() {
        return CHRONICLE_FLAGS.clone();
    }
}
