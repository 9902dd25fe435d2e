package io.freshet.store.chronicle;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.StoreEngines;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** With this artifact on the class path, freshet-store's look-up finds the Chronicle Map engine. */
class ChronicleStoreEnginesTest {
    @Test
    void storeEnginesFindsTheChronicleEngineWhenItsArtifactIsPresent() {
        assertThat(StoreEngines.chronicle()).isInstanceOf(ChronicleStoreEngine.class);
        StoreEngine byName = StoreEngines.byName("Chronicle");
        assertThat(byName).isInstanceOf(ChronicleStoreEngine.class);
        assertThat(byName.name()).isEqualTo(ChronicleStoreEngine.NAME);
        assertThat(StoreEngines.defaultEngine().name()).as("the default stays the table engine").isEqualTo("table");
    }

    @Test
    void theArtifactRegistersExactlyOneStoreEngineProvider() {
        assertThat(ServiceLoader.load(StoreEngine.class, ChronicleStoreEngine.class.getClassLoader()).stream()
            .map(p -> p.type().getName()).toList()).containsExactly(ChronicleStoreEngine.class.getName());
    }
}
