package io.freshet.benchmarks;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.benchmarks.peers.PeerReadBenchmark;
import io.freshet.core.EpochClock;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.Window;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.internal.ServedAges;
import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Run (from the repository root, after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`),
 * Freshet's served read and its three peers in one JMH run:
 *
 *   flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar \
 *       'ServedReadBenchmark\.(read|chmGetCopy|remoteGetDecode)$' -p peer=kafkaStreams,redis \
 *       -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 *
 * Options: -p keys=1000000,6000000 -p set=payment,demo -p distribution=uniform,zipf. benchmarks/run-comparison.sh
 * runs exactly this (1M keys; with --with-10m also the largest key count that fits, see SCALE_KEYS there) and
 * RESULTS.md's "Serve one feature vector" section is rendered from it.
 *
 * Memory: a store of the 16-feature set takes 2,751 B per key in /dev/shm (row 2,736 B + 15 B of key, index and
 * version words), the demo set 6,151 B. 10M keys of the 16-feature set (27.5 GB) do not fit a 23.5 GiB machine: setup
 * refuses a store larger than the memory available, naming the largest key count that fits.
 *
 * Goals (issue 18, points 1-2): served read <= 2x the on-heap precomputed-vector get at 1M keys and <= 2.5x at 10M;
 * p99 <= 1 us at 10M; 0 B/op.
 */

/**
 * What a model-serving caller does per request: {@link FeatureReader#read(long, FeatureVector)} of one key's whole
 * feature vector from a table store in {@code /dev/shm} filled with realistic windows (each key: {@code events}
 * payments over the last 65 minutes, so the 1 h windows have most tiles populated and the 5 min ones a few), read at
 * the wall clock's "now" (the store's clock continues from the fill's last event). Beside it the on-heap peer a team
 * that precomputes features elsewhere would use: {@code ConcurrentHashMap<Long, double[]>} get of a 16-value vector
 * plus a copy into a caller-owned array. Both modes in one run: {@code avgt} (mean) and {@code sample} (p50, p99,
 * p99.9). The off-heap peers of the same 16 values (128 bytes, big-endian doubles; {@link PeerReadBenchmark}'s
 * stores) in {@link #remoteGetDecode}: Kafka Streams' RocksDB store {@code get} and Redis {@code GET} over loopback,
 * each followed by the decode into a caller-owned {@code double[16]}; sample mode only (their microseconds dwarf the
 * timer, and the sample mean is their mean).
 *
 * <p>Fill: the first {@value #TEMPLATE_KEYS} keys get {@code events} payments each through the real kernels and the
 * store's writer; every further key gets a copy of one of those rows ({@code begin}, copy, {@code commit}: the
 * store's own write path, ~1 us a key instead of ~40 applies), so a 6M-key store fills in seconds with every row's
 * tiles populated as a real stream leaves them.
 *
 * <p>Sets: {@code payment} is {@link PaymentFeatures} (16 features, 4 windowed); {@code demo} is the fraud demo's
 * {@code RiskFeatures} (13 features incl. a 24 h distinct count), copied here because benchmarks do not depend on
 * examples, with {@code declined} stood in by {@code amount > 200} (the filter does not change the row or the read).
 * Single-threaded reads; keys from a pre-generated Zipf or uniform {@link KeySequence}.
 */
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "-XX:+UseParallelGC"})
public class ServedReadBenchmark {
    /** The fill's last event time: 2025-11-24T17:05:00Z. */
    static final long FILL_END_MS = PaymentStream.START_MS + 65 * 60_000L;
    /** Values in the peer's precomputed vector. */
    static final int PEER_VECTOR_WIDTH = 16;
    /** Keys filled through the kernels; the rest copy one of their rows. */
    static final int TEMPLATE_KEYS = 4096;
    private static final long SEED = 20261205L;
    /** Bytes per key of the table store beyond the row: 8 of key, 5 of index at load 0.8, 2 of version words. */
    private static final int STORE_BYTES_PER_KEY_BEYOND_ROW = 15;
    /** Memory setup leaves free beside the store (the JVM, the page tables, other processes). */
    private static final long MEMORY_HEADROOM_BYTES = 3L << 30;
    /** Decodes the peers' big-endian doubles without allocating. */
    private static final VarHandle BIG_ENDIAN_DOUBLES = MethodHandles.byteArrayViewVarHandle(double[].class,
        ByteOrder.BIG_ENDIAN);

    /** The fraud demo's 13-feature set (examples' RiskFeatures), over this module's {@link Payment}. */
    static FeatureSet<Payment> demoSet() {
        return FeatureSet.builder("user_risk", Payment.class)
            .entity("user", Payment::userId)
            .eventTime(Payment::timeMs)
            .latest("last_amount", Payment::amount)
            .count("txn_5m", Window.sliding(Duration.ofMinutes(5)))
            .count("txn_1h", Window.sliding(Duration.ofHours(1)))
            .sum("amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(1)))
            .max("max_amount_24h", Payment::amount, Window.sliding(Duration.ofDays(1)))
            .mean("mean_amount", Payment::amount)
            .count("declines_1h", Window.sliding(Duration.ofHours(1))).where(p -> p.amount() > 200)
            .decayedCount("activity", Duration.ofMinutes(30))
            .lastN("last_merchants", Payment::merchantId, 5)
            .distinctApprox("merchants_24h", Payment::merchantId, Window.sliding(Duration.ofDays(1)))
            .firstSeen("first_seen")
            .derived("decline_ratio_1h", d -> d.ratio("declines_1h", "txn_1h"))
            .derived("since_last_payment_ms", d -> d.timeSince("last_amount"))
            .staleAfter(Duration.ofMinutes(10))
            .build();
    }

    /** A table store of {@code keys} filled rows and a reader over it. */
    @State(Scope.Benchmark)
    public static class Served {
        /** Keys in the store. */
        @Param({"1000000"})
        public int keys;
        /** Key distribution of the reads. */
        @Param({KeySequence.UNIFORM, KeySequence.ZIPF})
        public String distribution;
        /** {@code payment} (16 features) or {@code demo} (13). */
        @Param({"payment"})
        public String set;
        /** Payments applied per key at fill, over the 65 minutes before {@link #FILL_END_MS}. */
        @Param({"40"})
        public int events;

        KeySequence sequence;
        RowStore store;
        FeatureReader reader;
        /** A second reader of the same store that records the age of what it returns (a recorder of ages only). */
        FeatureReader agedReader;
        /** A third reader that records ages and times every read, as when {@code FreshetMetrics} is bound. */
        FeatureReader timedReader;
        FeatureSet<Payment> featureSet;
        Path dir;

        /** Fills the store through the real kernels and the store's writer, then checks a few reads. */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            featureSet = "demo".equals(set) ? demoSet() : "payment".equals(set) ? PaymentFeatures.featureSet() : null;
            if (featureSet == null) {
                throw new IllegalArgumentException("set=" + set + " is unknown: use payment or demo");
            }
            dir = Path.of("/dev/shm", "freshet-servedread-" + ProcessHandle.current().pid());
            StoreBenchmark.deleteRecursively(dir);
            requireRoom(featureSet.rowSizeBytes(), keys, dir.getParent());
            sequence = KeySequence.of(distribution, keys, SEED);
            long t0 = System.nanoTime();
            store = StoreBenchmark.engineNamed("table").open(StoreConfig.builder(featureSet).directory(dir)
                .capacity(keys).shards(1).growth(StoreGrowth.disabled()).build());
            fill(store, featureSet, keys, events);
            long wallAtFill = System.currentTimeMillis();
            // The store's "now" continues from the fill's last event at wall-clock pace: a read costs a clock call,
            // as in production, and windows age as they would.
            EpochClock clock = () -> FILL_END_MS + (System.currentTimeMillis() - wallAtFill);
            reader = CoreInternals.newReader(featureSet, store, clock);
            agedReader = CoreInternals.newReader(featureSet, store, clock);
            CoreInternals.recordServedAges(agedReader, new ServedAges(false));
            timedReader = CoreInternals.newReader(featureSet, store, clock);
            CoreInternals.recordServedAges(timedReader, new ServedAges(true));
            FeatureVector v = featureSet.newVector();
            FeatureRef last = featureSet.ref("last_amount");
            // Steady state, as a server that has been reading for a while: every key read once, in fill (slot) order.
            // A page of the mapping pays a minor fault the first time this process reads it (the fill wrote the rows
            // but the reader's first touch still faults): at 6M keys, 15.7 GB, reads during the first seconds after
            // the fill took 12-100 us each here, all of it faults. A restart pays that again (see RestartHarness).
            long touch0 = System.nanoTime();
            for (int i = 0; i < keys; i++) {
                if (!reader.read(KeySequence.keyOf(i), v)) {
                    throw new IllegalStateException("filled key index " + i + " has no row");
                }
            }
            double touchSeconds = (System.nanoTime() - touch0) / 1e9;
            for (int i = 0; i < 1000; i++) {
                if (!reader.read(sequence.key(i * 997), v) || !v.isPresent(last)) {
                    throw new IllegalStateException("filled key reads wrong: " + v);
                }
            }
            System.out.printf("%n[set=%s keys=%d events/key=%d] row %d B, filled and read once in %.1f s (the read"
                + " pass %.1f s), files %d MB%n", set, keys, events, featureSet.rowSizeBytes(),
                (System.nanoTime() - t0) / 1e9, touchSeconds, StoreBenchmark.directoryBytes(dir) >> 20);
        }

        /** Closes and deletes the store. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            store.close();
            StoreBenchmark.deleteRecursively(dir);
        }
    }

    /**
     * Applies {@code events} payments to each of keyOf(0..min(keys, TEMPLATE_KEYS)-1), in time order per key with
     * the lag of real streams (a few out of order), through begin/kernel/commit as the pipeline's applier does; then
     * gives every further key a copy of template key {@code i % TEMPLATE_KEYS}'s row through begin/copy/commit.
     */
    static void fill(RowStore store, FeatureSet<Payment> set, int keys, int events) {
        EventPreparer<Payment> preparer = Kernels.newPreparer(set);
        RowWriteKernel kernel = Kernels.newWriteKernel(set);
        PreparedEvent prepared = new PreparedEvent(Kernels.preparedCapacity(set));
        SplittableRandom random = new SplittableRandom(SEED);
        long spanMs = 65 * 60_000L;
        long offset = 0;
        int templates = Math.min(keys, TEMPLATE_KEYS);
        for (int i = 0; i < templates; i++) {
            long key = KeySequence.keyOf(i);
            ShardWriter w = store.writer(store.shardOf(key));
            long step = spanMs / events;
            for (int e = 0; e < events; e++) {
                long nowMs = FILL_END_MS - spanMs + (e + 1) * step;
                long t = nowMs - (random.nextInt(10) == 0 ? random.nextLong(30_000) : random.nextLong(200));
                double amount = Math.round(Math.exp(3 + random.nextGaussian()) * 100) / 100.0;
                Payment p = new Payment(key, t, amount, 1 + random.nextInt(5_000));
                if (preparer.prepare(p, t, nowMs, prepared) < 0) {
                    continue;
                }
                if (w.begin(key, ShardWriter.NO_SOURCE, 0, offset++) != ShardWriter.BEGIN_OK) {
                    throw new IllegalStateException("fill refused key index " + i);
                }
                kernel.apply(prepared, w.row(), nowMs);
                w.commit();
            }
        }
        int rowBytes = set.rowSizeBytes();
        RowBuffer[] rows = new RowBuffer[templates];
        for (int t = 0; t < templates; t++) {
            rows[t] = RowBuffer.allocateHeap(rowBytes);
            if (!store.readRow(KeySequence.keyOf(t), rows[t])) {
                throw new IllegalStateException("template key index " + t + " has no row after its fill");
            }
        }
        for (int i = templates; i < keys; i++) {
            long key = KeySequence.keyOf(i);
            ShardWriter w = store.writer(store.shardOf(key));
            if (w.begin(key, ShardWriter.NO_SOURCE, 0, offset++) != ShardWriter.BEGIN_OK) {
                throw new IllegalStateException("fill refused key index " + i);
            }
            w.row().copyFrom(rows[i % templates], rowBytes);
            w.commit();
        }
    }

    /**
     * Refuses a store that would not fit the memory available, with the largest key count that would.
     *
     * @param rowBytes the set's row size
     * @param keys keys to fill
     * @param location the tmpfs the store goes to
     */
    static void requireRoom(int rowBytes, int keys, Path location) throws IOException {
        long perKey = rowBytes + (long) STORE_BYTES_PER_KEY_BEYOND_ROW;
        long room = Math.min(Files.getFileStore(location).getUsableSpace(), memAvailableBytes())
            - MEMORY_HEADROOM_BYTES;
        if ((long) keys * perKey > room) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                "keys=%d of %d-byte rows need %.1f GB in %s but %.1f GB are available (less 3 GB headroom):"
                    + " use -p keys=%d or fewer", keys, rowBytes, keys * perKey / 1e9, location, room / 1e9,
                Math.max(0, room / perKey)));
        }
    }

    /** @return MemAvailable from /proc/meminfo, or Long.MAX_VALUE where there is none */
    private static long memAvailableBytes() throws IOException {
        Path meminfo = Path.of("/proc/meminfo");
        if (!Files.isReadable(meminfo)) {
            return Long.MAX_VALUE;
        }
        for (String line : Files.readAllLines(meminfo)) {
            if (line.startsWith("MemAvailable:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return Long.MAX_VALUE;
    }

    /** The peer: precomputed 16-value vectors on the heap. */
    @State(Scope.Benchmark)
    public static class Precomputed {
        /** Keys in the map. */
        @Param({"1000000"})
        public int keys;
        /** Key distribution of the reads. */
        @Param({KeySequence.UNIFORM, KeySequence.ZIPF})
        public String distribution;

        ConcurrentHashMap<Long, double[]> map;
        Long[] boxed;

        /** Fills the map with random vectors and pre-boxes the key sequence. */
        @Setup(Level.Trial)
        public void setUp() {
            SplittableRandom random = new SplittableRandom(SEED);
            map = new ConcurrentHashMap<>(keys * 2);
            for (int i = 0; i < keys; i++) {
                double[] v = new double[PEER_VECTOR_WIDTH];
                for (int j = 0; j < v.length; j++) {
                    v[j] = random.nextDouble();
                }
                map.put(KeySequence.keyOf(i), v);
            }
            KeySequence sequence = KeySequence.of(distribution, keys, SEED);
            boxed = new Long[sequence.length()];
            for (int i = 0; i < boxed.length; i++) {
                boxed[i] = sequence.key(i);
            }
        }
    }

    /** The off-heap peers: the same 16 values as 128 bytes in Kafka Streams' RocksDB store or in Redis. */
    @State(Scope.Benchmark)
    public static class Remote {
        /** {@code kafkaStreams} or {@code redis} (needs redis-server; run-comparison.sh adds it when installed). */
        @Param({PeerReadBenchmark.KAFKA_STREAMS})
        public String peer;
        /** Keys in the peer. */
        @Param({"1000000"})
        public int keys;
        /**
         * Key distribution of the reads: uniform only by default, so that the CI smoke starts one RocksDB fork, not
         * two (run-comparison.sh asks for both with {@code -p distribution=uniform,zipf}).
         */
        @Param({KeySequence.UNIFORM})
        public String distribution;

        PeerReadBenchmark.Peer store;

        /** Fills the peer and checks that a few reads return the rows of their keys. */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            if (PeerReadBenchmark.CHM.equals(peer)) {
                throw new IllegalArgumentException("peer=chm is the chmGetCopy benchmark here: use kafkaStreams or "
                    + "redis");
            }
            KeySequence sequence = KeySequence.of(distribution, keys, SEED);
            long t0 = System.nanoTime();
            store = PeerReadBenchmark.Peer.open(peer, keys, sequence, PEER_VECTOR_WIDTH * Double.BYTES);
            for (int i = 0; i < 1000; i++) {
                if (store.firstLong(i * 997) != sequence.key(i * 997)) {
                    throw new IllegalStateException("peer=" + peer + " returned another key's value");
                }
            }
            System.out.printf("%n[peer=%s keys=%d distribution=%s] filled in %.1f s (%s)%n", peer, keys,
                distribution, (System.nanoTime() - t0) / 1e9, store.describe());
        }

        /** Releases the peer. */
        @TearDown(Level.Trial)
        public void tearDown() {
            if (store != null) {
                store.close();
            }
        }
    }

    /** Per-thread cursor and caller-owned targets. */
    @State(Scope.Thread)
    public static class Caller {
        int position;
        FeatureVector vector;
        FeatureRef ref;
        final double[] target = new double[PEER_VECTOR_WIDTH];

        /** The vector of the benchmarked set (built lazily: the peer's trials have no store). */
        FeatureVector vector(Served s) {
            if (vector == null) {
                vector = s.featureSet.newVector();
                ref = s.featureSet.ref("last_amount");
            }
            return vector;
        }
    }

    /**
     * @param s the store
     * @param c cursor and vector
     * @return a value of the vector read, so nothing is dead code
     */
    @Benchmark
    @HotPath("per model request, on the serving thread")
    public double read(Served s, Caller c) {
        FeatureVector v = c.vector(s);
        s.reader.read(s.sequence.key(c.position++), v);
        return v.getDouble(c.ref);
    }

    /**
     * The served read recording the row's age and time since apply (two atomic increments; its peer in the latency
     * guard is {@link #read}): a recorder of ages only.
     *
     * @param s the store
     * @param c cursor and vector
     * @return a value of the vector read, so nothing is dead code
     */
    @Benchmark
    @HotPath("per model request, on the serving thread, recording served ages")
    public double readRecordingAge(Served s, Caller c) {
        FeatureVector v = c.vector(s);
        s.agedReader.read(s.sequence.key(c.position++), v);
        return v.getDouble(c.ref);
    }

    /**
     * The served read while a metrics binder observes the set ({@code FreshetMetrics}): the reader records the row's
     * age and time since apply and times the read (two {@code System.nanoTime()} calls and three atomic increments;
     * its peer in the latency guard is {@link #read}).
     *
     * @param s the store
     * @param c cursor and vector
     * @return a value of the vector read, so nothing is dead code
     */
    @Benchmark
    @HotPath("per model request, on the serving thread, with metrics bound")
    public double readTimed(Served s, Caller c) {
        FeatureVector v = c.vector(s);
        s.timedReader.read(s.sequence.key(c.position++), v);
        return v.getDouble(c.ref);
    }

    /**
     * @param p the map
     * @param c cursor and target
     * @return the copied vector
     */
    @Benchmark
    public double[] chmGetCopy(Precomputed p, Caller c) {
        double[] v = p.map.get(p.boxed[c.position++ & KeySequence.MASK]);
        System.arraycopy(v, 0, c.target, 0, v.length);
        return c.target;
    }

    /**
     * Kafka Streams' RocksDB {@code get} or Redis {@code GET} of the 128-byte vector, then its decode into 16 doubles
     * in a caller-owned array (what a serving thread does with a vector precomputed into either).
     *
     * @param r the peer
     * @param c cursor and target
     * @return the decoded vector
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public double[] remoteGetDecode(Remote r, Caller c) {
        byte[] value = (byte[]) r.store.read(c.position++);
        double[] target = c.target;
        for (int i = 0; i < PEER_VECTOR_WIDTH; i++) {
            target[i] = (double) BIG_ENDIAN_DOUBLES.get(value, i * Double.BYTES);
        }
        return target;
    }
}
