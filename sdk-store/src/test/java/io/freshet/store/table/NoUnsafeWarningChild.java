package io.freshet.store.table;

import io.freshet.core.FeatureTestDriver;
import io.freshet.core.FeatureVector;
import io.freshet.core.StoreConfig;
import io.freshet.core.internal.Memory;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.testing.TestApplier;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.RowStoreContractTest.Ev;
import io.freshet.store.TableStoreEngine;
import java.nio.file.Path;

/**
 * The default path of a JVM without any flag, for {@link NoUnsafeWarningTest}: a table store created, applied to,
 * read, closed and reopened, the rows resized into a second store, and a feature set run on its test driver. Prints
 * the memory implementation it used and exits non-zero when a value is wrong.
 */
public final class NoUnsafeWarningChild {
    private static final long T0 = 1_700_000_000_000L;

    private NoUnsafeWarningChild() {
    }

    /**
     * @param args the directory to create the store in
     */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        StoreConfig c = StoreConfig.builder(RowStoreContractTest.SET).directory(dir.resolve("s")).capacity(1000)
            .shards(2).build();
        TestApplier<Ev> applier = TestApplier.of(RowStoreContractTest.SET);
        RowBuffer row = RowBuffer.allocateHeap(RowStoreContractTest.SET.rowSizeBytes());
        try (RowStore s = new TableStoreEngine().open(c)) {
            int topic = s.topicIndex("events");
            for (long k = 0; k < 200; k++) {
                ShardWriter w = s.writer(s.shardOf(k));
                check(w.begin(k, topic, 0, k) == ShardWriter.BEGIN_OK, "begin " + k);
                applier.apply(new Ev(k, null, T0, 1), T0, w.row(), T0);
                w.commit();
            }
            for (long k = 0; k < 200; k++) {
                check(s.readRow(k, row), "read " + k);
            }
        }
        try (RowStore s = new TableStoreEngine().open(c)) {
            check(s.size() == 200, "size after reopen " + s.size());
            check(s.readRow(7, row) && !s.readRow(700, row), "read after reopen");
        }
        FeatureTestDriver<Ev> driver = FeatureTestDriver.create(RowStoreContractTest.SET, T0);
        driver.pipe(new Ev(42, null, T0, 2));
        FeatureVector v = driver.read(42);
        check(v.getLong(RowStoreContractTest.SET.ref("c0")) == 1, "driver count");
        System.out.println("memory=" + Memory.MEMORY.name());
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.out.println("failed: " + what);
            System.exit(2);
        }
    }
}
