package io.freshet.store.internal;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.internal.table.TableStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/*
 * Run (from the repository root, after `mvn -ntp -q package -pl sdk-store -am -DskipTests`), under the benchmark lock:
 *
 *   CP=sdk-store/target/test-classes:sdk-store/target/classes
 *   CP=$CP:sdk-core/target/freshet-core-0.1.0-SNAPSHOT.jar
 *   flock /tmp/jmh.lock java -Xmx4g -XX:+UseParallelGC -cp $CP \
 *       io.freshet.store.internal.RowCheckRecoveryHarness 1000000 9 long
 *
 * Arguments: keys, rounds, kind (long: 144-byte rows | payment: the 16-feature PaymentFeatures row).
 */

/**
 * What {@code StoreConfig.rowChecks} adds to the open of a killed store (the recovery verifies every row's check word
 * in the same slot-order pass that checks each key against its index tag): two stores of the same rows on
 * {@code /dev/shm} (table engine, 4 shards, full at {@code keys}), one without row checks and one with, each left as
 * a kill leaves it and reopened, in alternating order, {@code rounds} times. Reported: the median open wall time of
 * each and the median per-round difference. Nothing is asserted: timings are for people to read.
 */
public final class RowCheckRecoveryHarness {
    private RowCheckRecoveryHarness() {
    }

    private static StoreConfig config(Path dir, int keys, String kind, boolean rowChecks) {
        return StoreConfig.builder("payment".equals(kind) ? ApplyCheckCostHarness.PAYMENT_SET
            : ApplyCheckCostHarness.LONG_SET).directory(dir).capacity(keys).shards(4).growth(StoreGrowth.disabled())
            .rowChecks(rowChecks).build();
    }

    private static void fill(RowStore s, int keys) {
        for (long k = 1; k <= keys; k++) {
            long key = k * 0x9E37_79B9L;
            ShardWriter w = s.writer(s.shardOf(key));
            if (w.begin(key, ShardWriter.NO_SOURCE, 0, 0) != ShardWriter.BEGIN_OK) {
                throw new IllegalStateException("begin refused key " + key);
            }
            w.row().putLong(24, k);
            w.commit();
        }
    }

    /** @return the wall time of the reopen of a killed store, in ms (and leaves it killed again) */
    private static double reopen(StoreConfig c) {
        long t0 = System.nanoTime();
        RowStore s = TableStore.open(c);
        double ms = (System.nanoTime() - t0) / 1e6;
        if (s.openState() != StoreOpenState.RECOVERED) {
            throw new IllegalStateException("opened " + s.openState());
        }
        KilledWriter.abandonAsIfKilled(s);
        return ms;
    }

    /**
     * @param args keys, rounds, kind
     * @throws IOException when a store directory cannot be removed
     */
    public static void main(String[] args) throws IOException {
        int keys = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        String kind = args.length > 2 ? args[2] : "long";
        Path base = Path.of("/dev/shm", "freshet-rowcheck-recovery-" + ProcessHandle.current().pid());
        StoreConfig plain = config(base.resolve("plain"), keys, kind, false);
        StoreConfig rows = config(base.resolve("rows"), keys, kind, true);
        try {
            for (StoreConfig c : new StoreConfig[] {plain, rows}) {
                RowStore s = TableStore.open(c);
                fill(s, keys);
                KilledWriter.abandonAsIfKilled(s);
            }
            // A warm-up reopen of each, then alternating measured ones.
            reopen(plain);
            reopen(rows);
            double[] off = new double[rounds];
            double[] on = new double[rounds];
            double[] diff = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                if (r % 2 == 0) {
                    off[r] = reopen(plain);
                    on[r] = reopen(rows);
                } else {
                    on[r] = reopen(rows);
                    off[r] = reopen(plain);
                }
                diff[r] = on[r] - off[r];
            }
            System.out.printf("keys=%d %s rows (rowBytes=%d), 4 shards, %d rounds, JDK %d, %d cores: open of a killed "
                + "store, median ms: without row checks %.1f, with %.1f; per-round difference median %.1f "
                + "(min %.1f, max %.1f)%n", keys, kind, plain.layout().rowSizeBytes(), rounds,
                Runtime.version().feature(), Runtime.getRuntime().availableProcessors(), ApplyCheckCostHarness
                    .percentile(off, .5), ApplyCheckCostHarness.percentile(on, .5), ApplyCheckCostHarness.percentile(
                    diff, .5), Arrays.stream(diff).min().orElse(0), Arrays.stream(diff).max().orElse(0));
        } finally {
            ApplyCheckCostHarness.deleteRecursively(base);
        }
    }
}
