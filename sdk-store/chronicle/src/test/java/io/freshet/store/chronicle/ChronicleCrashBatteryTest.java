package io.freshet.store.chronicle;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractCrashBatteryTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The crash battery on the Chronicle Map engine (25 kills by default, 250 under {@code -Psoak}; with tombstones in
 * the stream, 40 under {@code -Psoak}).
 */
class ChronicleCrashBatteryTest extends AbstractCrashBatteryTest {
    @Override
    protected Class<? extends StoreEngine> engineClass() {
        return ChronicleStoreEngine.class;
    }

    /** One record in eight deletes a recently applied key: each delete, killed or not, happens exactly once. */
    @Test
    @Tag("soak")
    void soakKilledWithTombstonesItLosesAndDoublesNothing() throws Exception {
        runBattery(40, 0xDE1E7E3L, 8);
    }
}
