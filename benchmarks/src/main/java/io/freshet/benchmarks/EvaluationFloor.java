package io.freshet.benchmarks;

import io.freshet.core.FeatureSet;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowReadKernel;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Run (from the repository root, after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`),
 * under the benchmark lock:
 *
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar EvaluationFloor -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 *   flock /tmp/jmh.lock java -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar \
 *       io.freshet.benchmarks.EvaluationFloor
 *
 * The second form alternates the sides in short rounds in one JVM (LatencyPair's method: the 10th percentile of 201
 * rounds of each side): evaluate vs the frozen bd07917 kernel, and evaluate vs chmGetCopy.
 *
 * Goal (issue 18, point 1 as assigned): the 16 features of PaymentFeatures from a row in cache in <= 60 ns, 0 B/op.
 */

/**
 * The evaluation floor of a served read: {@link RowReadKernel#evaluate} of the 16-feature {@link PaymentFeatures}
 * vector from a row already in cache, with no store, no seqlock and no row copy in the way. Four off-heap rows, each
 * filled by ~2.3 h of its own payment stream (full windows, distinct last-event times, so every read decays anew as a
 * served read of another key does), are evaluated in turn at a read time half a second after the newest event.
 * Beside it: the same rows through {@link BaselineRowReadKernel} (the kernel before issue 18) and a
 * {@code ConcurrentHashMap<Long, double[]>} get plus copy of a precomputed 16-value vector from a map of 1024 keys.
 *
 * <p>Single-threaded; everything stays in the core's caches.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC"})
public class EvaluationFloor {
    /** Rows evaluated in turn (4 x ~2.7 KB: in L1/L2). */
    static final int ROWS = 4;
    /** Keys of the peer's map. */
    static final int MAP_KEYS = 1024;

    /** The filled rows and one vector's arrays, evaluated by both kernels. */
    @State(Scope.Thread)
    public static class Rows {
        RowBuffer[] rows;
        /** Kept reachable: the rows' off-heap memory lives as long as these. */
        RowMemory[] memories;
        long readMs;
        int position;
        RowReadKernel kernel;
        BaselineRowReadKernel baseline;
        long[] bits;
        /** Vector slot of {@code amount_vs_mean_1h}, returned so nothing is dead code. */
        int resultSlot;

        /** Fills the rows through the real kernels and checks that both kernels agree on them bit for bit. */
        @Setup(Level.Trial)
        public void setUp() {
            FeatureSet<Payment> set = PaymentFeatures.featureSet();
            CompiledLayout layout = CoreInternals.compiledLayoutOf(set);
            EventPreparer<Payment> preparer = Kernels.newPreparer(set);
            RowWriteKernel writer = Kernels.newWriteKernel(set);
            PreparedEvent prepared = new PreparedEvent(Kernels.preparedCapacity(set));
            rows = new RowBuffer[ROWS];
            memories = new RowMemory[ROWS];
            long newestMs = 0;
            for (int k = 0; k < ROWS; k++) {
                memories[k] = RowMemory.allocate(RowMemory.OFF_HEAP, layout.rowSizeBytes);
                rows[k] = memories[k].row();
                CoreInternals.layoutOf(set).initRow(rows[k]);
                PaymentStream stream = new PaymentStream(k + 1, 11 + k);
                for (int i = 0; i < CoreKernelBenchmark.FILL_EVENTS + 37 * k; i++) {
                    stream.advance();
                    if (preparer.prepare(stream.event(), stream.eventTimeMs(), stream.nowMs(), prepared) >= 0) {
                        writer.apply(prepared, rows[k], stream.nowMs());
                    }
                }
                newestMs = Math.max(newestMs, stream.nowMs());
            }
            readMs = newestMs + 500;
            bits = new long[layout.vectorWidth];
            kernel = new RowReadKernel(layout, bits, new long[layout.vectorWidth], new int[layout.featureCount]);
            long[] baselineBits = new long[layout.vectorWidth];
            long[] baselineTimes = new long[layout.vectorWidth];
            long[] times = new long[layout.vectorWidth];
            int[] baselineSizes = new int[layout.featureCount];
            int[] sizes = new int[layout.featureCount];
            baseline = new BaselineRowReadKernel(layout, baselineBits, baselineTimes, baselineSizes);
            RowReadKernel check = new RowReadKernel(layout, bits, times, sizes);
            for (int k = 0; k < ROWS; k++) {
                check.evaluate(rows[k], readMs);
                baseline.evaluate(rows[k], readMs);
                if (!Arrays.equals(bits, baselineBits) || !Arrays.equals(times, baselineTimes)
                    || !Arrays.equals(sizes, baselineSizes)) {
                    throw new IllegalStateException("row " + k + ": the kernel and the bd07917 kernel disagree");
                }
            }
            resultSlot = layout.slot[Arrays.asList(layout.names).indexOf("amount_vs_mean_1h")];
        }

        RowBuffer next() {
            return rows[position++ & (ROWS - 1)];
        }
    }

    /** The peer: precomputed 16-value vectors on the heap, keys pre-boxed. */
    @State(Scope.Thread)
    public static class Precomputed {
        ConcurrentHashMap<Long, double[]> map;
        Long[] boxed;
        int position;
        final double[] target = new double[ServedReadBenchmark.PEER_VECTOR_WIDTH];

        /** Fills the map. */
        @Setup(Level.Trial)
        public void setUp() {
            SplittableRandom random = new SplittableRandom(7);
            map = new ConcurrentHashMap<>(MAP_KEYS * 2);
            boxed = new Long[MAP_KEYS];
            for (int i = 0; i < MAP_KEYS; i++) {
                double[] v = new double[ServedReadBenchmark.PEER_VECTOR_WIDTH];
                for (int j = 0; j < v.length; j++) {
                    v[j] = random.nextDouble();
                }
                boxed[i] = (long) random.nextInt(1 << 30);
                map.put(boxed[i], v);
            }
        }
    }

    /**
     * @param s rows and kernel
     * @return one evaluated value
     */
    @Benchmark
    public long evaluate(Rows s) {
        s.kernel.evaluate(s.next(), s.readMs);
        return s.bits[s.resultSlot];
    }

    /**
     * @param s rows and the frozen kernel
     * @return one evaluated value
     */
    @Benchmark
    public long evaluateBaseline(Rows s) {
        s.baseline.evaluate(s.next(), s.readMs);
        return s.bits[s.resultSlot];
    }

    /**
     * @param p the map
     * @return the copied vector
     */
    @Benchmark
    public double[] chmGetCopy(Precomputed p) {
        double[] v = p.map.get(p.boxed[p.position++ & (MAP_KEYS - 1)]);
        System.arraycopy(v, 0, p.target, 0, v.length);
        return p.target;
    }

    /**
     * Alternating rounds in one JVM: evaluate vs the frozen kernel, then evaluate vs the map's get and copy.
     *
     * @param args none
     */
    public static void main(String[] args) {
        EvaluationFloor bench = new EvaluationFloor();
        Rows rows = new Rows();
        rows.setUp();
        Precomputed map = new Precomputed();
        map.setUp();
        LatencyPair.Measurement vsBaseline = new LatencyPair("evaluation.vsBaseline") {
            @Override
            String describe() {
                return "evaluate / evaluateBaseline";
            }

            @Override
            void setUp() {
            }

            @Override
            long subject(int ops) {
                long sink = 0;
                for (int i = 0; i < ops; i++) {
                    sink += bench.evaluate(rows);
                }
                return sink;
            }

            @Override
            long peer(int ops) {
                long sink = 0;
                for (int i = 0; i < ops; i++) {
                    sink += bench.evaluateBaseline(rows);
                }
                return sink;
            }
        }.measure(1);
        LatencyPair.Measurement vsMap = new LatencyPair("evaluation.vsMap") {
            @Override
            String describe() {
                return "evaluate / chmGetCopy";
            }

            @Override
            void setUp() {
            }

            @Override
            long subject(int ops) {
                long sink = 0;
                for (int i = 0; i < ops; i++) {
                    sink += bench.evaluate(rows);
                }
                return sink;
            }

            @Override
            long peer(int ops) {
                long sink = 0;
                for (int i = 0; i < ops; i++) {
                    sink += bench.chmGetCopy(map).length;
                }
                return sink;
            }
        }.measure(1);
        System.out.printf("evaluate %.1f ns / baseline (bd07917) %.1f ns = %.2f (round ratios p25-p75 %.2f-%.2f)%n",
            vsBaseline.subjectNs(), vsBaseline.peerNs(), vsBaseline.ratio(), vsBaseline.roundRatioP25(),
            vsBaseline.roundRatioP75());
        System.out.printf("evaluate %.1f ns / chmGetCopy %.1f ns = %.2f (round ratios p25-p75 %.2f-%.2f)%n",
            vsMap.subjectNs(), vsMap.peerNs(), vsMap.ratio(), vsMap.roundRatioP25(), vsMap.roundRatioP75());
    }
}
