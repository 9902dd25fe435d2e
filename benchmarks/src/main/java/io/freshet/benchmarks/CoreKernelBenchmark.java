package io.freshet.benchmarks;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowBuffer;
import java.util.concurrent.ConcurrentHashMap;
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
 *   java -jar benchmarks/target/benchmarks.jar CoreKernelBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc
 *
 * Goals (issue: core kernels): apply <= 200 ns/op, read <= 100 ns/op, both 0 B/op (gc.alloc.rate.norm).
 */

/**
 * The core kernels on one row of the 16-feature {@link PaymentFeatures} set, with no store engine in the way:
 * {@code apply} is {@link EventPreparer#prepare} then {@link RowWriteKernel#apply} of one event (extractors,
 * filters, tile rotation, every kernel), and
 * {@code read} is {@link FeatureReader#read} of the row (one row-image copy, as every engine makes, then the
 * evaluation of all 16 features at the read clock). Each runs on a heap row and on an off-heap row. A
 * {@code ConcurrentHashMap<Long, long[]>} get plus a copy of a row of the same size runs beside them, for scale.
 *
 * <p>Single-threaded; the row stays in cache, so these are the kernels' own costs, not a store's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CoreKernelBenchmark {
    /** The key of the benchmarked row. */
    static final long KEY = 42;
    /** Events applied before a measurement, so that every window is full: ~2.3 h of events at one per second. */
    static final int FILL_EVENTS = 2 * PaymentStream.SIZE;

    /**
     * Applies {@link #FILL_EVENTS} events of the stream to the row (prepare, then apply unless rejected): the same
     * fill before apply and read, here and in {@code KindCostBenchmark}, so windows and summaries are full.
     */
    static void fill(EventPreparer<Payment> preparer, RowWriteKernel kernel, PreparedEvent prepared,
        PaymentStream stream, RowBuffer row) {
        for (int i = 0; i < FILL_EVENTS; i++) {
            stream.advance();
            if (preparer.prepare(stream.event(), stream.eventTimeMs(), stream.nowMs(), prepared) >= 0) {
                kernel.apply(prepared, row, stream.nowMs());
            }
        }
    }

    /** A row, an applier and a stream of events moving forward in time. */
    @State(Scope.Thread)
    public static class ApplyState {
        /** Where the row lives. */
        @Param({RowMemory.HEAP, RowMemory.OFF_HEAP})
        public String memory;

        EventPreparer<Payment> preparer;
        RowWriteKernel kernel;
        PreparedEvent prepared;
        PaymentStream stream;
        RowMemory rowMemory;
        RowBuffer row;

        /** Builds the set and fills the row so that the windows are full before the first measured apply. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> set = PaymentFeatures.featureSet();
            preparer = Kernels.newPreparer(set);
            kernel = Kernels.newWriteKernel(set);
            prepared = new PreparedEvent(Kernels.preparedCapacity(set));
            stream = new PaymentStream(KEY, 7);
            rowMemory = RowMemory.allocate(memory, set.rowSizeBytes());
            row = rowMemory.row();
            CoreInternals.layoutOf(set).initRow(row);
            fill(preparer, kernel, prepared, stream, row);
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
        /** Where the store's row lives (the vector's copy is always on the heap). */
        @Param({RowMemory.HEAP, RowMemory.OFF_HEAP})
        public String memory;

        FeatureReader reader;
        FeatureVector vector;
        FeatureRef ratio;

        /** Fills the store's row through the applier and checks that the read sees it. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> set = PaymentFeatures.featureSet();
            SingleRowStore store = new SingleRowStore(CoreInternals.layoutOf(set), KEY, memory);
            PaymentStream stream = new PaymentStream(KEY, 11);
            fill(Kernels.newPreparer(set), Kernels.newWriteKernel(set),
                new PreparedEvent(Kernels.preparedCapacity(set)), stream, store.row());
            reader = CoreInternals.newReader(set, store, new ManualClock(stream.nowMs() + 500));
            vector = set.newVector();
            ratio = set.ref("amount_vs_mean_1h");
            if (!reader.read(KEY, vector) || !vector.isPresent(ratio)
                || vector.getLong(set.ref("txn_5m")) <= 0) {
                throw new IllegalStateException("filled row reads wrong: " + vector);
            }
        }
    }

    /** The baseline map: 1024 rows of the same size as the feature row; the measured key is pre-boxed. */
    @State(Scope.Thread)
    public static class MapState {
        static final int KEYS = 1024;

        ConcurrentHashMap<Long, long[]> map;
        Long key;
        long[] target;

        /** Fills the map. */
        @Setup(Level.Trial)
        public void setUp() {
            int rowLongs = PaymentFeatures.featureSet().rowSizeBytes() / Long.BYTES;
            map = new ConcurrentHashMap<>();
            for (long k = 0; k < KEYS; k++) {
                long[] row = new long[rowLongs];
                row[0] = k;
                map.put(k, row);
            }
            key = KEY;
            target = new long[rowLongs];
        }
    }

    /**
     * @param s state
     * @return the applier's result code
     */
    @Benchmark
    @HotPath("per event, on the applier thread")
    public int apply(ApplyState s) {
        return s.applyNext();
    }

    /**
     * @param s state
     * @param bh sink for one evaluated value
     * @return whether the row was found
     */
    @Benchmark
    @HotPath("per model request, on the serving thread")
    public boolean read(ReadState s, Blackhole bh) {
        boolean found = s.reader.read(KEY, s.vector);
        bh.consume(s.vector.getDouble(s.ratio));
        return found;
    }

    /**
     * @param s state
     * @return the copied row
     */
    @Benchmark
    public long[] chmGetCopy(MapState s) {
        long[] row = s.map.get(s.key);
        System.arraycopy(row, 0, s.target, 0, row.length);
        return s.target;
    }

    /**
     * The on-heap peer of {@link #apply}: get of a pre-boxed key plus four counters incremented in place (the update
     * of {@code StoreBenchmark}'s {@code chm} baseline), what a map of plain counters costs per event. The latency
     * guard ({@link LatencyGuard}) runs {@code apply} beside it.
     *
     * @param s state
     * @return one updated counter
     */
    @Benchmark
    public long chmUpdate(MapState s) {
        long[] row = s.map.get(s.key);
        row[1]++;
        row[2]++;
        row[3]++;
        row[4]++;
        return row[1];
    }
}
