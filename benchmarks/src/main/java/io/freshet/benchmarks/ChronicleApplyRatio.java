package io.freshet.benchmarks;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import java.io.IOException;
import java.util.Arrays;
import net.openhft.chronicle.map.ChronicleMap;

/*
 * Run (flags as in ChronicleStoreBenchmark's @Fork, under the benchmark lock):
 *
 *   flock /tmp/bench.lock java $FLAGS -Xmx8g -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar \
 *       io.freshet.benchmarks.ChronicleApplyRatio 1000000 zipf 40
 *
 * -Dratio.verbose prints every round (which path ran first, both ns/op): the order effect is a few per cent.
 */

/**
 * Engine apply against raw Chronicle {@code put} on a noisy shared machine, the write-side twin of
 * {@link ChronicleReadRatio}: alternating short rounds in one JVM, same keys, same row size and map configuration
 * as {@link ChronicleStoreBenchmark}; the figure is the median of the per-round ratios. The two run in alternating
 * order (engine first in even rounds, raw first in odd ones), so neither always follows the other's cache misses.
 * An apply is {@code ChronicleStoreBenchmark.engineApply}'s: exactly-once begin at the next offset, four counters
 * incremented in place, commit (checksum, offset, undo cleared). A raw put writes a whole 144-byte value under a
 * pre-boxed key. Single-threaded; files under {@code /dev/shm} unless {@code -Dfreshet.bench.dir} says otherwise.
 */
public final class ChronicleApplyRatio {
    private static final int OPS_PER_ROUND = 1 << 18;

    private ChronicleApplyRatio() {
    }

    /**
     * @param args keys, distribution ({@code uniform|zipf}), rounds
     * @throws IOException when the files cannot be created or deleted
     */
    public static void main(String[] args) throws IOException {
        int keys = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[2]);
        try (ChronicleRatioFixture f = new ChronicleRatioFixture("chron-aratio", keys, args[1])) {
            KeySequence seq = f.sequence;
            Long[] boxed = f.boxed;
            RowStore store = f.store;
            ShardWriter w = f.writer;
            ChronicleMap<Long, byte[]> raw = f.raw;
            byte[] v = f.value;
            int topic = store.topicIndex("bench");
            double[] ratios = new double[rounds];
            double[] engineNs = new double[rounds];
            double[] rawNs = new double[rounds];
            long sink = 0;
            long offset = 0;
            int pos = 0;
            for (int r = -rounds / 4; r < rounds; r++) { // the first quarter warms up both paths
                boolean engineFirst = (r & 1) == 0;
                long engine = 0;
                long put = 0;
                for (int half = 0; half < 2; half++) {
                    long t0 = System.nanoTime();
                    if (engineFirst == (half == 0)) {
                        for (int i = 0; i < OPS_PER_ROUND; i++) {
                            if (w.begin(seq.key(pos++ & KeySequence.MASK), topic, 0, ++offset)
                                != ShardWriter.BEGIN_OK) {
                                throw new IllegalStateException("begin refused");
                            }
                            RowBuffer row = w.row();
                            row.putLong(ChronicleStoreBenchmark.C0, row.getLong(ChronicleStoreBenchmark.C0) + 1);
                            row.putLong(ChronicleStoreBenchmark.C1, row.getLong(ChronicleStoreBenchmark.C1) + 1);
                            row.putLong(ChronicleStoreBenchmark.C2, row.getLong(ChronicleStoreBenchmark.C2) + 1);
                            row.putLong(ChronicleStoreBenchmark.C3, row.getLong(ChronicleStoreBenchmark.C3) + 1);
                            w.commit();
                        }
                        engine = System.nanoTime() - t0;
                    } else {
                        for (int i = 0; i < OPS_PER_ROUND; i++) {
                            v[ChronicleStoreBenchmark.C0]++;
                            byte[] old = raw.put(boxed[pos++ & KeySequence.MASK], v);
                            sink += old == null ? 0 : old[0];
                        }
                        put = System.nanoTime() - t0;
                    }
                }
                if (r >= 0) {
                    engineNs[r] = engine / (double) OPS_PER_ROUND;
                    rawNs[r] = put / (double) OPS_PER_ROUND;
                    ratios[r] = engineNs[r] / rawNs[r];
                    if (System.getProperty("ratio.verbose") != null) {
                        System.out.printf("r=%d engineFirst=%b engine=%.0f raw=%.0f ratio=%.2f%n", r, engineFirst,
                            engineNs[r], rawNs[r], ratios[r]);
                    }
                }
            }
            Arrays.sort(ratios);
            Arrays.sort(engineNs);
            Arrays.sort(rawNs);
            System.out.printf("keys=%d %s rounds=%d: engineApply/rawPut median=%.2f (p25=%.2f p75=%.2f min=%.2f "
                + "max=%.2f); median engineApply=%.0f ns rawPut=%.0f ns (sink %d)%n", keys, args[1], rounds,
                ratios[rounds / 2], ratios[rounds / 4], ratios[rounds * 3 / 4], ratios[0], ratios[rounds - 1],
                engineNs[rounds / 2], rawNs[rounds / 2], sink & 1);
        }
    }
}
