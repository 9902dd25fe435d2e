package io.freshet.benchmarks;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.table.TableStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/*
 * Run (after `mvn -q -pl benchmarks -am package -DskipTests -Dfreshet.skipBenchSmoke=true`):
 *
 *   java -Xmx2g -cp benchmarks/target/benchmarks.jar io.freshet.benchmarks.GrowthHarness latency [dir]
 *   java -Xmx2g -cp benchmarks/target/benchmarks.jar io.freshet.benchmarks.GrowthHarness grow [dir]
 *   java -Xmx2g -Xlog:safepoint:file=safepoints.log -cp benchmarks/target/benchmarks.jar \
 *       io.freshet.benchmarks.GrowthHarness diagnose|pretouch [dir]
 *
 * dir defaults to /dev/shm (the recommended store location); the harness deletes its store at the end.
 */

/**
 * Online growth of the table engine, measured.
 * <ul>
 *   <li>{@code latency}: one reader thread and one writer thread on a store of capacity 1M, 4 shards, pre-filled
 *       with 700k keys (below the growth threshold). The writer first only updates existing keys, then also inserts
 *       new ones, so that the store grows (1M to 2M) and later sits grown. Every read and every apply is timed and
 *       recorded in a histogram of the stage the store was in when the operation started: not growing, growing
 *       while its next file is written, growing while rows are copied, and a control after the growth: a thread
 *       writes a file of zeros as large as the grown data file, a megabyte at a time as a growth does, with no
 *       growth. Same run, same threads, same keys. Printed: p50, p99, p99.9 and max of each, the ratios, and reads
 *       slower than 1 ms.</li>
 *   <li>{@code diagnose}: the same, with the reader and the writer reading their own scheduler and fault counters
 *       from /proc around each operation (slower, so not for the latency figures): for every read and apply over
 *       1 ms it says whether the thread waited for a CPU (run queue delay), ran, or was blocked (a safepoint, a
 *       lock), and whether it faulted. With {@code -Xlog:safepoint} the JVM's pauses can be set beside them.</li>
 *   <li>{@code pretouch}: {@code diagnose} twice in one JVM on fresh stores, first without, then with the growth
 *       thread mapping the next file's pages before its adoption ({@value TableStore#GROWTH_PRETOUCH_PROP_NAME});
 *       also prints each thread's page faults per operation in each stage.</li>
 *   <li>{@code grow}: one thread ingests new keys into a store of capacity 1M as fast as it can until it holds 10M
 *       rows; printed: the wall time, the time of each growth (asked, next file written, rows copied and old file
 *       retired) and the ingest rate.</li>
 * </ul>
 */
public final class GrowthHarness {
    private static final int SHARDS = 4;
    private static final long MS = 1_000_000L;

    private GrowthHarness() {
    }

    /**
     * @param args {@code latency|diagnose|pretouch|grow [dir]}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "latency";
        Path base = Path.of(args.length > 1 ? args[1] : "/dev/shm");
        Path dir = Files.createTempDirectory(base, "freshet-growth-");
        try {
            if (mode.equals("grow")) {
                grow(dir.resolve("store"));
            } else if (mode.equals("pretouch")) {
                // Before/after in one JVM: the same scenario on a fresh store, first without, then with the growth
                // thread's page touching of the next file.
                for (String pretouch : new String[] {"false", "true"}) {
                    System.setProperty(TableStore.GROWTH_PRETOUCH_PROP_NAME, pretouch);
                    System.out.println("== " + TableStore.GROWTH_PRETOUCH_PROP_NAME + "=" + pretouch);
                    latency(dir.resolve("store-" + pretouch), true);
                }
            } else {
                latency(dir.resolve("store"), mode.equals("diagnose"));
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static StoreConfig config(Path store, long capacity) {
        return StoreConfig.builder(StoreBenchmark.SET).directory(store).capacity(capacity).shards(SHARDS).build();
    }

    /** One apply: begin (waiting out a full shard as an idle applier would), bump four counters, commit. */
    private static void apply(TableStore s, long key) {
        ShardWriter w = s.writer(s.shardOf(key));
        int r;
        while ((r = w.begin(key, ShardWriter.NO_SOURCE, 0, 0)) == ShardWriter.BEGIN_FULL) {
            for (int shard = 0; shard < SHARDS; shard++) {
                s.writer(shard).maintain(1024);
            }
        }
        if (r != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin returned " + r);
        }
        RowBuffer row = w.row();
        for (int at : StoreBenchmark.APPLY_OFFSETS) {
            row.putLong(at, row.getLong(at) + 1);
        }
        w.commit();
    }

