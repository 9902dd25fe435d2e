package io.freshet.store.chronicle;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractStoreRulesTest;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.StoreEngines;
import io.freshet.store.chronicle.internal.ChronicleRowStore;
import org.junit.jupiter.api.Test;

/**
 * The Chronicle Map engine, found by name (through the service registration), follows the store-directory and header
 * rules; and its full-store metric.
 */
class ChronicleStoreRulesTest extends AbstractStoreRulesTest {
    @Override
    protected StoreEngine engine() {
        return StoreEngines.byName("chronicle");
    }

    @Test
    void aFullChronicleStoreCountsItsRefusals() {
        try (RowStore s = StoreEngines.byName("chronicle").open(StoreConfig.builder(
            RowStoreContractTest.SET).directory(tmp.resolve("full")).capacity(64).shards(1).build())) {
            ShardWriter w = s.writer(0);
            int refused = 0;
            for (long k = 0; k < 10_000 && refused < 3; k++) {
                if (w.begin(k, ShardWriter.NO_SOURCE, 0, 0) == ShardWriter.BEGIN_FULL) {
                    refused++;
                } else {
                    w.commit();
                }
            }
            assertThat(refused).isEqualTo(3);
            assertThat(((ChronicleRowStore) s).fullRefusals()).isEqualTo(3);
        }
    }
}
