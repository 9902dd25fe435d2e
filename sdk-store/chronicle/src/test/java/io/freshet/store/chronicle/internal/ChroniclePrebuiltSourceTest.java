package io.freshet.store.chronicle.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the pre-built Chronicle classes honest across Chronicle upgrades: the checked-in source must be exactly what
 * the Chronicle Values on this build's class path generates, and the versions recorded next to the compiled class
 * must be the ones on this build's class path. After a Chronicle upgrade this test fails until the source is
 * regenerated (the test writes the fresh source to {@code target/chronicle-prebuilt/}; copy it over the checked-in
 * file) and {@code generated-for.properties} is updated. Also checks that the run-time version check refuses what it
 * must refuse.
 */
class ChroniclePrebuiltSourceTest {
    static final String CLASS = "net.openhft.chronicle.hash.VanillaGlobalMutableState$$Native";
    static final String INTERFACE = "net.openhft.chronicle.hash.VanillaGlobalMutableState";
    static final Path CHECKED_IN = Path.of("src/main/chronicle-prebuilt", CLASS.replace('.', '/') + ".java");

    static Properties generatedFor;

    @BeforeAll
    static void load() throws IOException {
        ChronicleGate.requireReady();
        generatedFor = new Properties();
        try (InputStream in = ChroniclePrebuilt.class.getClassLoader()
            .getResourceAsStream(ChroniclePrebuilt.GENERATED_FOR)) {
            assertThat(in).as(ChroniclePrebuilt.GENERATED_FOR).isNotNull();
            generatedFor.load(in);
        }
    }

    /** What Chronicle Values generates for the interface on this class path (its package-private generator). */
    static String generate() throws ReflectiveOperationException {
        Class<?> model = Class.forName("net.openhft.chronicle.values.ValueModel");
        Object m = model.getMethod("acquire", Class.class).invoke(null, Class.forName(INTERFACE));
        Method gen = Class.forName("net.openhft.chronicle.values.Generators")
            .getDeclaredMethod("generateNativeClass", model, String.class);
        gen.setAccessible(true);
        return (String) gen.invoke(null, m, CLASS.substring(CLASS.lastIndexOf('.') + 1));
    }

    @Test
    void checkedInSourceIsWhatThisChronicleGenerates() throws Exception {
        String fresh = generate();
        Path out = Path.of("target/chronicle-prebuilt", CHECKED_IN.getFileName().toString());
        Files.createDirectories(out.getParent());
        Files.writeString(out, fresh, StandardCharsets.UTF_8);
        assertThat(Files.readString(CHECKED_IN, StandardCharsets.UTF_8))
            .as("Chronicle generates other source than %s: copy %s over it and update %s", CHECKED_IN, out,
                ChroniclePrebuilt.GENERATED_FOR)
            .isEqualTo(fresh);
    }

    @Test
    void recordedVersionsAreTheOnesOnTheClassPath() throws Exception {
        assertThat(generatedFor.getProperty("classes")).isEqualTo(CLASS);
        assertThat(ChroniclePrebuilt.versionMismatch(generatedFor, getClass().getClassLoader())).isNull();
    }

    @Test
    void theCompiledClassIsShippedUnderItsResourcePathOnly() {
        ClassLoader loader = getClass().getClassLoader();
        String path = CLASS.replace('.', '/') + ".class";
        assertThat(loader.getResource(ChroniclePrebuilt.DIR + path)).isNotNull();
        assertThat(loader.getResource(path)).as("a class loader must never find it by itself").isNull();
    }

    @Test
    void anotherVersionIsRefusedAndNamed() throws Exception {
        Properties other = new Properties();
        other.putAll(generatedFor);
        other.setProperty("artifact.chronicle-map", "1.0");
        assertThat(ChroniclePrebuilt.versionMismatch(other, getClass().getClassLoader()))
            .startsWith("chronicle-map built for 1.0 but found [" + generatedFor.getProperty("artifact.chronicle-map"));
    }

    @Test
    void missingPomPropertiesAreRefused() throws Exception {
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            assertThat(ChroniclePrebuilt.versionMismatch(generatedFor, empty)).contains("chronicle-values built for "
                + generatedFor.getProperty("artifact.chronicle-values") + " but found none");
        }
    }

    @Test
    void nothingRecordedIsRefused() throws Exception {
        assertThat(ChroniclePrebuilt.versionMismatch(new Properties(), getClass().getClassLoader()))
            .isEqualTo("no artifact versions recorded");
    }

    @Test
    void thisJvmUsesThePrebuiltClass() {
        // Surefire's JVM opens stores through the gate like any application; the definition must have happened.
        assertThat(ChroniclePrebuilt.outcome()).as(ChroniclePrebuilt.detail())
            .isEqualTo(ChroniclePrebuilt.Outcome.DEFINED);
    }
}
