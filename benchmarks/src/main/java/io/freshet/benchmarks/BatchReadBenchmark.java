package io.freshet.benchmarks;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.TableStoreEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Run (from the repository root, after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar BatchReadBenchmark -p keys=1000000 \
 *       -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 *
 * Same-run ratios that a loaded machine does not swamp (alternating 2 ms rounds of the three in one JVM; each side's
 * 10th-percentile and median round):
 *
 *   flock /tmp/jmh.lock java -Xmx4g -cp benchmarks/target/benchmarks.jar \
 *       'io.freshet.benchmarks.BatchReadBenchmark$Ratio' 1000000 uniform 301
 *
 * A store of N keys takes N x ~1.6 KB of /dev/shm (10M keys: ~16 GB; check free memory first) and ~3 us per key to
 * fill. Goal (issue 18 point 4): one readBatch call (8 keys: 8 x its per-key score) <= 3x readOne at 10M keys
 * uniform, 0 B/op.
 */

/**
 * Batch reads of the 16-feature {@link PaymentFeatures} vector from a table store: {@code readBatch} reads eight
 * keys with {@link FeatureReader#read(long[], FeatureVector[])} (index entries and rows of the eight read ahead
 * first, so that their cache misses overlap); {@code readOne} reads one key with
 * {@link FeatureReader#read(long, FeatureVector)}, and {@code readEightSingles} the same eight keys as
 * {@code readBatch} with eight single reads. {@code readBatch} and {@code readEightSingles} score per key (JMH's
 * operations per invocation: {@value #BATCH}), as {@code StoreBenchmark.applyGroup} does per record: the batch's time
 * is eight times the score, and {@code 8 x readBatch / readOne} is its cost in single reads. Per key, not per call,
 * also keeps {@code -prof gc}'s B/op about the read: the fork allocated ~0.13 B per us of run time whatever ran (the
 * same rate under readOne, readBatch and readEightSingles in one smoke run), which a 10 us call counted as
 * ~1.8 B/op against reads that allocate nothing.
 *
 * <p>Every key has {@value #EVENTS_PER_KEY} payments of the last hour (tiles of every window populated), read at
 * "now", half a second after the newest. Keys are uniform or Zipf over the store (pre-generated, one array load per
 * key). Single-threaded.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-XX:+UseParallelGC"})
public class BatchReadBenchmark {
    /** Keys per batch read. */
    static final int BATCH = 8;
    /** Payments applied to every key before the measurement. */
    static final int EVENTS_PER_KEY = 4;
    /** The applying clock of the fill's newest event; reads happen half a second later. */
    static final long NOW_MS = PaymentStream.START_MS + 3_600_000;

    /** A table store of {@code keys} rows of the 16-feature set, filled once per trial. */
    @State(Scope.Benchmark)
    public static class Store {
        /** Keys in the store. */
        @Param({"1000000"})
        public int keys;
        /** Key distribution of the reads. */
        @Param({KeySequence.UNIFORM})
        public String distribution;

        KeySequence sequence;
        FeatureSet<Payment> set;
        RowStore store;
        FeatureReader reader;
        Path dir;

        /** Creates and fills the store, and checks that a read sees a filled row. */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            sequence = KeySequence.of(distribution, keys, 23);
            set = PaymentFeatures.featureSet();
            dir = ChronicleStoreBenchmark.newDir("batchread");
            long t0 = System.nanoTime();
            store = new TableStoreEngine().open(StoreConfig.builder(set).directory(dir.resolve("s")).capacity(keys)
                .shards(1).growth(StoreGrowth.disabled()).build());
            fill(set, store, keys);
            reader = CoreInternals.newReader(set, store, new ManualClock(NOW_MS + 500));
            FeatureVector v = set.newVector();
            if (!reader.read(KeySequence.keyOf(keys / 2), v) || v.getLong(set.ref("txn_total")) != EVENTS_PER_KEY) {
                throw new IllegalStateException("filled row reads wrong: " + v);
            }
            System.out.printf("%nbatch read store: %d keys of %d-byte rows in %s, %.1f s to fill%n", keys,
                set.rowSizeBytes(), dir, (System.nanoTime() - t0) / 1e9);
        }

        /** Closes and deletes the store. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            store.close();
            ChronicleStoreBenchmark.deleteTree(dir);
        }
    }

    /** Applies {@value #EVENTS_PER_KEY} payments of the last hour to each of {@code keyOf(0..keys-1)}, in key order. */
    static void fill(FeatureSet<Payment> set, RowStore store, int keys) {
        EventPreparer<Payment> preparer = Kernels.newPreparer(set);
        RowWriteKernel kernel = Kernels.newWriteKernel(set);
        PreparedEvent prepared = new PreparedEvent(Kernels.preparedCapacity(set));
        SplittableRandom random = new SplittableRandom(29);
        ShardWriter w = store.writer(0);
        for (int i = 0; i < keys; i++) {
            long key = KeySequence.keyOf(i);
            long timeMs = NOW_MS - 3_600_000;
            for (int e = 0; e < EVENTS_PER_KEY; e++) {
                timeMs += 1 + random.nextInt(3_600_000 / EVENTS_PER_KEY);
                Payment p = new Payment(key, timeMs, 1 + random.nextInt(20_000) / 100.0, 1 + random.nextInt(5000));
                if (preparer.prepare(p, timeMs, NOW_MS, prepared) < 0) {
                    throw new IllegalStateException("fill event refused: key=" + key + " timeMs=" + timeMs);
                }
                if (w.begin(key, ShardWriter.NO_SOURCE, 0, 0) != ShardWriter.BEGIN_OK) {
                    throw new IllegalStateException("fill refused key index " + i);
                }
                kernel.apply(prepared, w.row(), NOW_MS);
                w.commit();
            }
        }
    }

    /** The reading thread's position, key batch and vectors. */
    @State(Scope.Thread)
    public static class Cursor {
        int position;
        final long[] batch = new long[BATCH];
        FeatureVector one;
        FeatureVector[] vectors;

        /** Builds the vectors. */
        @Setup(Level.Trial)
        public void setUp(Store s) {
            one = s.set.newVector();
            vectors = new FeatureVector[BATCH];
            for (int i = 0; i < BATCH; i++) {
                vectors[i] = s.set.newVector();
            }
        }

        /** Takes the next eight keys of the sequence. */
        void nextBatch(KeySequence sequence) {
            for (int i = 0; i < BATCH; i++) {
                batch[i] = sequence.key(position++ & KeySequence.MASK);
            }
        }
    }

    /**
     * @param s store
     * @param c cursor
     * @return how many of the eight keys were found (all)
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    @HotPath("a model request's batch of entities, on the serving thread")
    public int readBatch(Store s, Cursor c) {
        c.nextBatch(s.sequence);
        return s.reader.read(c.batch, c.vectors);
    }

    /**
     * The peer of {@link #readBatch}: the same eight keys read one by one.
     *
     * @param s store
     * @param c cursor
     * @return how many of the eight keys were found (all)
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int readEightSingles(Store s, Cursor c) {
        c.nextBatch(s.sequence);
        int found = 0;
        for (int i = 0; i < BATCH; i++) {
            if (s.reader.read(c.batch[i], c.vectors[i])) {
                found++;
            }
        }
        return found;
    }

    /**
     * Alternating rounds of {@code readOne}, {@code readBatch} and {@code readEightSingles} in one JVM, so that a
     * change in the machine's load hits the three alike (see the run command at the top of the file). Prints each
     * one's time per call at the 10th percentile and the median of its rounds, and the ratios to {@code readOne}.
     * Single-threaded; not a JMH benchmark.
     */
    public static final class Ratio {
        private static final long ROUND_NS = 2_000_000;
        /**
         * What is timed: the three benchmarks, then the two halves of a batch read's floor: {@code readAheadOnly}
         * (the store's read-ahead of eight keys, no evaluation: the memory part, overlapped) and {@code
         * readBatchInCache} (eight single reads of keys read just before: the CPU part); and {@code
         * readsAfterReadAhead}, two read-aheads of eight new keys and their reads, whose reads alone are timed apart.
         */
        static final String[] NAMES = {"readOne", "readBatch", "readEightSingles", "readAheadOnly",
            "readBatchInCache", "readsAfterReadAhead"};
        /**
         * Per call of {@code readsAfterReadAhead}: the time of its eight reads alone, after two read-aheads of their
         * keys (the second finds every line in cache), to set beside {@code readBatchInCache}, whose eight reads
         * re-read keys read just before. The difference is what a read costs on rows in cache that it has not just
         * read (branch history, the decay cache), a part of the floor no read-ahead removes.
         */
        private static final long[] READS_NS = new long[1 << 20];
        private static int readsCount;

        private static long run(int which, BatchReadBenchmark bench, Store store, Cursor c) {
            switch (which) {
                case 0:
                    return bench.readOne(store, c) ? 1 : 0;
                case 1:
                    return bench.readBatch(store, c);
                case 2:
                    return bench.readEightSingles(store, c);
                case 3:
                    c.nextBatch(store.sequence);
                    return store.store.prefetchRows(c.batch, 0, BATCH);
                case 5:
                    return readsAfterReadAhead(store, c);
                default:
                    // The keys of the previous call of any kind: their rows are in cache.
                    long found = 0;
                    for (int i = 0; i < BATCH; i++) {
                        found += store.reader.read(c.batch[i], c.vectors[i]) ? 1 : 0;
                    }
                    return found;
            }
        }

        private static long readsAfterReadAhead(Store store, Cursor c) {
            c.nextBatch(store.sequence);
            long found = store.store.prefetchRows(c.batch, 0, BATCH) + store.store.prefetchRows(c.batch, 0, BATCH);
            long t0 = System.nanoTime();
            for (int i = 0; i < BATCH; i++) {
                found += store.reader.read(c.batch[i], c.vectors[i]) ? 1 : 0;
            }
            long t = System.nanoTime() - t0;
            if (readsCount < READS_NS.length) {
                READS_NS[readsCount++] = t;
            }
            return found;
        }

        private Ratio() {
        }

        /**
         * @param args keys, distribution ({@code uniform|zipf}), rounds
         * @throws IOException when the store cannot be created
         */
        public static void main(String[] args) throws IOException {
            Store store = new Store();
            store.keys = Integer.parseInt(args[0]);
            store.distribution = args[1];
            int rounds = Integer.parseInt(args[2]);
            store.setUp();
            try {
                BatchReadBenchmark bench = new BatchReadBenchmark();
                Cursor c = new Cursor();
                c.setUp(store);
                c.position = 1 << 19;
                int[] ops = new int[NAMES.length];
                java.util.Arrays.fill(ops, 1);
                double[][] ns = new double[NAMES.length][rounds];
                long sink = 0;
                for (int r = -rounds / 3; r < rounds; r++) { // the first third warms up (and calibrates)
                    for (int k = 0; k < NAMES.length; k++) {
                        int which = (k + (r & 1)) % NAMES.length;
                        long t0 = System.nanoTime();
                        for (int i = 0; i < ops[which]; i++) {
                            sink += run(which, bench, store, c);
                        }
                        long t = System.nanoTime() - t0;
                        if (r >= 0) {
                            ns[which][r] = (double) t / ops[which];
                        } else {
                            ops[which] = (int) Math.max(1, Math.min(1 << 20,
                                ops[which] * Math.max(0.25, Math.min(4.0, (double) ROUND_NS / Math.max(1, t)))));
                        }
                    }
                }
                String[] names = NAMES;
                double[] p10 = new double[NAMES.length];
                double[] p50 = new double[NAMES.length];
                for (int k = 0; k < NAMES.length; k++) {
                    java.util.Arrays.sort(ns[k]);
                    p10[k] = ns[k][rounds / 10];
                    p50[k] = ns[k][rounds / 2];
                }
                System.out.printf("keys=%d %s rounds=%d (sink %d)%n", store.keys, store.distribution, rounds,
                    sink & 1);
                for (int k = 0; k < NAMES.length; k++) {
                    System.out.printf("  %-17s p10 %8.0f ns  median %8.0f ns  per call; / readOne: p10 %.2f, "
                        + "median %.2f%n", names[k], p10[k], p50[k], p10[k] / p10[0], p50[k] / p50[0]);
                }
                long[] reads = java.util.Arrays.copyOf(READS_NS, readsCount);
                java.util.Arrays.sort(reads);
                System.out.printf("  of readsAfterReadAhead, its eight reads alone: p10 %d ns  median %d ns (%d calls)"
                    + "%n", reads[reads.length / 10], reads[reads.length / 2], reads.length);
            } finally {
                store.tearDown();
            }
        }
    }

    /**
     * One single read, the unit of {@link #readBatch}'s goal. (The single read is guarded as a hot path by
     * {@code CoreKernelBenchmark.read} and the store suites.)
     *
     * @param s store
     * @param c cursor
     * @return whether the key was found (always)
     */
    @Benchmark
    public boolean readOne(Store s, Cursor c) {
        return s.reader.read(s.sequence.key(c.position++ & KeySequence.MASK), c.one);
    }
}
