package io.freshet.benchmarks;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.FeatureSet;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.core.spi.StoreEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 *   java -jar benchmarks/target/benchmarks.jar StoreBenchmark -p keys=1000000,10000000 -prof gc
 *
 * Options: -p engine=table,chronicle,chm (default all) -p location=shm,disk (default shm: /dev/shm; disk: the
 * directory in -Dfreshet.bench.diskDir, default java.io.tmpdir) -p distribution=uniform,zipf.
 * A 10M-key fork needs ~2 GB of store files plus ~3 GB of heap for the ConcurrentHashMap baseline.
 *
 * Reopen times (goal for 10M keys: <= 1 s after a clean close, <= 2 s after kill -9), each step in a fresh JVM:
 *   java -cp benchmarks/target/benchmarks.jar io.freshet.benchmarks.StoreBenchmark\$Reopen fill   DIR 10000000
 *   java -cp benchmarks/target/benchmarks.jar io.freshet.benchmarks.StoreBenchmark\$Reopen reopen DIR 10000000
 *   java -cp benchmarks/target/benchmarks.jar io.freshet.benchmarks.StoreBenchmark\$Reopen apply  DIR 10000000 &
 *   sleep 5; kill -9 $!   # then reopen again
 *
 * Goals (issue 4, table engine): read <= 1.5x the ConcurrentHashMap baseline and >= 3x faster than Chronicle;
 * apply <= 150 ns/op; 0 B/op (gc.alloc.rate.norm) on both; memory per key beyond the row <= 16 B (printed at setup:
 * bytes of all the store's files / keys - row bytes, with the store created at capacity = keys, i.e. full).
 * Table against both peers in one run (the regex keeps ChronicleStoreBenchmark's other methods out):
 *
 *   java -jar benchmarks/target/benchmarks.jar 'benchmarks\.StoreBenchmark|ChronicleStoreBenchmark.rawGetUsing' \
 *       -p keys=1000000 -p engine=table,chm -prof gc -f 1 -wi 3 -w 1 -i 5 -r 1
 */

/**
 * Store engines side by side on the two hot paths, in one run: {@code read} copies one key's row into a caller-owned
 * buffer ({@link RowStore#readRow}); {@code apply} is one full exactly-once apply through {@link ShardWriter}
 * (duplicate check, undo record, in-place update of four counters, publish, offset advance). The baseline
 * {@code chm} is a {@code ConcurrentHashMap<Long, long[]>} of rows of the same size: get plus a copy of the row,
 * and get plus the same four increments in place, with neither persistence nor crash safety.
 *
 * <p>Engines are selected by {@code @Param engine}; each subject implements {@link Subject}. Adding raw Chronicle
 * Map {@code getUsing}/{@code put} is one more {@link Subject} and one more param value. An engine whose class is not
 * on the class path fails its own trial with a message and leaves the others running (unless {@code -foe true}).
 *
 * <p>Rows: 144 bytes (8 lifetime counters), the row size of the prototype in shared/FACTS.md. Keys: the store is
 * pre-filled with {@link KeySequence#keyOf(long) keyOf(0..keys-1)}; reads and applies draw from a pre-generated
 * Zipf or uniform sequence (one array load per op, nothing allocated). Single-threaded.
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
public class StoreBenchmark {
    /** Number of counters in the benchmark row. */
    static final int COUNTERS = 8;

    /** A row of 8 lifetime counters: 16 header bytes + 8 x 16 = 144 bytes. */
    record Ev(long key) {
    }

    static final FeatureSet<Ev> SET = FeatureSet.builder("store_bench", Ev.class)
        .entity("key", Ev::key)
        .eventTime(e -> 0L)
        .count("c0").count("c1").count("c2").count("c3").count("c4").count("c5").count("c6").count("c7")
        .build();

    static final int ROW_BYTES = SET.rowSizeBytes();
    static final int ROW_LONGS = ROW_BYTES / 8;
    /** Byte offsets of the four counters an apply increments (count accumulators of c0..c3). */
    static final int[] APPLY_OFFSETS = {24, 40, 56, 72};

    /** What a benchmark drives: an engine through the SPI, or a baseline. */
    interface Subject extends AutoCloseable {
        boolean read(long key, RowBuffer into);

        void apply(long key, long offset);

        @Override
        void close();
    }

    /** A store engine through the SPI. */
    static final class EngineSubject implements Subject {
        private final RowStore store;
        private final int topic;
        private final ShardWriter[] writers;

        EngineSubject(RowStore store) {
            this.store = store;
            this.topic = store.topicIndex("bench");
            this.writers = new ShardWriter[store.shardCount()];
            for (int s = 0; s < writers.length; s++) {
                writers[s] = store.writer(s);
            }
        }

        @Override
        public boolean read(long key, RowBuffer into) {
            return store.readRow(key, into);
        }

        @Override
        public void apply(long key, long offset) {
            ShardWriter w = writers[store.shardOf(key)];
            if (w.begin(key, topic, 0, offset) != ShardWriter.BEGIN_OK) {
                throw new IllegalStateException("begin refused key=" + key + " offset=" + offset);
            }
            RowBuffer row = w.row();
            for (int off : APPLY_OFFSETS) {
                row.putLong(off, row.getLong(off) + 1);
            }
            w.commit();
        }

        /** @return what {@link ShardWriter#touch} read for the key (the caller consumes it) */
        long touch(long key) {
            return writers[store.shardOf(key)].touch(key);
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /** The on-heap baseline: a ConcurrentHashMap of pre-boxed keys to row arrays. */
    static final class ChmSubject implements Subject {
        private final ConcurrentHashMap<Long, long[]> map;
        private final Long[] boxed;
        private final KeySequence sequence;

        ChmSubject(int keys, KeySequence sequence) {
            this.map = new ConcurrentHashMap<>(keys * 2);
            for (int i = 0; i < keys; i++) {
                map.put(KeySequence.keyOf(i), new long[ROW_LONGS]);
            }
            this.sequence = sequence;
            this.boxed = new Long[sequence.length()];
            for (int i = 0; i < boxed.length; i++) {
                boxed[i] = sequence.key(i);
            }
        }

        long[] get(int position) {
            return map.get(boxed[position & KeySequence.MASK]);
        }

        /** @return the row of a key (not on a measured path: it boxes) */
        long[] row(long key) {
            return map.get(key);
        }

        @Override
        public boolean read(long key, RowBuffer into) {
            throw new UnsupportedOperationException("use the position variant: keys are pre-boxed");
        }

        @Override
        public void apply(long key, long offset) {
            throw new UnsupportedOperationException("use the position variant: keys are pre-boxed");
        }

        @Override
        public void close() {
            map.clear();
        }
    }

    /** One pre-filled subject per trial. */
    @State(Scope.Benchmark)
    public static class Stores {
        /** Engine: {@code table}, {@code chronicle} (the Chronicle Map engine) or {@code chm} (baseline). */
        @Param({"table", "chronicle", "chm"})
        public String engine;
        /** Keys in the store. */
        @Param({"1000000"})
        public int keys;
        /** Key distribution of reads and applies. */
        @Param({KeySequence.UNIFORM, KeySequence.ZIPF})
        public String distribution;
        /** Where store files live: {@code shm} (/dev/shm, tmpfs) or {@code disk}. */
        @Param({"shm"})
        public String location;

        KeySequence sequence;
        Subject subject;
        ChmSubject chm;
        EngineSubject store;
        Path dir;
        long offset;

        /** Creates and fills the subject. */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            sequence = KeySequence.of(distribution, keys, 17);
            long t0 = System.nanoTime();
            if ("chm".equals(engine)) {
                long before = usedHeap();
                chm = new ChmSubject(keys, sequence);
                subject = chm;
                System.out.printf("%nchm: %d keys, heap beyond rows ~%.0f B/key%n", keys,
                    (double) (usedHeap() - before) / keys - ROW_BYTES);
            } else {
                dir = baseDir().resolve("freshet-storebench-" + engine + "-" + ProcessHandle.current().pid());
                deleteRecursively(dir);
                StoreConfig config = StoreConfig.builder(SET).directory(dir).capacity(keys)
                    .growth(StoreGrowth.disabled()).shards(1)
                    .build();
                RowStore s = engineNamed(engine).open(config);
                fill(s, keys);
                store = new EngineSubject(s);
                subject = store;
                long bytes = directoryBytes(dir);
                System.out.printf("%n%s: %d keys in %s, %.1f s to fill, files %d MB = %.1f B/key beyond the "
                    + "%d-byte row%n", engine, keys, dir, (System.nanoTime() - t0) / 1e9, bytes >> 20,
                    (double) bytes / keys - ROW_BYTES, ROW_BYTES);
            }
        }

        /** Closes and deletes the store. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            subject.close();
            if (dir != null) {
                deleteRecursively(dir);
            }
        }

        private Path baseDir() {
            if ("shm".equals(location)) {
                return Path.of("/dev/shm");
            }
            if ("disk".equals(location)) {
                return Path.of(System.getProperty("freshet.bench.diskDir", System.getProperty("java.io.tmpdir")));
            }
            throw new IllegalArgumentException("location=" + location + " is unknown: use shm or disk");
        }
    }

    static StoreEngine engineNamed(String name) {
        String cls = "table".equals(name) ? "io.freshet.store.TableStoreEngine"
            : "chronicle".equals(name) ? "io.freshet.store.chronicle.ChronicleStoreEngine" : null;
        if (cls == null) {
            throw new IllegalArgumentException("engine=" + name + " is unknown: use table, chronicle or chm");
        }
        try {
            return (StoreEngine) Class.forName(cls).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("engine=" + name + " (" + cls + ") is not available in this build: " + e,
                e);
        }
    }

    /** Inserts keyOf(0..keys-1) through the writer, with no source offsets. */
    static void fill(RowStore s, int keys) {
        for (int i = 0; i < keys; i++) {
            long key = KeySequence.keyOf(i);
            ShardWriter w = s.writer(s.shardOf(key));
            if (w.begin(key, ShardWriter.NO_SOURCE, 0, 0) != ShardWriter.BEGIN_OK) {
                throw new IllegalStateException("fill refused key index " + i);
            }
            w.commit();
        }
    }

    static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    static long directoryBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            long sum = 0;
            for (Path p : s.toList()) {
                sum += Files.size(p);
            }
            return sum;
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Per-thread cursor and caller-owned row. */
    @State(Scope.Thread)
    public static class Cursor {
        int position;
        RowBuffer row = RowBuffer.allocateHeap(ROW_BYTES);
    }

    /**
     * Reads one row into a caller-owned buffer.
     *
     * @param s subject
     * @param c cursor
     * @return a value of the row, so nothing is dead code
     */
    @Benchmark
    @HotPath("the model-serving read: one consistent row image per feature-vector read")
    public long read(Stores s, Cursor c) {
        int i = c.position++;
        if (s.chm != null) {
            long[] r = s.chm.get(i);
            RowBuffer into = c.row;
            for (int k = 0; k < ROW_LONGS; k++) {
                into.putLong(k << 3, r[k]);
            }
            return into.getLong(APPLY_OFFSETS[0]);
        }
        if (!s.store.read(s.sequence.key(i), c.row)) {
            throw new IllegalStateException("key missing at position " + i);
        }
        return c.row.getLong(APPLY_OFFSETS[0]);
    }

    /**
     * Applies one record (four counters) through the full exactly-once protocol.
     *
     * @param s subject
     * @param c cursor
     */
    @Benchmark
    @HotPath("the per-record apply of the ingestion path")
    public void apply(Stores s, Cursor c) {
        int i = c.position++;
        if (s.chm != null) {
            long[] r = s.chm.get(i);
            for (int off : APPLY_OFFSETS) {
                r[off >> 3]++;
            }
            return;
        }
        s.store.apply(s.sequence.key(i), ++s.offset);
    }

    /** Records per invocation of {@link #applyGroup}: the pipeline applier's read-ahead group. */
    static final int GROUP = 8;

    /**
     * Applies {@value #GROUP} records the way the pipeline's applier does: the rows of the whole group are read
     * ahead first ({@link ShardWriter#touch}), then each record goes through the full exactly-once protocol; the
     * score is per record. The baseline applies the same records in a plain loop (nothing to read ahead: the CPU
     * overlaps its short iterations by itself).
     *
     * @param s subject
     * @param c cursor
     * @return what the read-ahead read, so nothing is dead code
     */
    @Benchmark
    @OperationsPerInvocation(GROUP)
    @HotPath("the per-record apply as the pipeline's applier runs it: groups of eight, rows read ahead")
    public long applyGroup(Stores s, Cursor c) {
        int first = c.position;
        c.position += GROUP;
        if (s.chm != null) {
            for (int g = 0; g < GROUP; g++) {
                long[] r = s.chm.get(first + g);
                for (int off : APPLY_OFFSETS) {
                    r[off >> 3]++;
                }
            }
            return 0;
        }
        long touched = 0;
        for (int g = 0; g < GROUP; g++) {
            touched += s.store.touch(s.sequence.key(first + g));
        }
        for (int g = 0; g < GROUP; g++) {
            s.store.apply(s.sequence.key(first + g), ++s.offset);
        }
        return touched;
    }

    /**
     * Reopen-time harness for the table engine, one step per JVM (see the run commands at the top of the file).
     * Prints one line per step; not a JMH benchmark.
     */
    public static final class Reopen {
        private Reopen() {
        }

        /**
         * @param args {@code fill|reopen|apply DIR KEYS}
         * @throws Exception on failure
         */
        public static void main(String[] args) throws Exception {
            long jvmStartMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
            String step = args[0];
            Path dir = Path.of(args[1]);
            int keys = Integer.parseInt(args[2]);
            StoreConfig config = StoreConfig.builder(SET).directory(dir).capacity(keys)
                .growth(StoreGrowth.disabled()).shards(1).build();
            StoreEngine engine = engineNamed(args.length > 3 ? args[3] : "table");
            long t0 = System.nanoTime();
            switch (step) {
                case "fill": {
                    deleteRecursively(dir);
                    try (RowStore s = engine.open(config)) {
                        long t1 = System.nanoTime();
                        fill(s, keys);
                        long t2 = System.nanoTime();
                        System.out.printf("fill: create %.0f ms, insert %d keys %.0f ms, ", (t1 - t0) / 1e6, keys,
                            (t2 - t1) / 1e6);
                        t0 = System.nanoTime();
                    }
                    System.out.printf("close (seal) %.0f ms, files %d MB%n", (System.nanoTime() - t0) / 1e6,
                        directoryBytes(dir) >> 20);
                    break;
                }
                case "reopen": {
                    RowBuffer row = RowBuffer.allocateHeap(ROW_BYTES);
                    try (RowStore s = engine.open(config)) {
                        long t1 = System.nanoTime();
                        boolean found = s.readRow(KeySequence.keyOf(keys / 2), row);
                        long t2 = System.nanoTime();
                        StoreOpenState state = s.openState();
                        System.out.printf("reopen: state=%s size=%d open %.0f ms, first read %.3f ms (found=%b); "
                            + "JVM start to first read %d ms%n", state, s.size(), (t1 - t0) / 1e6, (t2 - t1) / 1e6,
                            found, System.currentTimeMillis() - jvmStartMs);
                        t0 = System.nanoTime();
                    }
                    System.out.printf("close (seal) %.0f ms%n", (System.nanoTime() - t0) / 1e6);
                    break;
                }
                case "apply": {
                    RowStore s = engine.open(config);
                    EngineSubject subject = new EngineSubject(s);
                    long offset = s.appliedOffset(0, s.topicIndex("bench"), 0);
                    System.out.println("READY " + s.openState() + " in " + (System.nanoTime() - t0) / 1_000_000
                        + " ms");
                    SplittableRandom random = new SplittableRandom();
                    while (true) {
                        subject.apply(KeySequence.keyOf(random.nextInt(keys)), ++offset);
                    }
                }
                default:
                    throw new IllegalArgumentException("step=" + step + " is unknown: use fill, reopen or apply");
            }
        }
    }
}
