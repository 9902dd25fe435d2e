package io.freshet.store.table;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractCrashBatteryTest;
import io.freshet.store.TableStoreEngine;

/** The crash battery on the table engine: children SIGKILLed at random moments lose and double nothing. */
class TableCrashBatteryTest extends AbstractCrashBatteryTest {
    @Override
    protected Class<? extends StoreEngine> engineClass() {
        return TableStoreEngine.class;
    }
}
