package io.freshet.store.chronicle.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Defines, ahead of Chronicle, the classes Chronicle Map would otherwise generate and compile with javac the first
 * time a map is created or opened in a JVM (about 2 s on this project's machines, paid by every fresh JVM).
 *
 * <p>Chronicle Values looks a value interface's implementation up by name in the interface's class loader
 * ({@code ClassLoader.loadClass("...VanillaGlobalMutableState$$Native")}) and generates its source and compiles it
 * only when that fails. The source it would generate is checked in ({@code src/main/chronicle-prebuilt}), compiled by
 * the build into {@value #DIR} (a path no class loader searches by itself) and defined here, in the interface's
 * package and class loader, through {@link MethodHandles#privateLookupIn}. Chronicle's look-up then finds it already
 * loaded and never starts javac.
 *
 * <p>The class mirrors the layout Chronicle's interface and generator produce, so a class generated for another
 * version could read Chronicle's header fields at the wrong offsets. It is therefore defined only when the versions
 * of every Chronicle artifact it depends on, read from their {@code META-INF/maven/.../pom.properties}, equal the
 * ones recorded in {@value #GENERATED_FOR} (the test {@code ChroniclePrebuiltSourceTest} fails the build when the
 * pinned Chronicle generates other source or has other versions). Any doubt (another version, a repackaged jar
 * without {@code pom.properties}, Chronicle already initialised it, a class loader that refuses) leaves the class
 * undefined, and Chronicle compiles it as it would without Freshet: slower, never different.
 * {@code -D}{@value #ENABLED_PROP_NAME}{@code =false} switches it off.
 *
 * <p>Internal. {@link #install(ClassLoader)} runs once per JVM from {@link ChronicleGate}'s initialiser, after the
 * privacy switches are set; it loads Chronicle interfaces without initialising them, so no Chronicle code runs here.
 * Thread-safe.
 */
public final class ChroniclePrebuilt {
    /** {@code false} leaves Chronicle to generate and compile its classes at run time. */
    public static final String ENABLED_PROP_NAME = "freshet.chronicle.prebuilt";
    /** Resource directory of the pre-built classes (their binary names as paths below it). */
    static final String DIR = "META-INF/freshet/chronicle-prebuilt/";
    /** Resource naming the classes and the artifact versions they were generated for. */
    static final String GENERATED_FOR = DIR + "generated-for.properties";
    private static final String ARTIFACT_PREFIX = "artifact.";
    private static final String CLASSES_KEY = "classes";
    private static final String NATIVE_SUFFIX = "$$Native";
    private static final String CHRONICLE_GROUP_PATH = "META-INF/maven/net.openhft/";

    /** What {@link #install} did. */
    public enum Outcome {
        /** Not attempted yet (no store opened in this JVM). */
        NOT_RUN,
        /** Every pre-built class is defined: Chronicle compiles nothing at start-up. */
        DEFINED,
        /** Switched off by {@value #ENABLED_PROP_NAME}{@code =false}. */
        DISABLED,
        /** The Chronicle artifacts on the class path are not the versions the classes were built for. */
        VERSION_MISMATCH,
        /** A class of that name already exists in Chronicle's class loader (Chronicle ran before Freshet). */
        ALREADY_DEFINED,
        /** The resources, Chronicle's interfaces or the permission to define into their package are missing. */
        UNAVAILABLE
    }

    private static Outcome outcome = Outcome.NOT_RUN;
    private static String detail = "";

    private ChroniclePrebuilt() {
    }

    /** @return what {@link #install} did in this JVM */
    public static synchronized Outcome outcome() {
        return outcome;
    }

    /** @return why the outcome is what it is (the mismatching versions, the failure), empty when defined */
    public static synchronized String detail() {
        return detail;
    }

    /**
     * Defines the pre-built classes in the class loader of Chronicle's interfaces as seen from {@code loader}, once.
     *
     * @param loader the class loader Freshet's Chronicle classes are linked through
     * @return the outcome (also kept for {@link #outcome()})
     */
    static synchronized Outcome install(ClassLoader loader) {
        if (outcome == Outcome.NOT_RUN) {
            try {
                outcome = doInstall(loader);
            } catch (IOException | ReflectiveOperationException | RuntimeException | LinkageError e) {
                // Whatever went wrong, Chronicle is left to do what it does without us (compile the class).
                outcome = Outcome.UNAVAILABLE;
                detail = e.toString();
            }
        }
        return outcome;
    }

    private static Outcome doInstall(ClassLoader loader) throws IOException, ReflectiveOperationException {
        if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROP_NAME))) {
            return Outcome.DISABLED;
        }
        ClassLoader own = ChroniclePrebuilt.class.getClassLoader();
        Properties generatedFor = load(own, GENERATED_FOR);
        String classList = generatedFor == null ? null : generatedFor.getProperty(CLASSES_KEY);
        if (classList == null) {
            detail = GENERATED_FOR + " is missing";
            return Outcome.UNAVAILABLE;
        }
        List<String> names = List.of(classList.split(","));
        List<Class<?>> hosts = new ArrayList<>();
        for (String name : names) {
            if (!name.endsWith(NATIVE_SUFFIX)) {
                detail = "not a Chronicle Values implementation name: " + name;
                return Outcome.UNAVAILABLE;
            }
            hosts.add(Class.forName(name.substring(0, name.length() - NATIVE_SUFFIX.length()), false, loader));
        }
        String mismatch = versionMismatch(generatedFor, hosts.get(0).getClassLoader());
        if (mismatch != null) {
            detail = mismatch;
            return Outcome.VERSION_MISMATCH;
        }
        for (int i = 0; i < names.size(); i++) {
            byte[] bytes = read(own, DIR + names.get(i).replace('.', '/') + ".class");
            if (bytes == null) {
                detail = "no pre-built class for " + names.get(i);
                return Outcome.UNAVAILABLE;
            }
            try {
                MethodHandles.privateLookupIn(hosts.get(i), MethodHandles.lookup()).defineClass(bytes);
            } catch (LinkageError e) {
                // Chronicle (or another copy of this class) defined it first; that one is Chronicle's own.
                detail = e.toString();
                return Outcome.ALREADY_DEFINED;
            }
        }
        return Outcome.DEFINED;
    }

    /**
     * Compares the recorded artifact versions with those visible to {@code chronicleLoader}.
     *
     * @param generatedFor the recorded properties ({@code artifact.<artifactId>=<version>})
     * @param chronicleLoader the class loader Chronicle's classes come from
     * @return null when every recorded artifact is present in exactly that version (every copy of its
     *     {@code pom.properties}, should there be several), otherwise what differs
     * @throws IOException when a {@code pom.properties} cannot be read
     */
    static String versionMismatch(Properties generatedFor, ClassLoader chronicleLoader) throws IOException {
        Map<String, String> expected = new TreeMap<>();
        for (String key : generatedFor.stringPropertyNames()) {
            if (key.startsWith(ARTIFACT_PREFIX)) {
                expected.put(key.substring(ARTIFACT_PREFIX.length()), generatedFor.getProperty(key).trim());
            }
        }
        if (expected.isEmpty()) {
            return "no artifact versions recorded";
        }
        StringBuilder diff = new StringBuilder();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Enumeration<URL> poms = chronicleLoader.getResources(CHRONICLE_GROUP_PATH + e.getKey() + "/pom.properties");
            List<String> found = new ArrayList<>();
            while (poms.hasMoreElements()) {
                Properties pom = new Properties();
                try (InputStream in = poms.nextElement().openStream()) {
                    pom.load(in);
                }
                found.add(String.valueOf(pom.getProperty("version")).trim());
            }
            if (found.isEmpty() || !found.stream().allMatch(e.getValue()::equals)) {
                diff.append(diff.length() == 0 ? "" : ", ").append(e.getKey()).append(" built for ")
                    .append(e.getValue()).append(" but found ").append(found.isEmpty() ? "none" : found);
            }
        }
        return diff.length() == 0 ? null : diff.toString();
    }

    private static Properties load(ClassLoader loader, String resource) throws IOException {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p;
        }
    }

    private static byte[] read(ClassLoader loader, String resource) throws IOException {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        }
    }
}
