package io.freshet.store.chronicle;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractCrashBatteryTest;

/** The crash battery on the Chronicle Map engine (25 kills by default, 250 under {@code -Psoak}). */
class ChronicleCrashBatteryTest extends AbstractCrashBatteryTest {
    @Override
    protected Class<? extends StoreEngine> engineClass() {
        return ChronicleStoreEngine.class;
    }
}
