package io.freshet.store.chronicle;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractByteFlipBatteryTest;

/** Issue 21's byte-flip battery on the Chronicle Map engine's meta file and data file, clean and killed. */
class ChronicleByteFlipBatteryTest extends AbstractByteFlipBatteryTest {
    @Override
    protected StoreEngine engine() {
        return new ChronicleStoreEngine();
    }
}
