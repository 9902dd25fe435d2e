package io.freshet.benchmarks;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
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
 *   java -jar benchmarks/target/benchmarks.jar SpreadKindBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 *
 * Compare spread=none and spread=variance of one method in the same run: the ratio is what the two features cost.
 */

/**
 * What VARIANCE and STDDEV (issue 19 point 2) add to the kernels, on one row of the {@link PaymentFeatures} set as
 * {@link CoreKernelBenchmark} measures it: {@code spread=none} is that set, {@code spread=variance} the same set plus a
 * windowed stddev of the amount over 1 h (30 tiles, with suffixes) and a lifetime variance. {@code apply} is prepare
 * plus apply of one event (a Welford update per feature, and on a tile change the suffix merges); {@code read} is a
 * read of every feature (the windowed stddev merges two accumulators). Both must stay at 0 B/op.
 *
 * <p>Single-threaded, heap rows; the row stays in cache. Not a {@link HotPath} of its own (excluded from the build's
 * smoke run, see benchmarks/pom.xml): {@code CoreKernelBenchmark} guards the kernels; this is the per-kind analysis.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SpreadKindBenchmark {
    static final long KEY = 42;

    static FeatureSet<Payment> set(String spread) {
        switch (spread) {
            case "none":
                return PaymentFeatures.featureSet();
            case "variance":
                return PaymentFeatures.featureSet(b -> b
                    .stddev("amount_std_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
                    .variance("amount_var", Payment::amount));
            default:
                throw new IllegalArgumentException("spread=" + spread + ": use none or variance");
        }
    }

    /** A row, an applier and a stream of events moving forward in time. */
    @State(Scope.Thread)
    public static class ApplyState {
        /** Which set. */
        @Param({"none", "variance"})
        public String spread;

        EventPreparer<Payment> preparer;
        RowWriteKernel kernel;
        PreparedEvent prepared;
        PaymentStream stream;
        RowBuffer row;

        /** Builds the set and fills the row so that the windows are full before the first measured apply. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> set = set(spread);
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
        /** Which set. */
        @Param({"none", "variance"})
        public String spread;

        FeatureReader reader;
        FeatureVector vector;
        FeatureRef ratio;

        /** Fills the store's row through the applier and checks that the read sees it. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> set = set(spread);
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
            if (!reader.read(KEY, vector) || !vector.isPresent(ratio)
                || ("variance".equals(spread) && !(vector.getDouble(set.ref("amount_std_1h")) > 0))) {
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
        bh.consume(s.vector.getDouble(s.ratio));
        return found;
    }
}
