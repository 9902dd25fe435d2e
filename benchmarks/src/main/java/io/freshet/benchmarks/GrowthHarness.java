package io.freshet.benchmarks;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.table.TableStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 *
 * dir defaults to /dev/shm (the recommended store location); the harness deletes its store at the end.
 */

/**
 * Online growth of the table engine, measured.
 * <ul>
 *   <li>{@code latency}: one reader thread and one writer thread on a store of capacity 1M, 4 shards, pre-filled
 *       with 700k keys (below the growth threshold). The writer first only updates existing keys, then also inserts
 *       new ones, so that the store grows (1M to 2M) and later sits grown. Every read and every apply is timed and
 *       recorded in one of two histograms by whether the store was growing when the operation started: growing
 *       versus not growing in the same run, same threads, same keys. Printed: p50, p99, p99.9 and max of each, their
 *       ratio, and reads slower than 1 ms.</li>
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
     * @param args {@code latency|grow [dir]}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "latency";
        Path base = Path.of(args.length > 1 ? args[1] : "/dev/shm");
        Path dir = Files.createTempDirectory(base, "freshet-growth-");
        try {
            if (mode.equals("grow")) {
                grow(dir.resolve("store"));
            } else {
                latency(dir.resolve("store"));
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

    private static void latency(Path store) throws Exception {
        long capacity = 1_000_000;
        long prefill = 700_000;
        try (TableStore s = (TableStore) new TableStoreEngine().open(config(store, capacity))) {
            for (long i = 0; i < prefill; i++) {
                apply(s, KeyIndex.key(i));
            }
            AtomicLong inserted = new AtomicLong(prefill);
            Histogram[] reads = {new Histogram(3_600_000_000_000L, 3), new Histogram(3_600_000_000_000L, 3)};
            Histogram[] applies = {new Histogram(3_600_000_000_000L, 3), new Histogram(3_600_000_000_000L, 3)};
            long[] slowReads = new long[2];
            volatileStop = false;
            long[] readerAllocated = new long[1];
            Thread reader = new Thread(() -> {
                RowBuffer row = RowBuffer.allocateHeap(StoreBenchmark.ROW_BYTES);
                SplittableRandom r = new SplittableRandom(1);
                long blackhole = 0;
                long alloc0 = allocatedBytes();
                while (!volatileStop) {
                    long key = KeyIndex.key(r.nextLong(inserted.get()));
                    int g = s.growing() ? 1 : 0;
                    long t0 = System.nanoTime();
                    boolean found = s.readRow(key, row);
                    long ns = System.nanoTime() - t0;
                    if (!found) {
                        throw new IllegalStateException("key " + key + " missing");
                    }
                    blackhole += row.getLong(24);
                    reads[g].recordValue(ns);
                    if (ns > MS) {
                        slowReads[g]++;
                    }
                }
                readerAllocated[0] = allocatedBytes() - alloc0;
                System.out.println("(reader checksum " + blackhole + ")");
            }, "reader");
            reader.start();
            SplittableRandom r = new SplittableRandom(2);
            long writerAlloc0 = allocatedBytes();
            long phaseEnd = System.nanoTime() + 5_000 * MS;
            long grownAt = 0;
            boolean sawGrowing = false;
            // Phase 1: updates only (not growing). Phase 2: one insert per update until the store grew, then 5 s more.
            while (true) {
                long now = System.nanoTime();
                boolean inserting = now > phaseEnd && grownAt == 0;
                long key = inserting && r.nextBoolean() ? KeyIndex.key(inserted.get()) : KeyIndex.key(
                    r.nextLong(inserted.get()));
                int g = s.growing() ? 1 : 0;
                long t0 = System.nanoTime();
                apply(s, key);
                applies[g].recordValue(System.nanoTime() - t0);
                if (inserting && key == KeyIndex.key(inserted.get())) {
                    inserted.incrementAndGet();
                }
                // growing() is two volatile reads; growthCount() would read the meta file's map (allocates).
                sawGrowing |= g == 1;
                if (sawGrowing && grownAt == 0 && !s.growing()) {
                    grownAt = now;
                }
                if (grownAt != 0 && now - grownAt > 5_000 * MS) {
                    break;
                }
            }
            long writerAllocated = allocatedBytes() - writerAlloc0;
            volatileStop = true;
            reader.join();
            System.out.println("store: capacity 1000000 -> " + s.capacity() + ", rows " + s.size() + ", history "
                + s.metadata(TableStore.GROWTH_HISTORY_KEY));
            print("read ", reads, slowReads);
            print("apply", applies, null);
            long readOps = reads[0].getTotalCount() + reads[1].getTotalCount();
            long applyOps = applies[0].getTotalCount() + applies[1].getTotalCount();
            // Histograms record without allocating; the growth threads' own allocations are not in these counts.
            System.out.printf("allocated: reader %,d B over %,d reads (%.4f B/read), writer %,d B over %,d applies "
                + "(%.4f B/apply)%n", readerAllocated[0], readOps, (double) readerAllocated[0] / readOps,
                writerAllocated, applyOps, (double) writerAllocated / applyOps);
        }
    }

    /** @return bytes the calling thread allocated so far (HotSpot's per-thread counter) */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
            .getCurrentThreadAllocatedBytes();
    }

    private static volatile boolean volatileStop;

    private static void print(String what, Histogram[] h, long[] slow) {
        String[] label = {"not growing", "growing    "};
        for (int g = 0; g < 2; g++) {
            System.out.printf("%s %s: n=%,d p50=%,d ns p99=%,d ns p99.9=%,d ns max=%,d ns%s%n", what, label[g],
                h[g].getTotalCount(), h[g].getValueAtPercentile(50), h[g].getValueAtPercentile(99),
                h[g].getValueAtPercentile(99.9), h[g].getMaxValue(),
                slow == null ? "" : String.format(" (>1 ms: %d)", slow[g]));
        }
        System.out.printf("%s growing/not: p50 %.2fx, p99 %.2fx%n", what,
            (double) h[1].getValueAtPercentile(50) / h[0].getValueAtPercentile(50),
            (double) h[1].getValueAtPercentile(99) / h[0].getValueAtPercentile(99));
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
