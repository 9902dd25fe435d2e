package io.freshet.store.table;

import io.freshet.core.spi.StoreEngine;
import io.freshet.store.AbstractCrashBatteryTest;
import io.freshet.store.TableStoreEngine;
import org.junit.jupiter.api.Test;

/**
 * The crash battery on the table engine: children SIGKILLed at random moments lose and double nothing, also with
 * deletes in the stream.
 */
class TableCrashBatteryTest extends AbstractCrashBatteryTest {
    @Override
    protected Class<? extends StoreEngine> engineClass() {
        return TableStoreEngine.class;
    }

    /**
     * One record in eight is a tombstone of a recently applied key: a kill during a delete either keeps it with its
     * offset or rolls both back (the row re-inserted from its undo image), so each delete happens exactly once.
     */
    @Test
    void killedAtRandomMomentsWithTombstonesItLosesAndDoublesNothing() throws Exception {
        runBattery(Integer.getInteger("freshet.crash.deleteCycles", 6), 0xDE1E7EL, 8);
    }
}
