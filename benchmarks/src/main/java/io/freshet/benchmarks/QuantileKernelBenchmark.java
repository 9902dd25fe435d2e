package io.freshet.benchmarks;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
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
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar QuantileKernelBenchmark -f 1 -wi 3 -w 1s -i 5 \
 *     -r 1s -prof gc
 *
 * Compare only within one run: `set=quantile` against `set=base` (issue 19 point 3: apply and read of a set with a
 * QUANTILE feature, 0 B/op).
 */

/**
 * The cost of a QUANTILE feature in the core kernels: {@code apply} (prepare + {@link RowWriteKernel#apply}) and
 * {@code read} ({@link FeatureReader#read}: a row-image copy and the evaluation of every feature) of the 16-feature
 * {@link PaymentFeatures} set ({@code set=base}) and of the same set with a p90 of the amount over 1 h in 10-minute
 * tiles at 2% over [1, 1e5] ({@code set=quantile}: 6 sketches of 592 bytes, the demo's feature). The row is filled by
 * ~2.3 h of events so every tile holds values; the read merges the 6 tiles from the top. Heap rows, single-threaded.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class QuantileKernelBenchmark {
    static final long KEY = 42;

    static FeatureSet<Payment> featureSet(String variant) {
        if ("base".equals(variant)) {
            return PaymentFeatures.featureSet();
        }
        return FeatureSet.builder("user_payments", Payment.class)
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
            .derived("amount_vs_mean_1h", d -> d.ratio("last_amount", "mean_amount_1h"))
            .quantile("p90_amount_1h", Payment::amount,
                Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(10)),
                Quantile.of(0.9).relativeError(0.02).range(1, 1e5))
            .build();
    }

    /** A heap row, an applier and a stream of events moving forward in time. */
    @State(Scope.Thread)
    public static class ApplyState {
        /** {@code base}: PaymentFeatures; {@code quantile}: the same plus p90_amount_1h. */
        @Param({"base", "quantile"})
        public String set;

        EventPreparer<Payment> preparer;
        RowWriteKernel kernel;
        PreparedEvent prepared;
        PaymentStream stream;
        RowBuffer row;

        /** Builds the set and fills the row. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> s = featureSet(set);
            preparer = Kernels.newPreparer(s);
            kernel = Kernels.newWriteKernel(s);
            prepared = new PreparedEvent(Kernels.preparedCapacity(s));
            stream = new PaymentStream(KEY, 7);
            row = RowBuffer.allocateHeap(s.rowSizeBytes());
            CoreInternals.layoutOf(s).initRow(row);
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
        /** {@code base}: PaymentFeatures; {@code quantile}: the same plus p90_amount_1h. */
        @Param({"base", "quantile"})
        public String set;

        FeatureReader reader;
        FeatureVector vector;
        FeatureRef value;

        /** Fills the store's row through the applier and checks that the read sees the quantile. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> s = featureSet(set);
            SingleRowStore store = new SingleRowStore(CoreInternals.layoutOf(s), KEY, RowMemory.HEAP);
            EventPreparer<Payment> preparer = Kernels.newPreparer(s);
            RowWriteKernel kernel = Kernels.newWriteKernel(s);
            PreparedEvent prepared = new PreparedEvent(Kernels.preparedCapacity(s));
            PaymentStream stream = new PaymentStream(KEY, 11);
            for (int i = 0; i < CoreKernelBenchmark.FILL_EVENTS; i++) {
                stream.advance();
                if (preparer.prepare(stream.event(), stream.eventTimeMs(), stream.nowMs(), prepared) >= 0) {
                    kernel.apply(prepared, store.row(), stream.nowMs());
                }
            }
            reader = CoreInternals.newReader(s, store, new ManualClock(stream.nowMs() + 500));
            vector = s.newVector();
            value = s.ref("base".equals(set) ? "amount_vs_mean_1h" : "p90_amount_1h");
            if (!reader.read(KEY, vector) || !vector.isPresent(value)) {
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
     * @param s state
     * @param bh sink for one evaluated value
     * @return whether the row was found
     */
    @Benchmark
    public boolean read(ReadState s, Blackhole bh) {
        boolean found = s.reader.read(KEY, s.vector);
        bh.consume(s.vector.getDouble(s.value));
        return found;
    }
}
