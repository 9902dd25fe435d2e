package io.freshet.store;

import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.StoreEngine;

/** The reference heap engine passes the contract too (persistence cases skipped). */
class InMemoryRowStoreContractTest extends RowStoreContractTest {
    @Override
    protected StoreEngine engine() {
        return new StoreEngine() {
            @Override
            public String name() {
                return "memory";
            }

            @Override
            public io.freshet.core.spi.RowStore open(io.freshet.core.StoreConfig config) {
                return new InMemoryRowStore(config);
            }

            @Override
            public void destroy(io.freshet.core.StoreConfig config) {
                // Heap stores: nothing on disk to delete.
            }
        };
    }

    @Override
    protected boolean persistent() {
        return false;
    }
}
