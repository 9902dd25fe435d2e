package io.freshet.store.chronicle;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.RowStoreContractTest;

/** The Chronicle Map engine passes the SPI contract unchanged. */
class ChronicleRowStoreContractTest extends RowStoreContractTest {
    @Override
    protected StoreEngine engine() {
        return new ChronicleStoreEngine();
    }

    @Override
    protected boolean persistent() {
        return true;
    }
}
