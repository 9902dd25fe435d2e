package io.freshet.benchmarks;

import io.freshet.core.FeatureSet;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.CompiledLayout;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowBuffer;

/*
 * Run (from the repository root, after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`),
 * under the benchmark lock:
 *
 *   flock /tmp/jmh.lock java -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar io.freshet.benchmarks.ApplyFloor
 *
 * It alternates the sides in short rounds in one JVM (LatencyPair's method: the 10th percentile of 201 rounds of each
 * side), which is what holds on a loaded 2-core machine: apply vs prepare alone (the consumer thread's half, so the
 * kernel's own share is apply - prepare), and apply vs the on-heap update of CoreKernelBenchmark.chmUpdate. (The
 * frozen 1badfd0 apply it was also timed against for issue 18 point 5 is gone: RESULTS.md keeps those figures, and
 * the frozen kernel that proves the bytes unchanged is RowWriteKernelEquivalenceTest's.) Not a JMH class, so the CI
 * smoke does not run it: the same apply's allocation is CoreKernelBenchmark.apply's (memory=offheap), which the smoke
 * checks.
 *
 * Goal (issue 18, point 5): apply of one event to the 16-feature row with the row in cache <= 120 ns, 0 B/op.
 */

/**
 * The apply floor: {@link EventPreparer#prepare} then {@link RowWriteKernel#apply} of one event of a
 * {@link PaymentStream} to the 16-feature {@link PaymentFeatures} row in cache (off heap, as a store's row is), beside
 * {@code prepare} alone and the on-heap peer of {@link CoreKernelBenchmark#chmUpdate}.
 *
 * <p>Single-threaded; the rows stay in the core's caches.
 */
public final class ApplyFloor {
    private ApplyFloor() {
    }

    /** The row and the streams of both sides, each side fed its own copy of the same stream. */
    static final class Rows {
        EventPreparer<Payment> preparer;
        RowWriteKernel kernel;
        PreparedEvent prepared;
        PaymentStream stream;
        RowBuffer row;
        PaymentStream prepareStream;
        /** Kept reachable: the rows' off-heap memory lives as long as these. */
        RowMemory[] memories;

        /** Fills the row with ~2.3 h of events. */
        void setUp() {
            FeatureSet<Payment> set = PaymentFeatures.featureSet();
            CompiledLayout layout = CoreInternals.compiledLayoutOf(set);
            preparer = Kernels.newPreparer(set);
            kernel = Kernels.newWriteKernel(set);
            prepared = new PreparedEvent(Kernels.preparedCapacity(set));
            memories = new RowMemory[] {RowMemory.allocate(RowMemory.OFF_HEAP, layout.rowSizeBytes)};
            row = memories[0].row();
            CoreInternals.layoutOf(set).initRow(row);
            stream = new PaymentStream(CoreKernelBenchmark.KEY, 7);
            prepareStream = new PaymentStream(CoreKernelBenchmark.KEY, 7);
            for (int i = 0; i < CoreKernelBenchmark.FILL_EVENTS; i++) {
                apply();
            }
        }

        int apply() {
            stream.advance();
            int r = preparer.prepare(stream.event(), stream.eventTimeMs(), stream.nowMs(), prepared);
            return r < 0 ? r : kernel.apply(prepared, row, stream.nowMs());
        }

        int prepare() {
            prepareStream.advance();
            return preparer.prepare(prepareStream.event(), prepareStream.eventTimeMs(), prepareStream.nowMs(),
                prepared);
        }
    }

    /**
     * Alternating rounds in one JVM: apply vs prepare alone, and vs the on-heap update.
     *
     * @param args optional: repetitions of the two pairs (3)
     */
    public static void main(String[] args) {
        Rows rows = new Rows();
        rows.setUp();
        CoreKernelBenchmark.MapState map = new CoreKernelBenchmark.MapState();
        map.setUp();
        CoreKernelBenchmark peers = new CoreKernelBenchmark();
        // The first repetition also warms up the JIT on a loaded machine: read the later ones.
        int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        for (int rep = 1; rep <= repetitions; rep++) {
            System.out.printf("repetition %d of %d%n", rep, repetitions);
            LatencyPair.Measurement vsPrepare = pair("apply.vsPrepare", rows, ops -> {
                long sink = 0;
                for (int i = 0; i < ops; i++) {
                    sink += rows.prepare();
                }
                return sink;
            });
            LatencyPair.Measurement vsMap = pair("apply.vsMap", rows, ops -> {
                long sink = 0;
                for (int i = 0; i < ops; i++) {
                    sink += peers.chmUpdate(map);
                }
                return sink;
            });
            print("prepare", vsPrepare);
            System.out.printf("  kernel's own share (apply - prepare): %.1f ns%n",
                vsPrepare.subjectNs() - vsPrepare.peerNs());
            print("chmUpdate", vsMap);
        }
    }

    /** The peer side of a pair: runs {@code ops} operations and returns a sink. */
    private interface Side {
        long run(int ops);
    }

    private static LatencyPair.Measurement pair(String name, Rows rows, Side peerSide) {
        return new LatencyPair(name) {
            @Override
            String describe() {
                return name;
            }

            @Override
            void setUp() {
            }

            @Override
            long subject(int ops) {
                long sink = 0;
                for (int i = 0; i < ops; i++) {
                    sink += rows.apply();
                }
                return sink;
            }

            @Override
            long peer(int ops) {
                return peerSide.run(ops);
            }
        }.measure(1);
    }

    private static void print(String peer, LatencyPair.Measurement m) {
        System.out.printf("apply %.1f ns / %s %.1f ns = %.2f (round ratios p25-p75 %.2f-%.2f)%n", m.subjectNs(), peer,
            m.peerNs(), m.ratio(), m.roundRatioP25(), m.roundRatioP75());
    }
}
