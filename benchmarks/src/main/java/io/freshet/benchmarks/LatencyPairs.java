package io.freshet.benchmarks;

import io.freshet.benchmarks.peers.KeySequence;
import java.util.List;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Every pair the latency guard measures: each {@link HotPath} benchmark beside its peer. Adding a {@link HotPath}
 * benchmark means adding a pair here (the guard fails the build until one covers it) and its baseline ratio in
 * {@code benchmarks/latency-baselines.properties}.
 *
 * <p>Stores are small ({@value #KEYS} keys, a few hundred KB: they stay in the core's own 1 MB L2 cache): the guard
 * watches the code's cost, which a regression changes, not the shared L3 cache's, which the machine's other tenants
 * change (at 10,000 keys the table apply's ratio moved 2.7 to 5.8 between runs under load, against 2.1 to 2.9 here).
 * Not thread-safe; one pair per JVM.
 */
final class LatencyPairs {
    /** Keys of the store pairs. */
    static final int KEYS = 1_000;

    private static final String PKG = "io.freshet.benchmarks.";

    private LatencyPairs() {
    }

    /** @return a fresh instance of every pair, in the order the guard runs them */
    static List<LatencyPair> all() {
        return List.of(new KernelApply(), new KernelRead(), new Decode(), new HandOffRoundTrip(),
            new TableRead(), new TableApply(), new TableApplyGroup(), new BatchRead(), new ServedRead(),
            new ServedReadRecordingAge(), new ServedReadTimed(), new ServedReadLogged(),
            new ChronicleRead(), new ChronicleApply(), new AvroDecode(), new ViewRead());
    }

    /**
     * @param name a pair's name
     * @return a fresh instance of that pair
     * @throws IllegalArgumentException when no pair has that name
     */
    static LatencyPair named(String name) {
        for (LatencyPair p : all()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("pair=" + name + " is unknown: see LatencyPairs.all()");
    }

    /** JMH's Blackhole, built the one way JMH allows outside its generated code. */
    static Blackhole newBlackhole() {
        return new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is "
            + "dangerous.");
    }

    /** One event through the kernels of the 16-feature row (off-heap) against a map get plus four increments. */
    static final class KernelApply extends LatencyPair {
        private final CoreKernelBenchmark bench = new CoreKernelBenchmark();
        private final CoreKernelBenchmark.ApplyState apply = new CoreKernelBenchmark.ApplyState();
        private final CoreKernelBenchmark.MapState map = new CoreKernelBenchmark.MapState();

        KernelApply() {
            super("kernel.apply", PKG + "CoreKernelBenchmark.apply");
        }

        @Override
        String describe() {
            return "CoreKernelBenchmark.apply (memory=offheap) / chmUpdate";
        }

        @Override
        void setUp() {
            apply.memory = RowMemory.OFF_HEAP;
            apply.setUp();
            map.setUp();
        }

        @Override
        long subject(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.apply(apply);
            }
            return sink;
        }

        @Override
        long peer(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.chmUpdate(map);
            }
            return sink;
        }
    }

    /** The 16-feature vector read from an off-heap row against a map get plus a copy of a row of the same size. */
    static final class KernelRead extends LatencyPair {
        private final CoreKernelBenchmark bench = new CoreKernelBenchmark();
        private final CoreKernelBenchmark.ReadState read = new CoreKernelBenchmark.ReadState();
        private final CoreKernelBenchmark.MapState map = new CoreKernelBenchmark.MapState();
        private final Blackhole bh = newBlackhole();

        KernelRead() {
            super("kernel.read", PKG + "CoreKernelBenchmark.read");
        }

        @Override
        String describe() {
            return "CoreKernelBenchmark.read (memory=offheap) / chmGetCopy";
        }

        @Override
        void setUp() {
            read.memory = RowMemory.OFF_HEAP;
            read.setUp();
            map.setUp();
        }

        @Override
        long subject(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.read(read, bh) ? 1 : 0;
            }
            return sink;
        }

        @Override
        long peer(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.chmGetCopy(map)[0];
            }
            return sink;
        }
    }

    /** Decode, key, time and route of one record against reading the same fields straight from the bytes. */
    static final class Decode extends LatencyPair {
        private final DecodeHandOffBenchmark bench = new DecodeHandOffBenchmark();
        private final DecodeHandOffBenchmark.DecodeState subjectState = new DecodeHandOffBenchmark.DecodeState();
        private final DecodeHandOffBenchmark.DecodeState peerState = new DecodeHandOffBenchmark.DecodeState();

        Decode() {
            super("decode", PKG + "DecodeHandOffBenchmark.decode");
        }

        @Override
        String describe() {
            return "DecodeHandOffBenchmark.decode / decodeBare";
        }

        @Override
        void setUp() {
        }

        @Override
        long subject(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.decode(subjectState);
            }
            return sink;
        }

        @Override
        long peer(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.decodeBare(peerState);
            }
            return sink;
        }
    }

    /**
     * The hand-off ring's protocol on one thread against the same protocol on two bare SPSC queues. It also stands
     * for the two-thread {@code handOff} group: across two threads on a shared two-core machine a hand-off's time is
     * the scheduler's (measured here: 34 ns to 1.5 us per record between runs minutes apart, with the ring and the
     * bare queues alike), so a ratio there could neither catch a slower ring nor stay put; the ring's own code is
     * the same on one thread.
     */
    static final class HandOffRoundTrip extends LatencyPair {
        private final DecodeHandOffBenchmark bench = new DecodeHandOffBenchmark();
        private final DecodeHandOffBenchmark.RingState ring = new DecodeHandOffBenchmark.RingState();
        private final DecodeHandOffBenchmark.QueueState queue = new DecodeHandOffBenchmark.QueueState();

        HandOffRoundTrip() {
            // The two-thread groups run the same ring code; across threads their time is the scheduler's on a shared
            // 2-core machine (34 ns to 1.5 us per record between runs), so the one-thread round trip guards them.
            super("handOff.roundTrip", PKG + "DecodeHandOffBenchmark.handOffRoundTrip",
                PKG + "DecodeHandOffBenchmark.handOff", PKG + "DecodeHandOffBenchmark.handOffRate");
        }

        @Override
        String describe() {
            return "DecodeHandOffBenchmark.handOffRoundTrip / queueRoundTrip";
        }

        @Override
        void setUp() {
            ring.setUp();
            queue.setUp();
        }

        @Override
        long subject(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.handOffRoundTrip(ring);
            }
            return sink;
        }

        @Override
        long peer(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.queueRoundTrip(queue);
            }
            return sink;
        }
    }

    /** Shared setup of the table-engine pairs: the table engine and the on-heap map, both of {@value #KEYS} keys. */
    abstract static class TablePair extends LatencyPair {
        final StoreBenchmark bench = new StoreBenchmark();
        final StoreBenchmark.Stores table = new StoreBenchmark.Stores();
        final StoreBenchmark.Stores chm = new StoreBenchmark.Stores();
        final StoreBenchmark.Cursor tableCursor = new StoreBenchmark.Cursor();
        final StoreBenchmark.Cursor chmCursor = new StoreBenchmark.Cursor();

        TablePair(String name, String covers) {
            super(name, covers);
        }

        @Override
        void setUp() throws Exception {
            for (StoreBenchmark.Stores s : new StoreBenchmark.Stores[] {table, chm}) {
                s.engine = s == table ? "table" : "chm";
                s.keys = KEYS;
                s.distribution = KeySequence.UNIFORM;
                s.location = "shm";
                s.setUp();
            }
        }

        @Override
        void tearDown() throws Exception {
            table.tearDown();
            chm.tearDown();
        }
    }

    /** A table-engine row read against a map get plus a copy of the row. */
    static final class TableRead extends TablePair {
        TableRead() {
            super("table.read", PKG + "StoreBenchmark.read");
        }

        @Override
        String describe() {
            return "StoreBenchmark.read engine=table / engine=chm (" + KEYS + " keys, uniform)";
        }

        @Override
        long subject(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.read(table, tableCursor);
            }
            return sink;
        }

        @Override
        long peer(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.read(chm, chmCursor);
            }
            return sink;
        }
    }

    /** A table-engine exactly-once apply against a map get plus four increments. */
    static final class TableApply extends TablePair {
        TableApply() {
            super("table.apply", PKG + "StoreBenchmark.apply");
        }

        @Override
        String describe() {
            return "StoreBenchmark.apply engine=table / engine=chm (" + KEYS + " keys, uniform)";
        }

        @Override
        long subject(int ops) {
            for (int i = 0; i < ops; i++) {
                bench.apply(table, tableCursor);
            }
            return tableCursor.position;
        }

        @Override
        long peer(int ops) {
            for (int i = 0; i < ops; i++) {
                bench.apply(chm, chmCursor);
            }
            return chmCursor.position;
        }
    }

    /** The applier's groups of eight with read-ahead against the map's plain loop over the same records. */
    static final class TableApplyGroup extends TablePair {
        TableApplyGroup() {
            super("table.applyGroup", PKG + "StoreBenchmark.applyGroup");
        }

        @Override
        String describe() {
            return "StoreBenchmark.applyGroup engine=table / engine=chm (per group of " + StoreBenchmark.GROUP
                + ", " + KEYS + " keys, uniform)";
        }

        @Override
        long subject(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.applyGroup(table, tableCursor);
            }
            return sink;
        }

        @Override
        long peer(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.applyGroup(chm, chmCursor);
            }
            return sink;
        }
    }

    /** Eight keys in one batch read against the same eight keys read one by one (table store, 16-feature rows). */
    static final class BatchRead extends LatencyPair {
        private final BatchReadBenchmark bench = new BatchReadBenchmark();
        private final BatchReadBenchmark.Store store = new BatchReadBenchmark.Store();
        private final BatchReadBenchmark.Cursor subjectCursor = new BatchReadBenchmark.Cursor();
        private final BatchReadBenchmark.Cursor peerCursor = new BatchReadBenchmark.Cursor();

        BatchRead() {
            super("reader.batch", PKG + "BatchReadBenchmark.readBatch");
        }

        @Override
        String describe() {
            return "BatchReadBenchmark.readBatch / readEightSingles (" + KEYS + " keys, uniform)";
        }

        @Override
        void setUp() throws Exception {
            store.keys = KEYS;
            store.distribution = KeySequence.UNIFORM;
            store.setUp();
            subjectCursor.setUp(store);
            peerCursor.setUp(store);
        }

        @Override
        long subject(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.readBatch(store, subjectCursor);
            }
            return sink;
        }

        @Override
        long peer(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.readEightSingles(store, peerCursor);
            }
            return sink;
        }

        @Override
        void tearDown() throws Exception {
            store.tearDown();
        }
    }

    /**
     * The served read, {@code FeatureReader.read} of the 16-feature vector from a filled table store, against a
     * {@code ConcurrentHashMap} get and copy of a precomputed 16-value vector (what a caller would do without Freshet).
     */
    static final class ServedRead extends LatencyPair {
        private final ServedReadBenchmark bench = new ServedReadBenchmark();
        private final ServedReadBenchmark.Served served = new ServedReadBenchmark.Served();
        private final ServedReadBenchmark.Precomputed map = new ServedReadBenchmark.Precomputed();
        private final ServedReadBenchmark.Caller subjectCaller = new ServedReadBenchmark.Caller();
        private final ServedReadBenchmark.Caller peerCaller = new ServedReadBenchmark.Caller();

        ServedRead() {
            super("reader.served", PKG + "ServedReadBenchmark.read");
        }

        @Override
        String describe() {
            return "ServedReadBenchmark.read / chmGetCopy (" + KEYS + " keys, uniform, payment set)";
        }

        @Override
        void setUp() throws Exception {
            served.keys = KEYS;
            served.distribution = KeySequence.UNIFORM;
            served.set = "payment";
            served.events = 40;
            served.setUp();
            map.keys = KEYS;
            map.distribution = KeySequence.UNIFORM;
            map.setUp();
        }

        @Override
        long subject(int ops) {
            double sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.read(served, subjectCaller);
            }
            return (long) sink;
        }

        @Override
        long peer(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.chmGetCopy(map, peerCaller).length;
            }
            return sink;
        }

        @Override
        void tearDown() throws Exception {
            served.tearDown();
        }
    }

    /**
     * The served read recording each returned row's age (a recorder of ages only) against the same read without.
     */
    static final class ServedReadRecordingAge extends LatencyPair {
        private final ServedReadBenchmark bench = new ServedReadBenchmark();
        private final ServedReadBenchmark.Served served = new ServedReadBenchmark.Served();
        private final ServedReadBenchmark.Caller subjectCaller = new ServedReadBenchmark.Caller();
        private final ServedReadBenchmark.Caller peerCaller = new ServedReadBenchmark.Caller();

        ServedReadRecordingAge() {
            super("reader.servedAge", PKG + "ServedReadBenchmark.readRecordingAge");
        }

        @Override
        String describe() {
            return "ServedReadBenchmark.readRecordingAge / read (" + KEYS + " keys, uniform, payment set)";
        }

        @Override
        void setUp() throws Exception {
            served.keys = KEYS;
            served.distribution = KeySequence.UNIFORM;
            served.set = "payment";
            served.events = 40;
            served.setUp();
        }

        @Override
        long subject(int ops) {
            double sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.readRecordingAge(served, subjectCaller);
            }
            return (long) sink;
        }

        @Override
        long peer(int ops) {
            double sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.read(served, peerCaller);
            }
            return (long) sink;
        }

        @Override
        void tearDown() throws Exception {
            served.tearDown();
        }
    }

    /**
     * The served read as {@code FreshetMetrics} leaves it while bound (the reader records each returned row's age and
     * times every read) against the same read unobserved: the ratio is what binding costs a model request.
     */
    static final class ServedReadTimed extends LatencyPair {
        private final ServedReadBenchmark bench = new ServedReadBenchmark();
        private final ServedReadBenchmark.Served served = new ServedReadBenchmark.Served();
        private final ServedReadBenchmark.Caller subjectCaller = new ServedReadBenchmark.Caller();
        private final ServedReadBenchmark.Caller peerCaller = new ServedReadBenchmark.Caller();

        ServedReadTimed() {
            super("reader.servedTimed", PKG + "ServedReadBenchmark.readTimed");
        }

        @Override
        String describe() {
            return "ServedReadBenchmark.readTimed / read (" + KEYS + " keys, uniform, payment set)";
        }

        @Override
        void setUp() throws Exception {
            served.keys = KEYS;
            served.distribution = KeySequence.UNIFORM;
            served.set = "payment";
            served.events = 40;
            served.setUp();
        }

        @Override
        long subject(int ops) {
            double sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.readTimed(served, subjectCaller);
            }
            return (long) sink;
        }

        @Override
        long peer(int ops) {
            double sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.read(served, peerCaller);
            }
            return (long) sink;
        }

        @Override
        void tearDown() throws Exception {
            served.tearDown();
        }
    }

    /**
     * The served read with the served-feature log on (the vector appended to the thread's mapped segment) against the
     * same read with it off: the ratio is what logging costs a model request.
     */
    static final class ServedReadLogged extends LatencyPair {
        private final FeatureLogBenchmark bench = new FeatureLogBenchmark();
        private final FeatureLogBenchmark.Logged logged = new FeatureLogBenchmark.Logged();
        private final FeatureLogBenchmark.Caller subjectCaller = new FeatureLogBenchmark.Caller();
        private final FeatureLogBenchmark.Caller peerCaller = new FeatureLogBenchmark.Caller();

        ServedReadLogged() {
            super("reader.servedLogged", PKG + "FeatureLogBenchmark.readLogged");
        }

        @Override
        String describe() {
            return "FeatureLogBenchmark.readLogged / read (" + KEYS + " keys, uniform, payment set)";
        }

        @Override
        void setUp() throws Exception {
            logged.keys = KEYS;
            logged.distribution = KeySequence.UNIFORM;
            logged.setUp();
        }

        @Override
        long subject(int ops) {
            double sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.readLogged(logged, subjectCaller);
            }
            return (long) sink;
        }

        @Override
        long peer(int ops) {
            double sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.read(logged, peerCaller);
            }
            return (long) sink;
        }

        @Override
        void tearDown() throws Exception {
            logged.tearDown();
        }
    }

    /** Shared setup of the Chronicle-engine pairs ({@value #KEYS} keys, uniform). */
    abstract static class ChroniclePair extends LatencyPair {
        final ChronicleStoreBenchmark bench = new ChronicleStoreBenchmark();
        final ChronicleStoreBenchmark.Keys keys = new ChronicleStoreBenchmark.Keys();
        final ChronicleStoreBenchmark.Engine engine = new ChronicleStoreBenchmark.Engine();
        final ChronicleStoreBenchmark.Cursor subjectCursor = new ChronicleStoreBenchmark.Cursor();
        final ChronicleStoreBenchmark.Cursor peerCursor = new ChronicleStoreBenchmark.Cursor();

        ChroniclePair(String name, String covers) {
            super(name, covers);
        }

        @Override
        void setUp() throws Exception {
            keys.keys = KEYS;
            keys.distribution = KeySequence.UNIFORM;
            keys.setUp();
            engine.setUp(keys);
        }

        @Override
        void tearDown() throws Exception {
            engine.tearDown();
        }
    }

    /** The Chronicle engine's read against raw Chronicle Map {@code getUsing} on a map of the same shape. */
    static final class ChronicleRead extends ChroniclePair {
        private final ChronicleStoreBenchmark.Raw raw = new ChronicleStoreBenchmark.Raw();
        private final Blackhole bh = newBlackhole();

        ChronicleRead() {
            super("chronicle.read", PKG + "ChronicleStoreBenchmark.engineRead");
        }

        @Override
        String describe() {
            return "ChronicleStoreBenchmark.engineRead / rawGetUsing (" + KEYS + " keys, uniform)";
        }

        @Override
        void setUp() throws Exception {
            super.setUp();
            raw.setUp(keys);
        }

        @Override
        long subject(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.engineRead(engine, keys, subjectCursor, bh) ? 1 : 0;
            }
            return sink;
        }

        @Override
        long peer(int ops) {
            long sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.rawGetUsing(raw, keys, peerCursor).length;
            }
            return sink;
        }

        @Override
        void tearDown() throws Exception {
            raw.tearDown();
            super.tearDown();
        }
    }

    /** The Chronicle engine's exactly-once apply against a map get plus four increments. */
    static final class ChronicleApply extends ChroniclePair {
        private final ChronicleStoreBenchmark.Chm chm = new ChronicleStoreBenchmark.Chm();

        ChronicleApply() {
            super("chronicle.apply", PKG + "ChronicleStoreBenchmark.engineApply");
        }

        @Override
        String describe() {
            return "ChronicleStoreBenchmark.engineApply / chmApply (" + KEYS + " keys, uniform)";
        }

        @Override
        void setUp() throws Exception {
            super.setUp();
            chm.setUp(keys);
        }

        @Override
        long subject(int ops) {
            for (int i = 0; i < ops; i++) {
                bench.engineApply(engine, keys, subjectCursor);
            }
            return subjectCursor.position;
        }

        @Override
        long peer(int ops) {
            for (int i = 0; i < ops; i++) {
                bench.chmApply(chm, keys, peerCursor);
            }
            return peerCursor.position;
        }
    }
    /** An Avro wire-format record through {@code AvroDecoder} against Avro's own {@code GenericDatumReader}. */
    static final class AvroDecode extends LatencyPair {
        private final AvroDecodeBenchmark bench = new AvroDecodeBenchmark();
        private final AvroDecodeBenchmark.Records subjectState = new AvroDecodeBenchmark.Records();
        private final AvroDecodeBenchmark.Records peerState = new AvroDecodeBenchmark.Records();

        AvroDecode() {
            super("avro.decode", PKG + "AvroDecodeBenchmark.freshetDecode");
        }

        @Override
        String describe() {
            return "AvroDecodeBenchmark.freshetDecode / avroGenericReader";
        }

        @Override
        void setUp() {
        }

        @Override
        long subject(int ops) {
            long sink = 0;
            try {
                for (int i = 0; i < ops; i++) {
                    sink += bench.freshetDecode(subjectState);
                }
            } catch (io.freshet.kafka.RejectedRecordException e) {
                throw new IllegalStateException("a benchmark record was rejected: " + e.getMessage(), e);
            }
            return sink;
        }

        @Override
        long peer(int ops) {
            long sink = 0;
            try {
                for (int i = 0; i < ops; i++) {
                    sink += bench.avroGenericReader(peerState);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return sink;
        }
    }

    /** A two-set view read with its request-time column, against the same two rows read by hand (table stores). */
    static final class ViewRead extends LatencyPair {
        private final ViewReadBenchmark bench = new ViewReadBenchmark();
        private final ViewReadBenchmark.Stores stores = new ViewReadBenchmark.Stores();
        private final ViewReadBenchmark.Caller subjectCaller = new ViewReadBenchmark.Caller();
        private final ViewReadBenchmark.Caller peerCaller = new ViewReadBenchmark.Caller();

        ViewRead() {
            super("reader.view", PKG + "ViewReadBenchmark.readView");
        }

        @Override
        String describe() {
            return "ViewReadBenchmark.readView / readTwoSets (" + KEYS + " keys per set, uniform)";
        }

        @Override
        void setUp() throws Exception {
            stores.keys = KEYS;
            stores.setUp();
            subjectCaller.setUp(stores);
            peerCaller.setUp(stores);
        }

        @Override
        long subject(int ops) {
            double sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.readView(stores, subjectCaller);
            }
            return (long) sink;
        }

        @Override
        long peer(int ops) {
            double sink = 0;
            for (int i = 0; i < ops; i++) {
                sink += bench.readTwoSets(stores, peerCaller);
            }
            return (long) sink;
        }

        @Override
        void tearDown() throws Exception {
            stores.tearDown();
        }
    }
}
