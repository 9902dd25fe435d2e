package io.freshet.benchmarks;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import java.io.IOException;
import java.util.Arrays;
import net.openhft.chronicle.map.ChronicleMap;

/*
 * Run (flags as in ChronicleStoreBenchmark's @Fork, under the benchmark lock):
 *
 *   flock /tmp/bench.lock java $FLAGS -Xmx8g -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar \
 *       io.freshet.benchmarks.ChronicleReadRatio 1000000 zipf 40
 */

/**
 * Engine read against raw Chronicle {@code getUsing} on a noisy shared machine: the two run in alternating short
 * rounds in one JVM (same keys, same row size, same map configuration as {@link ChronicleStoreBenchmark}), so a
 * change in the machine's load hits both alike; the figure is the median of the per-round ratios. Single-threaded.
 * JMH's {@code ChronicleStoreBenchmark} gives the absolute figures and the allocation ({@code -prof gc}); this gives a
 * ratio that other processes' load does not swamp.
 */
public final class ChronicleReadRatio {
    private static final int OPS_PER_ROUND = 1 << 19;

    private ChronicleReadRatio() {
    }

    /**
     * @param args keys, distribution ({@code uniform|zipf}), rounds
     * @throws IOException when the files cannot be created or deleted
     */
    public static void main(String[] args) throws IOException {
        int keys = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[2]);
        try (ChronicleRatioFixture f = new ChronicleRatioFixture("chron-ratio", keys, args[1])) {
            KeySequence seq = f.sequence;
            Long[] boxed = f.boxed;
            RowStore store = f.store;
            ChronicleMap<Long, byte[]> raw = f.raw;
            byte[] v = f.value;
            RowBuffer row = RowBuffer.allocateHeap(v.length);
            double[] ratios = new double[rounds];
            double[] engineNs = new double[rounds];
            double[] rawNs = new double[rounds];
            long sink = 0;
            int pos = 0;
            for (int r = -rounds / 4; r < rounds; r++) { // the first quarter warms up both paths
                long t0 = System.nanoTime();
                for (int i = 0; i < OPS_PER_ROUND; i++) {
                    store.readRow(seq.key(pos++ & KeySequence.MASK), row);
                    sink += row.getLong(ChronicleStoreBenchmark.C0);
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < OPS_PER_ROUND; i++) {
                    sink += raw.getUsing(boxed[pos++ & KeySequence.MASK], v)[0];
                }
                long t2 = System.nanoTime();
                if (r >= 0) {
                    engineNs[r] = (t1 - t0) / (double) OPS_PER_ROUND;
                    rawNs[r] = (t2 - t1) / (double) OPS_PER_ROUND;
                    ratios[r] = engineNs[r] / rawNs[r];
                }
            }
            Arrays.sort(ratios);
            Arrays.sort(engineNs);
            Arrays.sort(rawNs);
            System.out.printf("keys=%d %s rounds=%d: engineRead/rawGetUsing median=%.2f (p25=%.2f p75=%.2f); "
                + "median engineRead=%.0f ns rawGetUsing=%.0f ns (sink %d)%n", keys, args[1], rounds,
                ratios[rounds / 2], ratios[rounds / 4], ratios[rounds * 3 / 4], engineNs[rounds / 2],
                rawNs[rounds / 2], sink & 1);
        }
    }
}
