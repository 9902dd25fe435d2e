package io.freshet.benchmarks;

import io.freshet.core.Categories;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureSetBuilder;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.Window;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/*
 * Run (from the repository root, after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar CategoryKernelBenchmark -f 1 -wi 3 -w 1s -i 5 \
 *       -r 1s -prof gc
 *
 * Goal (issue 19 point 1): apply and read of a set with categorical features at 0 B/op, compared with the same set
 * without them in the same run.
 */

/**
 * Apply and read of {@link PaymentFeatures}' 16 features, plus (by {@code categories}) nothing, or a latest category
 * and last-5 categories stored as dictionary ids (one-hot), or the same stored as 16-byte UTF-8 text. The
 * categories come from the merchant id through a constant table, as a decoder's flyweight would hand them over (no
 * String per event). The read appends the newest category to a caller-owned builder. Heap rows, single-threaded.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CategoryKernelBenchmark {
    static final long KEY = 42;
    /** Merchant categories by merchant id; "marketplace" is outside the dictionary; one value is cut to 16 bytes. */
    static final String[] CATEGORIES = {"grocery", "travel", "electronics", "gaming", "fuel", "marketplace",
        "café-restaurant-bar"};

    static String category(Payment p) {
        return CATEGORIES[(int) Math.floorMod(p.merchantId(), (long) CATEGORIES.length)];
    }

    /** @param categories none, dictionary or utf8 */
    static FeatureSet<Payment> set(String categories) {
        FeatureSetBuilder<Payment> b = FeatureSet.builder("user_payments", Payment.class)
            .entity("user", Payment::userId)
            .eventTime(Payment::timeMs)
            .latest("last_amount", Payment::amount)
            .count("txn_5m", Window.sliding(Duration.ofMinutes(5)))
            .sum("amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
            .max("max_amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
            .mean("mean_amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
            .count("txn_total")
            .sum("amount_total", Payment::amount)
            .min("min_amount", Payment::amount)
            .max("max_amount", Payment::amount)
            .mean("mean_amount", Payment::amount)
            .firstSeen("first_seen")
            .lastSeen("last_seen")
            .decayedCount("txn_decayed_1h", Duration.ofHours(1))
            .decayedSum("amount_decayed_1h", Payment::amount, Duration.ofHours(1))
            .lastN("last_merchants", Payment::merchantId, 5)
            .derived("amount_vs_mean_1h", d -> d.ratio("last_amount", "mean_amount_1h"));
        if (!"none".equals(categories)) {
            Categories storage = "utf8".equals(categories) ? Categories.utf8(16)
                : Categories.of("grocery", "travel", "electronics", "gaming", "fuel", "café-restaurant-bar");
            b.latestCategory("merchant_category", CategoryKernelBenchmark::category,
                storage.isDictionary() ? storage.oneHot() : storage)
                .lastNCategories("last_categories", CategoryKernelBenchmark::category, storage, 5);
        }
        return b.build();
    }

    /** A row and a stream of events moving forward in time. */
    @State(Scope.Thread)
    public static class ApplyState {
        /** The categorical features added to the set. */
        @Param({"none", "dictionary", "utf8"})
        public String categories;

        EventPreparer<Payment> preparer;
        RowWriteKernel kernel;
        PreparedEvent prepared;
        PaymentStream stream;
        RowBuffer row;

        /** Builds the set and fills the row. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> set = set(categories);
            preparer = Kernels.newPreparer(set);
            kernel = Kernels.newWriteKernel(set);
            prepared = new PreparedEvent(Kernels.preparedCapacity(set));
            stream = new PaymentStream(KEY, 7);
            row = RowMemory.allocate(RowMemory.HEAP, set.rowSizeBytes()).row();
            CoreInternals.layoutOf(set).initRow(row);
            for (int i = 0; i < CoreKernelBenchmark.FILL_EVENTS; i++) {
                applyNext();
            }
        }

        int applyNext() {
            stream.advance();
            int r = preparer.prepare(stream.event(), stream.eventTimeMs(), stream.nowMs(), prepared);
            return r < 0 ? r : kernel.apply(prepared, row, stream.nowMs());
        }
    }

    /** A reader over a one-row store filled by ~2.3 h of events. */
    @State(Scope.Thread)
    public static class ReadState {
        /** The categorical features added to the set. */
        @Param({"none", "dictionary", "utf8"})
        public String categories;

        FeatureReader reader;
        FeatureVector vector;
        FeatureRef ratio;
        FeatureRef category;
        final StringBuilder text = new StringBuilder(64);
        final double[] model = new double[64];

        /** Fills the store's row and checks that the read sees it. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> set = set(categories);
            SingleRowStore store = new SingleRowStore(CoreInternals.layoutOf(set), KEY, RowMemory.HEAP);
            EventPreparer<Payment> preparer = Kernels.newPreparer(set);
            RowWriteKernel kernel = Kernels.newWriteKernel(set);
            PreparedEvent prepared = new PreparedEvent(Kernels.preparedCapacity(set));
            PaymentStream stream = new PaymentStream(KEY, 11);
            for (int i = 0; i < CoreKernelBenchmark.FILL_EVENTS; i++) {
                stream.advance();
                if (preparer.prepare(stream.event(), stream.eventTimeMs(), stream.nowMs(), prepared) >= 0) {
                    kernel.apply(prepared, store.row(), stream.nowMs());
                }
            }
            reader = CoreInternals.newReader(set, store, new ManualClock(stream.nowMs() + 500));
            vector = set.newVector();
            ratio = set.ref("amount_vs_mean_1h");
            category = "none".equals(categories) ? null : set.ref("merchant_category");
            if (!reader.read(KEY, vector) || !vector.isPresent(ratio)
                || category != null && !vector.category(category, text)) {
                throw new IllegalStateException("filled row reads wrong: " + vector);
            }
        }
    }

    /**
     * @param s state
     * @return the applier's result code
     */
    @Benchmark
    public int apply(ApplyState s) {
        return s.applyNext();
    }

    /**
     * A read, the newest category appended to a caller-owned builder, and the model columns copied out.
     *
     * @param s state
     * @param bh sink
     * @return whether the row was found
     */
    @Benchmark
    public boolean read(ReadState s, Blackhole bh) {
        boolean found = s.reader.read(KEY, s.vector);
        bh.consume(s.vector.getDouble(s.ratio));
        if (s.category != null) {
            s.text.setLength(0);
            s.vector.category(s.category, s.text);
            bh.consume(s.text.length());
        }
        s.vector.copyTo(s.model);
        bh.consume(s.model[0]);
        return found;
    }
}
