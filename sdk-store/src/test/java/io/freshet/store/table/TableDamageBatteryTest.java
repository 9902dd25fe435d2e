package io.freshet.store.table;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractDamageBatteryTest;
import io.freshet.store.TableStoreEngine;

/** The damage battery on the table engine: every truncation, flip and foreign file is a typed error or harmless. */
class TableDamageBatteryTest extends AbstractDamageBatteryTest {
    @Override
    protected StoreEngine engine() {
        return new TableStoreEngine();
    }
}
