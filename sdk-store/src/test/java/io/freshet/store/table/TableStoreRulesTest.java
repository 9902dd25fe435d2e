package io.freshet.store.table;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractStoreRulesTest;
import io.freshet.store.StoreEngines;

/** The table engine, found by name, follows the store-directory and header rules. */
class TableStoreRulesTest extends AbstractStoreRulesTest {
    @Override
    protected StoreEngine engine() {
        return StoreEngines.byName("table");
    }
}
