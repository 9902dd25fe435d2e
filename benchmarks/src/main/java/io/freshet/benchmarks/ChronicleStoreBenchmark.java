package io.freshet.benchmarks;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.FeatureSet;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.store.chronicle.ChronicleStoreEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
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
import org.openjdk.jmh.infra.Blackhole;

/*
 * Run (from the repository root, after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   java -jar benchmarks/target/benchmarks.jar ChronicleStoreBenchmark -prof gc
 *
 * Options: -p keys=1000000,10000000 (default both) -p distribution=uniform,zipf (default both);
 * -Dfreshet.bench.dir=DIR (in -jvmArgsAppend, with the whole flag set) puts the files elsewhere than /dev/shm.
 * A 10M-key fork fills its structure first (engine ~15-30 s, raw Chronicle ~15 s) and needs ~3 GB of files or heap.
 *
 * Reopen times of the engine, each step in a fresh JVM (flags as in @Fork below):
 *   java $FLAGS -cp benchmarks/target/benchmarks.jar io.freshet.benchmarks.ChronicleStoreBenchmark\$Reopen fill   DIR N
 *   java $FLAGS -cp ... ChronicleStoreBenchmark\$Reopen reopen DIR N     # after a clean close
 *   java $FLAGS -cp ... ChronicleStoreBenchmark\$Reopen apply  DIR N &  sleep 5; kill -9 $!
 *   java $FLAGS -cp ... ChronicleStoreBenchmark\$Reopen reopen DIR N     # after kill -9 (Chronicle recovery + undo)
 * Add -Dfreshet.chronicle.prebuilt=false to a reopen for the start-up Chronicle has without Freshet's pre-built class
 * (it then generates and compiles VanillaGlobalMutableState$$Native with javac): alternate both in one session.
 *
 * Goals (issue 3): engine read <= 1.2x raw Chronicle getUsing; engine apply no slower than raw put; 0 B/op on both
 * (gc.alloc.rate.norm). Reopen of 10M keys after a clean close <= 1 s.
 */

