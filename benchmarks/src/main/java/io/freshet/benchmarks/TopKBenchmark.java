package io.freshet.benchmarks;

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
 * Run (after `mvn -ntp -q package -pl benchmarks -am -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar TopKBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 *
 * Goal (issue 19 point 4): apply and read of a set with a TOP_K feature allocate nothing (0 B/op), and cost what a
 * summary scan costs over the same set without it, measured in the same run.
 */

/**
 * The {@link CoreKernelBenchmark} apply and read of the 16-feature {@link PaymentFeatures} set, with and without one
 * TOP_K feature added ({@code top_merchants_1h}: the 3 most frequent merchants over 1 h, 30 tiles of 12 counters):
 * the set's merchants are uniform over a few thousand ids, the worst case for space-saving (every event of a full tile
 * evicts, every read merges 360 counters).
 *
 * <p>Single-threaded; the row stays in cache. Not a {@link HotPath} of its own: {@code CoreKernelBenchmark} guards
 * the set without TOP_K; this pair is the comparison.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TopKBenchmark {
    static final long KEY = 42;
    static final String WITHOUT = "without";
    static final String WITH_TOP_K = "with_top_k";

    static FeatureSet<Payment> featureSet(String variant) {
        FeatureSet<Payment> base = PaymentFeatures.featureSet();
        if (WITHOUT.equals(variant)) {
            return base;
        }
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
            .topK("top_merchants_1h", Payment::merchantId, Window.sliding(Duration.ofHours(1)), 3);
        return b.derived("amount_vs_mean_1h", d -> d.ratio("last_amount", "mean_amount_1h")).build();
    }

    /** A row, an applier and a stream of events moving forward in time. */
    @State(Scope.Thread)
    public static class ApplyState {
        /** The set: without or with the TOP_K feature. */
        @Param({WITHOUT, WITH_TOP_K})
        public String variant;

        EventPreparer<Payment> preparer;
        RowWriteKernel kernel;
        PreparedEvent prepared;
        PaymentStream stream;
        RowBuffer row;

        /** Fills the row so that the windows (and every tile's summary) are full before the first measured apply. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> set = featureSet(variant);
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

    /** A reader over a one-row store filled by ~2.3 h of events, read half a second after the last one. */
    @State(Scope.Thread)
    public static class ReadState {
        /** The set: without or with the TOP_K feature. */
        @Param({WITHOUT, WITH_TOP_K})
        public String variant;

        FeatureReader reader;
        FeatureVector vector;
        FeatureRef ratio;

        /** Fills the store's row through the applier and checks that the read sees it. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> set = featureSet(variant);
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
            if (!reader.read(KEY, vector) || !vector.isPresent(ratio)) {
                throw new IllegalStateException("filled row reads wrong: " + vector);
            }
            if (WITH_TOP_K.equals(variant) && vector.size(set.ref("top_merchants_1h")) != 3) {
                throw new IllegalStateException("top-K reads wrong: " + vector);
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
     * @param s state
     * @param bh sink for one evaluated value
     * @return whether the row was found
     */
    @Benchmark
    public boolean read(ReadState s, Blackhole bh) {
        boolean found = s.reader.read(KEY, s.vector);
        bh.consume(s.vector.getDouble(s.ratio));
        return found;
    }
}
