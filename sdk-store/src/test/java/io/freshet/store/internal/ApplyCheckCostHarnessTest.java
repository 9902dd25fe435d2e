package io.freshet.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowStore;
import io.freshet.store.internal.table.TableStore;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apply-cost harness measures what it says: its "off" batches really skip the checks (a store killed after one
 * is refused, where one killed after an "on" batch recovers), the switch is back on after every batch, and a small
 * run reports every figure. No timing is asserted.
 */
class ApplyCheckCostHarnessTest {
    @TempDir
    Path dir;

    @AfterEach
    void checksOnAgain() {
        ApplyChecks.enabled = true;
    }

    private static StoreConfig config(Path store, boolean text) {
        return config(store, text, false);
    }

    private static StoreConfig config(Path store, boolean text, boolean rowChecks) {
        StoreConfig.Builder b = StoreConfig.builder(text ? ApplyCheckCostHarness.TEXT_SET
            : ApplyCheckCostHarness.LONG_SET).directory(store).capacity(2_000).shards(1).rowChecks(rowChecks);
        return (text ? b.maxKeyBytes(24) : b).build();
    }

    @Test
    void aStoreKilledAfterABatchWithoutChecksIsRefusedAndOneWithChecksRecovers() {
        for (boolean text : new boolean[] {false, true}) {
            Path off = dir.resolve("off-" + text);
            ApplyCheckCostHarness h = new ApplyCheckCostHarness(off, 2_000, text);
            h.batch(0);
            assertThat(ApplyChecks.enabled).as("on again after the batch").isTrue();
            KilledWriter.abandonAsIfKilled(h.store());
            h.rowStore().close();
            StoreException e = null;
            try (RowStore s = TableStore.open(config(off, text))) {
                assertThat(s.openState()).as("opened a store applied without checks").isNull();
            } catch (StoreException refused) {
                e = refused;
            }
            assertThat(e).isNotNull();
            assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
            assertThat(e.getMessage()).contains("fails its check");

            Path on = dir.resolve("on-" + text);
            h = new ApplyCheckCostHarness(on, 2_000, text);
            h.batch(1);
            h.batch(2);
            KilledWriter.abandonAsIfKilled(h.store());
            KilledWriter.abandonAsIfKilled(h.rowStore());
            try (RowStore s = TableStore.open(config(on, text))) {
                assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
                assertThat(s.size()).isEqualTo(2_000);
            }
            // The store with row checks, killed after a batch: every row passes its check.
            try (RowStore s = TableStore.open(config(on.resolveSibling(on.getFileName() + "-rows"), text, true))) {
                assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
                assertThat(s.size()).isEqualTo(2_000);
            }
        }
    }

    @Test
    void aShortRunReportsEveryFigure() {
        ApplyCheckCostHarness h = new ApplyCheckCostHarness(dir.resolve("run"), 2_000, "payment", false);
        double[][] ns = h.run(4);
        h.close();
        for (double[] mode : ns) {
            assertThat(mode).hasSize(4);
            for (double t : mode) {
                assertThat(t).isPositive();
            }
        }
        assertThat(ApplyCheckCostHarness.report(ns)).contains("on-off median").contains("rows - on median");
    }
}
