package io.freshet.store.table;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractByteFlipBatteryTest;
import io.freshet.store.TableStoreEngine;

/** Issue 21's byte-flip battery on the table engine's meta file and data file, clean and killed. */
class TableByteFlipBatteryTest extends AbstractByteFlipBatteryTest {
    @Override
    protected StoreEngine engine() {
        return new TableStoreEngine();
    }
}
