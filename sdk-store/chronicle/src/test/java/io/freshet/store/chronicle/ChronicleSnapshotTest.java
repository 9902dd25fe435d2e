package io.freshet.store.chronicle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.spi.RowStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Chronicle engine takes no snapshots of a live store: it says so and names the engine that does. */
class ChronicleSnapshotTest {
    @TempDir
    Path tmp;

    @Test
    void snapshotIsRefusedNamingTheTableEngineAndWritesNothing() {
        Path target = tmp.resolve("snap");
        try (RowStore s = new ChronicleStoreEngine().open(ChronicleChild.config(tmp.resolve("store")))) {
            assertThatThrownBy(() -> s.snapshotTo(target)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("cannot snapshot a live store").hasMessageContaining("StoreEngines.table()");
        }
        assertThat(target).doesNotExist();
    }
}
