package io.freshet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Engine look-up in freshet-store alone: the Chronicle Map engine's artifact is not on this module's test class path,
 * so asking for it names the artifact to add; a provider registered through the context class loader is found.
 */
class StoreEnginesTest {
    private static final String SERVICE_FILE = "META-INF/services/" + StoreEngine.class.getName();

    @TempDir
    Path tmp;

    @Test
    void theDefaultIsTheTableEngineAndNamesResolve() {
        assertThat(StoreEngines.defaultEngine()).isInstanceOf(TableStoreEngine.class);
        assertThat(StoreEngines.byName("table").name()).isEqualTo("table");
        assertThat(StoreEngines.byName("Default").name()).isEqualTo("table");
        assertThatThrownBy(() -> StoreEngines.byName("rocks")).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("engine=rocks is unknown: use table, chronicle or default");
    }

    @Test
    void withoutItsArtifactTheChronicleEngineIsRefusedNamingTheArtifact() {
        assertThatThrownBy(() -> Class.forName("io.freshet.store.chronicle.ChronicleStoreEngine"))
            .as("this test needs freshet-store-chronicle off the class path")
            .isInstanceOf(ClassNotFoundException.class);
        String expected = "The Chronicle Map engine is in io.freshet:freshet-store-chronicle; add it to your "
            + "dependencies (it needs the JVM flags listed in the README), or use StoreEngines.table()";
        assertThatThrownBy(StoreEngines::chronicle).isInstanceOf(IllegalStateException.class).hasMessage(expected);
        assertThatThrownBy(() -> StoreEngines.byName("Chronicle")).isInstanceOf(IllegalStateException.class)
            .hasMessage(expected);
    }

    @Test
    void aChronicleProviderVisibleToTheContextClassLoaderIsFound() throws IOException {
        try (URLClassLoader loader = loaderWithServiceFile(FakeChronicleEngine.class.getName())) {
            StoreEngine engine = withContextClassLoader(loader);
            assertThat(engine).isInstanceOf(FakeChronicleEngine.class);
        }
    }

    @Test
    void aBrokenProviderRegistrationIsReportedNotSkipped() throws IOException {
        try (URLClassLoader loader = loaderWithServiceFile("io.freshet.store.chronicle.NoSuchEngine")) {
            assertThatThrownBy(() -> withContextClassLoader(loader)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("io.freshet.store.chronicle.NoSuchEngine")
                .hasMessageContaining("io.freshet:freshet-store-chronicle must be of the same version");
        }
    }

    /** A class loader over this test's class path plus one service file registering {@code providerClass}. */
    private URLClassLoader loaderWithServiceFile(String providerClass) throws IOException {
        Path file = tmp.resolve(SERVICE_FILE);
        Files.createDirectories(file.getParent());
        Files.writeString(file, providerClass + "\n");
        return new URLClassLoader(new URL[] {tmp.toUri().toURL()}, StoreEnginesTest.class.getClassLoader());
    }

    private static StoreEngine withContextClassLoader(ClassLoader loader) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            return StoreEngines.chronicle();
        } finally {
            t.setContextClassLoader(before);
        }
    }

    /** A stand-in provider named {@code chronicle} (ServiceLoader needs a public class and constructor). */
    public static final class FakeChronicleEngine implements StoreEngine {
        /** Creates the stand-in. */
        public FakeChronicleEngine() {
        }

        @Override
        public String name() {
            return "chronicle";
        }

        @Override
        public RowStore open(StoreConfig config) {
            throw new UnsupportedOperationException("a stand-in for the look-up test");
        }
    }
}
