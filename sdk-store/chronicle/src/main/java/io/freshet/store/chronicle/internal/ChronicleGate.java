package io.freshet.store.chronicle.internal;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The door every use of Chronicle Map goes through. Loading this class switches off Chronicle's usage analytics
 * (a DNS look-up of an analytics host and {@code ~/.chronicle*} files) and its start-up banner, before any
 * {@code net.openhft} class is initialised: this class references no Chronicle type, and the engine's entry points,
 * {@link ChronicleOpener} and {@link ChronicleRowStore}, call {@link #requireReady()} from their static initialisers,
 * so the properties are set whichever class is reached first (the other classes that name Chronicle types are only
 * reached through these two). Freshet overrides a user's own {@code chronicle.analytics.disable=false} on
 * purpose: the SDK never lets a dependency reach the network on its own.
 *
 * <p>It also checks, once per JVM, that the JVM has the module flags Chronicle Map needs on JDK 17+ and the
 * {@code jdk.compiler} module. Chronicle compiles generated classes with javac at run time; {@link ChroniclePrebuilt}
 * (installed from here once the check passes) spares it the one it needs to open a map, but both stay required: the
 * compiler module because Chronicle Values initialises its compiler holder for every value interface it models,
 * whether or not it compiles (without a system compiler that initialiser throws), and the {@code javac.file} export
 * for the fallback (Chronicle compiling when the pre-built classes do not match its version) and for any class
 * Chronicle generates on paths not covered by the pre-built ones. A missing flag would
 * otherwise surface as an {@code IllegalAccessError} deep inside Chronicle; here it is a
 * {@link Reason#MISSING_JVM_FLAGS} naming exactly the missing flags. Chronicle also runs {@code /sbin/ldconfig -p}
 * at start (jnr-ffi locating libc); that spawns a local process and reaches no network. JNA's temporary directory
 * defaults to {@code java.io.tmpdir} instead of {@code ~/.cache/JNA/temp}, so nothing is written to the home
 * directory.
 *
 * <p>Internal. Thread-safe: the check result is computed once and cached.
 */
public final class ChronicleGate {
    /** Chronicle's analytics switch. */
    public static final String ANALYTICS_PROP_NAME = "chronicle.analytics.disable";
    /** Chronicle's banner switch. */
    public static final String ANNOUNCER_PROP_NAME = "chronicle.announcer.disable";
    /** JNA's directory for unpacked native libraries (respected when the user sets it). */
    public static final String JNA_TMPDIR_PROP_NAME = "jna.tmpdir";
    /** Flags Chronicle Map cannot run without (JDK 17 and 25). */
    static final String OPEN_JAVA_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    static final String OPEN_JAVA_LANG_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    static final String EXPORT_SUN_NIO_CH = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    static final String EXPORT_JAVAC_FILE = "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED";
    static final String JDK_COMPILER_MODULE = "the jdk.compiler module (run on a full JDK, or add "
        + "--add-modules=jdk.compiler to a jlink image)";

    private static final String MISSING;

    static {
        System.setProperty(ANALYTICS_PROP_NAME, "true");
        System.setProperty(ANNOUNCER_PROP_NAME, "true");
        if (System.getProperty(JNA_TMPDIR_PROP_NAME) == null) {
            // JNA (loaded by Chronicle's affinity/posix layers) otherwise creates ~/.cache/JNA/temp in the user's
            // home; the JVM's temporary directory is where the user expects native libraries to be unpacked.
            System.setProperty(JNA_TMPDIR_PROP_NAME, System.getProperty("java.io.tmpdir"));
        }
        List<String> missing = missingFlags(ChronicleGate.class.getClassLoader().getUnnamedModule());
        MISSING = missing.isEmpty() ? null : String.join(" ", missing);
        if (MISSING == null) {
            // After the switches above, before any Chronicle class is initialised: Chronicle must find these classes
            // already defined when it first looks for them, or it compiles its own.
            ChroniclePrebuilt.install(ChronicleGate.class.getClassLoader());
        }
    }

    private ChronicleGate() {
    }

    /**
     * Lists the JVM flags (and the module) Chronicle Map needs that this JVM lacks, for code in {@code unnamed}.
     *
     * @param unnamed the module that must be granted access (the class path's unnamed module)
     * @return the missing flags, in the order of the parent pom's {@code freshet.jvm.flags}; empty when none
     */
    static List<String> missingFlags(Module unnamed) {
        List<String> missing = new ArrayList<>();
        Module base = Object.class.getModule();
        if (!base.isOpen("java.lang", unnamed)) {
            missing.add(OPEN_JAVA_LANG);
        }
        if (!base.isOpen("java.lang.reflect", unnamed)) {
            missing.add(OPEN_JAVA_LANG_REFLECT);
        }
        if (!base.isExported("sun.nio.ch", unnamed)) {
            missing.add(EXPORT_SUN_NIO_CH);
        }
        Optional<Module> compiler = ModuleLayer.boot().findModule("jdk.compiler");
        if (compiler.isEmpty()) {
            missing.add(JDK_COMPILER_MODULE);
        } else if (!compiler.get().isExported("com.sun.tools.javac.file", unnamed)) {
            missing.add(EXPORT_JAVAC_FILE);
        }
        return missing;
    }

    /**
     * Ensures the privacy properties are set (by loading this class) and the JVM can run Chronicle Map.
     *
     * @throws StoreException MISSING_JVM_FLAGS listing exactly what is missing
     */
    public static void requireReady() {
        if (MISSING != null) {
            throw new StoreException(Reason.MISSING_JVM_FLAGS, null, "Chronicle Map needs JVM flags that this JVM "
                + "lacks: missing=[" + MISSING + "]; add them to the java command line (README, \"JVM flags\"), "
                + "e.g. in surefire's argLine or JAVA_TOOL_OPTIONS");
        }
    }
}