    /** Stages of the latency run: an operation is recorded in the stage the store was in when it started. */
    private static final String[] STAGES = {"not growing      ", "growing: file    ", "growing: copying ",
        "control: file    "};
    private static final int NOT_GROWING = 0;
    private static final int WRITING_FILE = 1;
    private static final int COPYING = 2;
    private static final int CONTROL_FILE = 3;

    /**
     * @param sampleThreadCounters whether the reader reads its scheduler and fault counters from /proc around every
     *     read (diagnosis: says, for each read over 1 ms, whether the thread waited for a CPU, faulted or was blocked;
     *     it slows the reader, so the plain latency run does not)
     */
    private static void latency(Path store, boolean sampleThreadCounters) throws Exception {
        long capacity = 1_000_000;
        long prefill = 700_000;
        try (TableStore s = (TableStore) new TableStoreEngine().open(config(store, capacity))) {
            for (long i = 0; i < prefill; i++) {
                apply(s, KeyIndex.key(i));
            }
            AtomicLong inserted = new AtomicLong(prefill);
            Histogram[] reads = new Histogram[STAGES.length];
            Histogram[] applies = new Histogram[STAGES.length];
            for (int g = 0; g < STAGES.length; g++) {
                reads[g] = new Histogram(3_600_000_000_000L, 3);
                applies[g] = new Histogram(3_600_000_000_000L, 3);
            }
            long[] slowReads = new long[STAGES.length];
            SlowReads slow = new SlowReads(100_000);
            volatileStop = false;
            controlWriting = false;
            long[] readerAllocated = new long[1];
            Thread reader = new Thread(() -> {
                RowBuffer row = RowBuffer.allocateHeap(StoreBenchmark.ROW_BYTES);
                SplittableRandom r = new SplittableRandom(1);
                long blackhole = 0;
                ThreadCounters before = sampleThreadCounters ? ThreadCounters.ofCallingThread() : null;
                ThreadCounters after = sampleThreadCounters ? ThreadCounters.ofCallingThread() : null;
                long alloc0 = allocatedBytes();
                while (!volatileStop) {
                    long key = KeyIndex.key(r.nextLong(inserted.get()));
                    int g = stage(s, capacity);
                    if (before != null) {
                        before.sample();
                    }
                    long t0 = System.nanoTime();
                    boolean found = s.readRow(key, row);
                    long ns = System.nanoTime() - t0;
                    if (!found) {
                        throw new IllegalStateException("key " + key + " missing");
                    }
                    blackhole += row.getLong(24);
                    reads[g].recordValue(ns);
                    if (after != null) {
                        after.sample();
                        slow.count(g, before, after);
                    }
                    if (ns > MS) {
                        slowReads[g]++;
                        if (after != null) {
                            slow.add(g, ns, before, after);
                        }
                    }
                }
                readerAllocated[0] = allocatedBytes() - alloc0;
                System.out.println("(reader checksum " + blackhole + ")");
            }, "reader");
            reader.start();
            SplittableRandom r = new SplittableRandom(2);
            SlowReads slowApplies = new SlowReads(100_000);
            ThreadCounters writerBefore = sampleThreadCounters ? ThreadCounters.ofCallingThread() : null;
            ThreadCounters writerAfter = sampleThreadCounters ? ThreadCounters.ofCallingThread() : null;
            long controlSetupBytes = 0;
            long writerAlloc0 = allocatedBytes();
            long phaseEnd = System.nanoTime() + 5_000 * MS;
            long grownAt = 0;
            boolean sawGrowing = false;
            // Phase 1: updates only (not growing). Phase 2: one insert per update until the store grew, then 5 s more.
            // Phase 3 (control): the same mix, inserts bounded so the store does not grow again, while a thread writes
            // a file as large as the grown data file, the way a growth writes its next file; then 3 s more.
            Thread control = null;
            long controlDoneAt = 0;
            long insertLimit = (long) (0.7 * 2 * capacity);
            while (true) {
                long now = System.nanoTime();
                boolean inserting = (now > phaseEnd && grownAt == 0)
                    || (control != null && inserted.get() < insertLimit);
                long key = inserting && r.nextBoolean() ? KeyIndex.key(inserted.get()) : KeyIndex.key(
                    r.nextLong(inserted.get()));
                int g = stage(s, capacity);
                if (writerBefore != null) {
                    writerBefore.sample();
                }
                long t0 = System.nanoTime();
                apply(s, key);
                long applyNs = System.nanoTime() - t0;
                applies[g].recordValue(applyNs);
                if (writerAfter != null) {
                    writerAfter.sample();
                    slowApplies.count(g, writerBefore, writerAfter);
                    if (applyNs > MS) {
                        slowApplies.add(g, applyNs, writerBefore, writerAfter);
                    }
                }
                if (inserting && key == KeyIndex.key(inserted.get())) {
                    inserted.incrementAndGet();
                }
                // growing() is two volatile reads; growthCount() would read the meta file's map (allocates).
                sawGrowing |= g == WRITING_FILE || g == COPYING;
                if (sawGrowing && grownAt == 0 && !s.growing()) {
                    grownAt = now;
                }
                if (grownAt != 0 && control == null && now - grownAt > 5_000 * MS) {
                    long a = allocatedBytes();
                    control = controlFileWriter(store);
                    control.start();
                    controlSetupBytes = allocatedBytes() - a;
                }
                if (control != null && controlDoneAt == 0 && !control.isAlive()) {
                    controlDoneAt = now;
                }
                if (controlDoneAt != 0 && now - controlDoneAt > 3_000 * MS) {
                    break;
                }
            }
            // Starting the control's thread is the harness's allocation, not the applies'.
            long writerAllocated = allocatedBytes() - writerAlloc0 - controlSetupBytes;
            volatileStop = true;
            reader.join();
            System.out.println("store: capacity 1000000 -> " + s.capacity() + ", rows " + s.size() + ", history "
                + s.metadata(TableStore.GROWTH_HISTORY_KEY));
            print("read ", reads, slowReads);
            print("apply", applies, null);
            if (sampleThreadCounters) {
                slow.print("reads ");
                slowApplies.print("applies");
            }
            long readOps = 0;
            long applyOps = 0;
            for (int g = 0; g < STAGES.length; g++) {
                readOps += reads[g].getTotalCount();
                applyOps += applies[g].getTotalCount();
            }
            // Histograms record without allocating; the growth threads' own allocations are not in these counts.
            System.out.printf("allocated: reader %,d B over %,d reads (%.4f B/read), writer %,d B over %,d applies "
                + "(%.4f B/apply)%n", readerAllocated[0], readOps, (double) readerAllocated[0] / readOps,
                writerAllocated, applyOps, (double) writerAllocated / applyOps);
        }
    }

