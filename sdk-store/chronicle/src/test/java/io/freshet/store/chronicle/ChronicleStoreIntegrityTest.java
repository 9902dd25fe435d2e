package io.freshet.store.chronicle;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractStoreIntegrityTest;

/** The Chronicle Map engine passes the integrity battery unchanged. */
class ChronicleStoreIntegrityTest extends AbstractStoreIntegrityTest {
    @Override
    protected StoreEngine engine() {
        return new ChronicleStoreEngine();
    }
}
