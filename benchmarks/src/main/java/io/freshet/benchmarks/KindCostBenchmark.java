package io.freshet.benchmarks;

import io.freshet.core.Categories;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureSetBuilder;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.Quantile;
import io.freshet.core.Window;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
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
 * Run (after `mvn -ntp -q package -pl benchmarks -am -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar KindCostBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s \
 *       -prof gc
 *
 * Goal (issue 19): apply and read of a set with each aggregation kind of issue 19 allocate nothing (0 B/op; the CI
 * smoke checks every variant), and what each kind adds to the same row, measured in the same run.
 */

/**
 * What each aggregation kind of issue 19 adds to the apply and the read of the 16-feature {@link PaymentFeatures}
 * set, in one run: {@code kind} is {@code none} (the set itself), or the set plus a windowed stddev and a lifetime
 * variance, a p90 of amount over 1 h, the 3 most frequent merchants over 1 h (30 tiles of 12 counters, merchants
 * uniform over a few thousand ids: every event of a full tile evicts, every read merges 360 counters, the worst
 * case), or a latest category (one-hot) and last-5 categories stored as dictionary ids, or the same two as 16-byte
 * UTF-8 text. Categories come from the merchant id through a constant table, as a decoder's flyweight would hand them
 * over (no String per event).
 *
 * <p>The read also appends the newest category to a caller-owned builder (when the set has one) and copies the model
 * columns out, what a caller of a categorical set does. Heap rows, single-threaded, the row in cache. Not a
 * {@link HotPath}: {@code CoreKernelBenchmark} guards the set's latency; this is the per-kind comparison.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KindCostBenchmark {
    static final long KEY = 42;
    static final String NONE = "none";
    /** Merchant categories by merchant id; "marketplace" is outside the dictionary; one value is cut to 16 bytes. */
    static final String[] CATEGORIES = {"grocery", "travel", "electronics", "gaming", "fuel", "marketplace",
        "café-restaurant-bar"};

    static String category(Payment p) {
        return CATEGORIES[(int) Math.floorMod(p.merchantId(), (long) CATEGORIES.length)];
    }

    /** @param kind none, variance, quantile, top_k, category_dictionary or category_utf8 */
    static FeatureSet<Payment> set(String kind) {
        Window hour = Window.sliding(Duration.ofHours(1));
        UnaryOperator<FeatureSetBuilder<Payment>> extra;
        switch (kind) {
            case NONE:
                extra = b -> b;
                break;
            case "variance":
                extra = b -> b.stddev("amount_std_1h", Payment::amount, hour).variance("amount_var", Payment::amount);
                break;
            case "quantile":
                extra = b -> b.quantile("p90_amount_1h", Payment::amount, hour.tiles(Duration.ofMinutes(10)),
                    Quantile.of(0.9).relativeError(0.02).range(1, 1e5));
                break;
            case "top_k":
                extra = b -> b.topK("top_merchants_1h", Payment::merchantId, hour, 3);
                break;
            case "category_dictionary":
            case "category_utf8":
                Categories storage = kind.endsWith("utf8") ? Categories.utf8(16)
                    : Categories.of("grocery", "travel", "electronics", "gaming", "fuel", "café-restaurant-bar");
                extra = b -> b.latestCategory("merchant_category", KindCostBenchmark::category,
                    storage.isDictionary() ? storage.oneHot() : storage)
                    .lastNCategories("last_categories", KindCostBenchmark::category, storage, 5);
                break;
            default:
                throw new IllegalArgumentException("kind=" + kind + " is not one of this benchmark's");
        }
        return PaymentFeatures.featureSet(extra);
    }

    /** A heap row, an applier and a stream of events moving forward in time. */
    @State(Scope.Thread)
    public static class ApplyState {
        /** The kind added to the set. */
        @Param({NONE, "variance", "quantile", "top_k", "category_dictionary", "category_utf8"})
        public String kind;

        EventPreparer<Payment> preparer;
        RowWriteKernel kernel;
        PreparedEvent prepared;
        PaymentStream stream;
        RowBuffer row;

        /** Fills the row before the first measured apply. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> set = set(kind);
            preparer = Kernels.newPreparer(set);
            kernel = Kernels.newWriteKernel(set);
            prepared = new PreparedEvent(Kernels.preparedCapacity(set));
            stream = new PaymentStream(KEY, 7);
            row = RowMemory.allocate(RowMemory.HEAP, set.rowSizeBytes()).row();
            CoreInternals.layoutOf(set).initRow(row);
            CoreKernelBenchmark.fill(preparer, kernel, prepared, stream, row);
        }

        int applyNext() {
            stream.advance();
            int r = preparer.prepare(stream.event(), stream.eventTimeMs(), stream.nowMs(), prepared);
            return r < 0 ? r : kernel.apply(prepared, row, stream.nowMs());
        }
    }

    /** A reader over a one-row store filled by ~2.3 h of events, read half a second after the last one. */
    @State(Scope.Thread)
    public static class ReadState {
        /** The kind added to the set. */
        @Param({NONE, "variance", "quantile", "top_k", "category_dictionary", "category_utf8"})
        public String kind;

        FeatureReader reader;
        FeatureVector vector;
        FeatureRef ratio;
        FeatureRef category;
        final StringBuilder text = new StringBuilder(64);
        final double[] model = new double[64];

        /** Fills the store's row and checks that the read sees the added feature. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> set = set(kind);
            SingleRowStore store = new SingleRowStore(CoreInternals.layoutOf(set), KEY, RowMemory.HEAP);
            PaymentStream stream = new PaymentStream(KEY, 11);
            CoreKernelBenchmark.fill(Kernels.newPreparer(set), Kernels.newWriteKernel(set),
                new PreparedEvent(Kernels.preparedCapacity(set)), stream, store.row());
            reader = CoreInternals.newReader(set, store, new ManualClock(stream.nowMs() + 500));
            vector = set.newVector();
            ratio = set.ref("amount_vs_mean_1h");
            category = kind.startsWith("category") ? set.ref("merchant_category") : null;
            FeatureRef added = NONE.equals(kind) ? ratio : set.refs().get(set.refs().size() - 2);
            if (!reader.read(KEY, vector) || !vector.isPresent(ratio) || !vector.isPresent(added)
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
     * A read, the newest category appended to a caller-owned builder (categorical sets), the model columns copied.
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