    /** @return the stage of the store now (two volatile reads, plus one while a growth is under way) */
    private static int stage(TableStore s, long initialCapacity) {
        if (s.growing()) {
            // The current generation is still the initial one until the meta file adopts the next file.
            return s.capacity() == initialCapacity ? WRITING_FILE : COPYING;
        }
        return controlWriting ? CONTROL_FILE : NOT_GROWING;
    }

    /**
     * The control: a thread that writes zeros into a new file beside the store, as large as the store's data file,
     * a megabyte at a time as a growth writes its next file, with no growth; then deletes it.
     */
    private static Thread controlFileWriter(Path store) throws IOException {
        long bytes;
        try (Stream<Path> files = Files.list(store)) {
            bytes = files.filter(p -> p.getFileName().toString().matches("table(-\\d+)?\\.fst"))
                .mapToLong(p -> p.toFile().length()).max().orElseThrow();
        }
        Path file = store.resolveSibling("control-zeros.bin");
        Thread t = new Thread(() -> {
            controlWriting = true;
            long t0 = System.nanoTime();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
                for (long pos = 0; pos < bytes; pos += zeros.capacity()) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - pos));
                    while (zeros.hasRemaining()) {
                        ch.write(zeros, pos + zeros.position());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                controlWriting = false;
                System.out.printf("control: wrote %,d bytes of zeros in %,d ms%n", bytes,
                    (System.nanoTime() - t0) / MS);
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    System.out.println("control file not deleted: " + e);
                }
            }
        }, "control-file-writer");
        t.setDaemon(true);
        return t;
    }

    private static volatile boolean controlWriting;

    /**
     * A thread's scheduler and fault counters ({@code /proc/thread-self/schedstat} and {@code stat}), read without
     * allocating: time on a CPU, time runnable but waiting for one, minor and major page faults.
     */
    private static final class ThreadCounters {
        private final FileChannel schedstat;
        private final FileChannel stat;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(2048);
        long cpuNs;
        long runDelayNs;
        long minorFaults;
        long majorFaults;

        private ThreadCounters() throws IOException {
            // thread-self resolves to the opening thread's task directory, which the channels then stay on.
            this.schedstat = FileChannel.open(Path.of("/proc/thread-self/schedstat"));
            this.stat = FileChannel.open(Path.of("/proc/thread-self/stat"));
        }

        static ThreadCounters ofCallingThread() {
            try {
                return new ThreadCounters();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void sample() {
            try {
                int n = read(schedstat);
                int at = 0;
                cpuNs = parse(n, at);
                at = next(n, at);
                runDelayNs = parse(n, at);
                n = read(stat);
                int close = n - 1;
                while (buf.get(close) != ')') {
                    close--;
                }
                // After "(comm)": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt ...
                at = close + 2;
                for (int field = 0; field < 7; field++) {
                    at = next(n, at);
                }
                minorFaults = parse(n, at);
                at = next(n, next(n, at));
                majorFaults = parse(n, at);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private int read(FileChannel ch) throws IOException {
            buf.clear();
            int n = 0;
            int r;
            while ((r = ch.read(buf, n)) > 0) {
                n += r;
            }
            return n;
        }

        private long parse(int n, int at) {
            long v = 0;
            for (int i = at; i < n; i++) {
                byte b = buf.get(i);
                if (b < '0' || b > '9') {
                    break;
                }
                v = v * 10 + (b - '0');
            }
            return v;
        }

        private int next(int n, int at) {
            int i = at;
            while (i < n && buf.get(i) != ' ') {
                i++;
            }
            return i + 1;
        }
    }

    /** Operations over 1 ms with what their thread's counters say about them. */
    private static final class SlowReads {
        private final int[] stage;
        private final long[] ns;
        private final long[] runDelayNs;
        private final long[] cpuNs;
        private final long[] faults;
        private int n;
        /** Page faults of every operation (not only the slow ones), per stage, and the operations. */
        private final long[] stageFaults = new long[STAGES.length];
        private final long[] stageOps = new long[STAGES.length];

        void count(int g, ThreadCounters before, ThreadCounters after) {
            stageFaults[g] += after.minorFaults - before.minorFaults + after.majorFaults - before.majorFaults;
            stageOps[g]++;
        }

        SlowReads(int max) {
            stage = new int[max];
            ns = new long[max];
            runDelayNs = new long[max];
            cpuNs = new long[max];
            faults = new long[max];
        }

        void add(int g, long pauseNs, ThreadCounters before, ThreadCounters after) {
            if (n == stage.length) {
                return;
            }
            stage[n] = g;
            ns[n] = pauseNs;
            runDelayNs[n] = after.runDelayNs - before.runDelayNs;
            cpuNs[n] = after.cpuNs - before.cpuNs;
            faults[n] = after.minorFaults - before.minorFaults + after.majorFaults - before.majorFaults;
            n++;
        }

        /** Per stage: operations over 1 ms that waited for a CPU for most of it, were on a CPU, faulted, or neither. */
        void print(String what) {
            for (int g = 0; g < STAGES.length; g++) {
                int all = 0;
                int waitedForCpu = 0;
                int onCpu = 0;
                int faulted = 0;
                long maxNs = 0;
                long sumRunDelay = 0;
                long sumNs = 0;
                for (int i = 0; i < n; i++) {
                    if (stage[i] != g) {
                        continue;
                    }
                    all++;
                    maxNs = Math.max(maxNs, ns[i]);
                    sumNs += ns[i];
                    sumRunDelay += runDelayNs[i];
                    if (faults[i] > 0) {
                        faulted++;
                    }
                    if (2 * runDelayNs[i] >= ns[i]) {
                        waitedForCpu++;
                    } else if (2 * cpuNs[i] >= ns[i]) {
                        onCpu++;
                    }
                }
                System.out.printf("%s, %s: %,d page faults in %,d operations (%.4f per operation)%n", what, STAGES[g],
                    stageFaults[g], stageOps[g], (double) stageFaults[g] / Math.max(1, stageOps[g]));
                System.out.printf("%s >1 ms, %s: %d; waited for a CPU (run queue >= half the pause) %d, on a CPU "
                    + "%d, blocked (neither) %d; with a page fault %d; run queue share of their time %.0f%%, longest "
                    + "%,d ns%n", what, STAGES[g], all, waitedForCpu, onCpu, all - waitedForCpu - onCpu, faulted,
                    sumNs == 0 ? 0.0 : 100.0 * sumRunDelay / sumNs, maxNs);
            }
        }
    }

    /** @return bytes the calling thread allocated so far (HotSpot's per-thread counter) */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
            .getCurrentThreadAllocatedBytes();
    }

    private static volatile boolean volatileStop;

    private static void print(String what, Histogram[] h, long[] slow) {
        for (int g = 0; g < STAGES.length; g++) {
            System.out.printf("%s %s: n=%,d p50=%,d ns p99=%,d ns p99.9=%,d ns max=%,d ns%s%n", what, STAGES[g],
                h[g].getTotalCount(), h[g].getValueAtPercentile(50), h[g].getValueAtPercentile(99),
                h[g].getValueAtPercentile(99.9), h[g].getMaxValue(),
                slow == null ? "" : String.format(" (>1 ms: %d, %.4f%%)", slow[g],
                    100.0 * slow[g] / Math.max(1, h[g].getTotalCount())));
        }
        Histogram growing = new Histogram(3_600_000_000_000L, 3);
        growing.add(h[WRITING_FILE]);
        growing.add(h[COPYING]);
        System.out.printf("%s growing (both stages)/not: p50 %.2fx, p99 %.2fx; control/not: p50 %.2fx, p99 %.2fx%n",
            what, ratio(growing, h[NOT_GROWING], 50), ratio(growing, h[NOT_GROWING], 99),
            ratio(h[CONTROL_FILE], h[NOT_GROWING], 50), ratio(h[CONTROL_FILE], h[NOT_GROWING], 99));
    }

    private static double ratio(Histogram a, Histogram b, double percentile) {
        return (double) a.getValueAtPercentile(percentile) / b.getValueAtPercentile(percentile);
    }

    private static void grow(Path store) {
        long target = 10_000_000;
        // The peer: the same ingest into a store created at its final capacity (no growth), same JVM.
        Path presized = store.resolveSibling("presized");
        long createStart = System.nanoTime();
        try (TableStore s = (TableStore) new TableStoreEngine().open(config(presized, 16_000_000))) {
            long t0 = System.nanoTime();
            for (long i = 0; i < target; i++) {
                apply(s, KeyIndex.key(i));
            }
            long ingested = System.nanoTime() - t0;
            System.out.printf("presized: 16,000,000 capacity created in %,d ms; %,d rows ingested in %,d ms (%,.0f "
                + "rows/s)%n", (t0 - createStart) / MS, s.size(), ingested / MS, target * 1e9 / ingested);
        }
        try {
            deleteTree(presized);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (TableStore s = (TableStore) new TableStoreEngine().open(config(store, 1_000_000))) {
            long t0 = System.nanoTime();
            for (long i = 0; i < target; i++) {
                apply(s, KeyIndex.key(i));
            }
            long ingested = System.nanoTime() - t0;
            while (s.growing()) {
                for (int shard = 0; shard < SHARDS; shard++) {
                    s.writer(shard).maintain(1024);
                }
                Thread.onSpinWait();
            }
            long done = System.nanoTime() - t0;
            System.out.printf("grow: 1,000,000 -> %,d capacity, %,d rows ingested in %,d ms (%,.0f rows/s), growth "
                + "finished at %,d ms%n", s.capacity(), s.size(), ingested / MS, target * 1e9 / ingested, done / MS);
            String history = s.metadata(TableStore.GROWTH_HISTORY_KEY);
            for (String e : history.split(";")) {
                String[] f = e.split(",");
                long asked = Long.parseLong(f[0]);
                System.out.printf("  %s -> %s: next file written in %,d ms, rows copied and old file retired %,d ms "
                    + "later%n", f[3], f[4], Long.parseLong(f[1]) - asked, Long.parseLong(f[2]) - Long.parseLong(f[1]));
            }
        }
    }

    /** Distinct keys by index (a bijection, so index i is always the same key). */
    private static final class KeyIndex {
        static long key(long i) {
            return io.freshet.benchmarks.peers.KeySequence.keyOf(i);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
