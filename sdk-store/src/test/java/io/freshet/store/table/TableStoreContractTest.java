package io.freshet.store.table;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.TableStoreEngine;

/** The table engine passes the SPI contract unchanged. */
class TableStoreContractTest extends RowStoreContractTest {
    @Override
    protected StoreEngine engine() {
        return new TableStoreEngine();
    }

    @Override
    protected boolean persistent() {
        return true;
    }

    @Override
    protected boolean engineReadsAhead() {
        return true;
    }
}
