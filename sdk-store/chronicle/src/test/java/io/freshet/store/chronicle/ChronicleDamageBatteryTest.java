package io.freshet.store.chronicle;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractDamageBatteryTest;
import io.freshet.store.chronicle.internal.ChronicleDataFile;
import io.freshet.store.chronicle.internal.ChronicleRowStore;
import java.nio.file.Path;

/** The damage battery on the Chronicle Map engine's two files (meta file and Chronicle data file). */
class ChronicleDamageBatteryTest extends AbstractDamageBatteryTest {
    @Override
    protected StoreEngine engine() {
        return new ChronicleStoreEngine();
    }

    @Override
    protected int headerBytes(Path file) {
        if (file.getFileName().toString().equals(ChronicleRowStore.DATA_FILE)) {
            return ChronicleDataFile.headerBytes(file);
        }
        return super.headerBytes(file);
    }
}