/**
 * The Chronicle Map engine against raw Chronicle Map and an on-heap map, in one run, on the same keys and row size:
 * <ul>
 *   <li>{@code engineRead}: {@link RowStore#readRow} (query context, read lock, copy of the row);</li>
 *   <li>{@code engineApply}: one exactly-once apply through {@link ShardWriter} (duplicate check, undo record,
 *       write lock, four counters incremented in place, checksum, unlock, offset, undo cleared);</li>
 *   <li>{@code rawGetUsing}: {@code ChronicleMap.getUsing(Long, byte[])} on a map of the same configuration;</li>
 *   <li>{@code rawContextRead}: the same map through a query context (read lock, entry, copy of the row);</li>
 *   <li>{@code rawPut}: {@code ChronicleMap.put(Long, byte[])} of a whole value (what an apply replaces);</li>
 *   <li>{@code chmRead}/{@code chmApply}: {@code ConcurrentHashMap<Long, long[]>} get plus a copy of the row, and
 *       get plus the same four increments in place (no persistence, no crash safety).</li>
 * </ul>
 * Rows are 144 bytes (8 lifetime counters). Each structure is pre-filled with
 * {@link KeySequence#keyOf(long) keyOf(0..keys-1)}; operations draw keys from a pre-generated Zipf or uniform
 * sequence, pre-boxed for the maps that take {@code Long} keys, so the harness itself allocates nothing.
 * Single-threaded, one shard.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "-Xmx8g", "-XX:+UseParallelGC",
    JvmFlags.OPEN_JAVA_LANG, JvmFlags.OPEN_JAVA_LANG_REFLECT, JvmFlags.EXPORT_SUN_NIO_CH,
    JvmFlags.EXPORT_JAVAC_FILE, JvmFlags.EXPORT_JDK_INTERNAL_REF,
    JvmFlags.CHRONICLE_NO_ANALYTICS, JvmFlags.CHRONICLE_NO_ANNOUNCER})
public class ChronicleStoreBenchmark {
    /** Where files go unless {@code -Dfreshet.bench.dir} says otherwise. */
    static final String DEFAULT_DIR = "/dev/shm";

    /** The row of every store suite, defined once in {@link StoreBenchmark#SET}: 144 bytes, 8 lifetime counters. */
    static final FeatureSet<StoreBenchmark.Ev> SET = StoreBenchmark.SET;

    static final int ROW_BYTES = StoreBenchmark.ROW_BYTES;
    static final int ROW_LONGS = StoreBenchmark.ROW_LONGS;
    /** Byte offsets of the four counters an apply increments. */
    static final int C0 = 24;
    static final int C1 = 40;
    static final int C2 = 56;
    static final int C3 = 72;

    static Path newDir(String name) throws IOException {
        Path base = Path.of(System.getProperty("freshet.bench.dir",
            Files.isDirectory(Path.of(DEFAULT_DIR)) ? DEFAULT_DIR : System.getProperty("java.io.tmpdir")));
        return Files.createTempDirectory(base, name);
    }

    /** Deletes {@code dir} and what it holds; nothing when it is null (a setup that failed before creating it). */
    static void deleteTree(Path dir) throws IOException {
        if (dir != null) {
            StoreBenchmark.deleteRecursively(dir);
        }
    }

    /** The key sequence, shared by every structure. */
    @State(Scope.Benchmark)
    public static class Keys {
        /** Keys in each structure. */
        @Param({"1000000", "10000000"})
        public int keys;

        /** Key distribution of the operations. */
        @Param({KeySequence.UNIFORM, KeySequence.ZIPF})
        public String distribution;

        KeySequence sequence;
        Long[] boxed;

        /** Builds the sequence and its boxed copy. */
        @Setup(Level.Trial)
        public void setUp() {
            sequence = KeySequence.of(distribution, keys, 42);
            boxed = new Long[sequence.length()];
            for (int i = 0; i < boxed.length; i++) {
                boxed[i] = sequence.key(i);
            }
        }
    }

    /** A position in the sequence, per thread. */
    @State(Scope.Thread)
    public static class Cursor {
        int position;
        long offset;
        final RowBuffer row = RowBuffer.allocateHeap(ROW_BYTES);
        final RowBuffer view = new RowBuffer();
        final long[] heapRow = new long[ROW_LONGS];
        final byte[] value = new byte[ROW_BYTES];

        int next() {
            return position++ & KeySequence.MASK;
        }
    }

    /** The engine, filled through its writer. */
    @State(Scope.Benchmark)
    public static class Engine {
        Path dir;
        RowStore store;
        ShardWriter writer;
        int topic;

        /** Creates and fills the store. */
        @Setup(Level.Trial)
        public void setUp(Keys k) throws IOException {
            dir = newDir("chronicle-engine");
            store = new ChronicleStoreEngine().open(StoreConfig.builder(SET).directory(dir.resolve("s"))
                .capacity(k.keys).growth(StoreGrowth.disabled()).shards(1).build());
            writer = store.writer(0);
            topic = store.topicIndex("bench");
            for (long i = 0; i < k.keys; i++) {
                if (writer.begin(KeySequence.keyOf(i), ShardWriter.NO_SOURCE, 0, 0) != ShardWriter.BEGIN_OK) {
                    throw new IllegalStateException("fill refused key index " + i);
                }
                writer.commit();
            }
        }

        /** Closes and deletes the store. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            store.close();
            deleteTree(dir);
        }
    }

    /** Raw Chronicle Map with the engine's configuration (same entries, value size, checksums). */
    @State(Scope.Benchmark)
    public static class Raw {
        Path dir;
        ChronicleMap<Long, byte[]> map;

        /** Creates and fills the map. */
        @Setup(Level.Trial)
        public void setUp(Keys k) throws IOException {
            dir = newDir("chronicle-raw");
            map = ChronicleMapBuilder.of(Long.class, byte[].class).entries(k.keys).maxBloatFactor(4.0)
                .constantValueSizeBySample(new byte[ROW_BYTES]).checksumEntries(true)
                .createPersistedTo(dir.resolve("raw.cmap").toFile());
            byte[] v = new byte[ROW_BYTES];
            for (long i = 0; i < k.keys; i++) {
                map.put(KeySequence.keyOf(i), v);
            }
        }

        /** Closes and deletes the map. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            map.close();
            deleteTree(dir);
        }
    }

    /** The on-heap baseline. */
    @State(Scope.Benchmark)
    public static class Chm {
        ConcurrentHashMap<Long, long[]> map;

        /** Fills the map. */
        @Setup(Level.Trial)
        public void setUp(Keys k) {
            map = new ConcurrentHashMap<>(k.keys * 2);
            for (long i = 0; i < k.keys; i++) {
                map.put(KeySequence.keyOf(i), new long[ROW_LONGS]);
            }
        }
    }

    /** @return whether the row was found (always) */
    @Benchmark
    @HotPath("the serving read of the Chronicle engine")
    public boolean engineRead(Engine e, Keys k, Cursor c, Blackhole bh) {
        boolean found = e.store.readRow(k.sequence.key(c.next()), c.row);
        bh.consume(c.row.getLong(C0));
        return found;
    }

    /** One exactly-once apply. */
    @Benchmark
    @HotPath("the apply of the Chronicle engine")
    public void engineApply(Engine e, Keys k, Cursor c) {
        ShardWriter w = e.writer;
        if (w.begin(k.sequence.key(c.next()), e.topic, 0, ++c.offset) != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin refused");
        }
        RowBuffer row = w.row();
        row.putLong(C0, row.getLong(C0) + 1);
        row.putLong(C1, row.getLong(C1) + 1);
        row.putLong(C2, row.getLong(C2) + 1);
        row.putLong(C3, row.getLong(C3) + 1);
        w.commit();
    }

    /** @return the value read (the caller's array) */
    @Benchmark
    public byte[] rawGetUsing(Raw r, Keys k, Cursor c) {
        return r.map.getUsing(k.boxed[c.next()], c.value);
    }

    /**
     * Chronicle's allocation-free query-context read (what the engine did before it took {@code getUsing}'s route):
     * pre-boxed key, read lock, entry, copy of the value into the caller's row. Kept to show what the context costs
     * against {@code getUsing} on the same map.
     *
     * @return the first counter of the copied row
     */
    @Benchmark
    public long rawContextRead(Raw r, Keys k, Cursor c) {
        try (ExternalMapQueryContext<Long, byte[], ?> q = r.map.queryContext(k.boxed[c.next()])) {
            q.readLock().lock();
            MapEntry<Long, byte[]> e = q.entry();
            if (e == null) {
                return -1;
            }
            Data<byte[]> v = e.value();
            c.row.copyFrom(c.view.wrap(v.bytes().addressForRead(v.offset()), ROW_BYTES), ROW_BYTES);
        }
        return c.row.getLong(C0);
    }

    /** A whole-value put, what Chronicle's plain API does per update. */
    @Benchmark
    public byte[] rawPut(Raw r, Keys k, Cursor c) {
        c.value[C0]++;
        return r.map.put(k.boxed[c.next()], c.value);
    }

    /** @return the first counter of the copied row */
    @Benchmark
    public long chmRead(Chm m, Keys k, Cursor c) {
        long[] row = m.map.get(k.boxed[c.next()]);
        System.arraycopy(row, 0, c.heapRow, 0, ROW_LONGS);
        return c.heapRow[C0 >> 3];
    }

    /** Get plus four increments in place. */
    @Benchmark
    public void chmApply(Chm m, Keys k, Cursor c) {
        long[] row = m.map.get(k.boxed[c.next()]);
        row[C0 >> 3]++;
        row[C1 >> 3]++;
        row[C2 >> 3]++;
        row[C3 >> 3]++;
    }

    /**
     * Reopen timing of the engine in fresh JVMs (see the run comment at the top of this file). Modes: {@code fill}
     * creates a store of N keys and closes it; {@code reopen} opens it and reads one key, printing where the time
     * went (JVM start to {@code main}, Chronicle's one-time start when {@code warm} is given, our validation of the
     * data file, Chronicle's map open or recovery) and the open state, then opens it again in the same JVM;
     * {@code apply} opens it and applies forever, to be killed with {@code kill -9}.
     */
    public static final class Reopen {
        private Reopen() {
        }

        private static long ms(long nanos) {
            return nanos / 1_000_000;
        }

        /**
         * @param args mode ({@code fill|reopen|apply}), directory, number of keys, optionally {@code warm} (reopen:
         *     first create and close a one-entry raw Chronicle map elsewhere, to separate Chronicle's one-time
         *     start from the store's own open)
         * @throws IOException when the warm-up map cannot be created
         */
        public static void main(String[] args) throws IOException {
            long mainAtMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
            String mode = args[0];
            Path dir = Path.of(args[1]);
            int n = Integer.parseInt(args[2]);
            boolean warm = args.length > 3 && "warm".equals(args[3]);
            StoreConfig config = StoreConfig.builder(SET).directory(dir).capacity(n)
                .growth(StoreGrowth.disabled()).shards(1).build();
            long warmNs = 0;
            if (warm) {
                long w0 = System.nanoTime();
                // Through the engine's gate, so the privacy switches precede Chronicle as in a real open.
                io.freshet.store.chronicle.internal.ChronicleGate.requireReady();
                Path tmp = newDir("chronicle-warm");
                try (ChronicleMap<Long, byte[]> m = ChronicleMapBuilder.of(Long.class, byte[].class).entries(16)
                    .constantValueSizeBySample(new byte[ROW_BYTES]).checksumEntries(true)
                    .createPersistedTo(tmp.resolve("warm.cmap").toFile())) {
                    m.put(1L, new byte[ROW_BYTES]);
                } finally {
                    deleteTree(tmp);
                }
                warmNs = System.nanoTime() - w0;
            }
            long t0 = System.nanoTime();
            RowStore store = new ChronicleStoreEngine().open(config);
            long openedNs = System.nanoTime() - t0;
            ShardWriter w = store.writer(0);
            int topic = store.topicIndex("bench");
            switch (mode) {
                case "fill" -> {
                    for (long i = 0; i < n; i++) {
                        w.begin(KeySequence.keyOf(i), ShardWriter.NO_SOURCE, 0, 0);
                        w.commit();
                    }
                    long t1 = System.nanoTime();
                    store.close();
                    System.out.printf("fill n=%d open=%d ms fill=%d ms close=%d ms%n", n, ms(openedNs),
                        ms(t1 - t0 - openedNs), ms(System.nanoTime() - t1));
                }
                case "reopen" -> {
                    RowBuffer row = RowBuffer.allocateHeap(ROW_BYTES);
                    boolean found = store.readRow(KeySequence.keyOf(n / 2), row);
                    long firstReadNs = System.nanoTime() - t0;
                    io.freshet.store.chronicle.internal.ChronicleRowStore c =
                        (io.freshet.store.chronicle.internal.ChronicleRowStore) store;
                    long uptime = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
                    System.out.printf("reopen n=%d state=%s size=%d found=%b | jvmToMain=%d ms warm=%d ms open=%d ms "
                        + "(validate=%d ms, chronicleOpen=%d ms of which preRecoveryCopy=%d ms, rest=%d ms) "
                        + "firstReadDone=%d ms | jvmUptime=%d ms%n",
                        n, store.openState(), store.size(), found, mainAtMs, ms(warmNs), ms(openedNs),
                        ms(c.validateNanos()), ms(c.mapOpenNanos()), ms(c.preRecoveryCopyNanos()),
                        ms(openedNs - c.validateNanos() - c.mapOpenNanos()), ms(firstReadNs), uptime);
                    long t1 = System.nanoTime();
                    store.close();
                    long t2 = System.nanoTime();
                    // Again in this JVM: the size-dependent cost without Chronicle's one-time start.
                    try (RowStore again = new ChronicleStoreEngine().open(config)) {
                        again.readRow(KeySequence.keyOf(n / 3), row);
                        io.freshet.store.chronicle.internal.ChronicleRowStore a =
                            (io.freshet.store.chronicle.internal.ChronicleRowStore) again;
                        System.out.printf("close=%d ms sameJvmReopen=%d ms (validate=%d ms, chronicleOpen=%d ms, "
                            + "state=%s)%n", ms(t2 - t1), ms(System.nanoTime() - t2), ms(a.validateNanos()),
                            ms(a.mapOpenNanos()), again.openState());
                    }
                }
                case "apply" -> {
                    System.out.println("APPLYING");
                    System.out.flush();
                    java.util.SplittableRandom random = new java.util.SplittableRandom();
                    long offset = store.appliedOffset(0, topic, 0);
                    while (true) {
                        if (w.begin(KeySequence.keyOf(random.nextInt(n)), topic, 0, ++offset) == ShardWriter.BEGIN_OK) {
                            RowBuffer row = w.row();
                            row.putLong(C0, row.getLong(C0) + 1);
                            w.commit();
                        }
                    }
                }
                default -> throw new IllegalArgumentException("mode=" + mode + ": use fill, reopen or apply");
            }
        }
    }
}
