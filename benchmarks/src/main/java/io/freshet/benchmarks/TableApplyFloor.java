package io.freshet.benchmarks;

import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowStore;
import io.freshet.store.internal.table.TableFormat;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;

/*
 * Run (flags as in ChronicleStoreBenchmark's @Fork, under the benchmark lock):
 *
 *   flock /tmp/bench.lock java $FLAGS -Xmx8g -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar \
 *       io.freshet.benchmarks.TableApplyFloor 1000000 uniform 24
 */

/**
 * Where the table engine's apply of one record goes, from the full exactly-once protocol down to the two memory
 * accesses any index-then-row design makes, next to the on-heap update it is compared with, in alternating short
 * rounds in one JVM (so the shared machine's load hits all of them alike; medians of the rounds, each timed in
 * the thread's CPU time). Each subject
 * increments the same four counters of the key's row ({@link StoreBenchmark#APPLY_OFFSETS}) as
 * {@link StoreBenchmark#apply} does:
 * <ol>
 * <li>{@code engine}: the engine's apply through its {@code ShardWriter}: {@code begin} with the record's topic,
 * partition and offset, the four increments, {@code commit} (the duplicate check, the undo record and its row
 * image, the seqlock, the applied offset; store on {@code /dev/shm}, filled with {@code keyOf(0..keys-1)}, at full
 * capacity, like {@link StoreBenchmark});</li>
 * <li>{@code engineGroup}: the same applies as the pipeline's applier makes them, eight at a time with the rows read
 * ahead first ({@link StoreBenchmark#applyGroup});</li>
 * <li>{@code protocol}: the same steps written out on the same file (a second mapping of it), without what the
 * engine adds around them: the open and owner checks, the growth, migration and snapshot polls, the slot range
 * check of a damaged index, the undo record's and the offset's check words, the state machine. The undo record
 * (its fields and the 144-byte row image) and the applied offset go to a hot scratch area, as the engine's go to
 * its meta file's undo slot and offset table (a few lines that stay in L1);</li>
 * <li>{@code seqlock}: the engine's probe (hash, home entry, tag, key), the version word odd, the increments, the
 * version word even: an in-place seqlocked update with no undo record and no offset;</li>
 * <li>{@code indexRow}: the home index entry and the increments on the row it names: no hashing (home positions
 * computed beforehand), no key check, no version word;</li>
 * <li>{@code chm}: the on-heap update of {@link StoreBenchmark#apply}: {@code ConcurrentHashMap<Long, long[]>}
 * get of a pre-boxed key, four increments in the row array.</li>
 * </ol>
 * A random apply's score is a throughput, as a read's is ({@link TableReadFloor}): the CPU overlaps the cache misses
 * of successive independent applies as far as its reorder window holds them, so each instruction between two misses
 * costs memory-level parallelism as well as its own cycles. The steps from {@code engine} to {@code indexRow} show
 * what each layer of the design costs at this key count; {@code indexRow} against {@code chm} shows what a
 * memory-mapped row costs against a heap array that the garbage collector has laid out next to its map nodes.
 */
public final class TableApplyFloor {
    private static final int OPS_PER_ROUND = 1 << 18;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final String[] NAMES = {"engine", "engineGroup", "protocol", "seqlock", "indexRow", "chm"};
    /** Scratch: an undo record (fields at 0..63, the row image from 64) and an applied offset (at 4,096). */
    private static final long SCRATCH_BYTES = 8192;
    private static final long UNDO_ACTIVE = 0x4143_5449_5645_2121L;
    private static final long UNDO_IDLE = 0x4944_4c45_4944_4c45L;

    private final MappedShard shard;
    private final long scratch;
    /** The last source offset applied (engine and protocol: each apply's offset is above the last). */
    private long offset;

    private TableApplyFloor(MappedShard shard) {
        this.shard = shard;
        if (64 + shard.rowBytes > 4096) {
            throw new IllegalStateException("rowBytes=" + shard.rowBytes + " does not fit the scratch undo record");
        }
        this.scratch = UNSAFE.allocateMemory(SCRATCH_BYTES);
        UNSAFE.setMemory(scratch, SCRATCH_BYTES, (byte) 0);
    }

    /**
     * @param args keys, distribution ({@code uniform|zipf}), rounds
     * @throws IOException when the files cannot be created, mapped or deleted
     */
    public static void main(String[] args) throws IOException {
        int keys = Integer.parseInt(args[0]);
        String distribution = args[1];
        int rounds = Integer.parseInt(args[2]);
        Path dir = Path.of("/dev/shm", "freshet-applyfloor-" + ProcessHandle.current().pid());
        StoreBenchmark.deleteRecursively(dir);
        StoreConfig config = StoreConfig.builder(StoreBenchmark.SET).directory(dir).capacity(keys)
            .growth(StoreGrowth.disabled())
            .shards(1).build();
        KeySequence seq = KeySequence.of(distribution, keys, 17);
        TableApplyFloor floor = null;
        try (StoreBenchmark.ChmSubject chm = new StoreBenchmark.ChmSubject(keys, seq);
            StoreBenchmark.EngineSubject table = new StoreBenchmark.EngineSubject(filled(config, keys))) {
            floor = new TableApplyFloor(MappedShard.map(dir.resolve("table.fst"), TableFormat.of(config), true));
            floor.run(table, chm, seq, keys, distribution, rounds);
        } finally {
            if (floor != null) {
                UNSAFE.freeMemory(floor.scratch);
            }
            StoreBenchmark.deleteRecursively(dir);
        }
    }

    private static RowStore filled(StoreConfig config, int keys) {
        RowStore store = StoreBenchmark.engineNamed("table").open(config);
        StoreBenchmark.fill(store, keys);
        return store;
    }

    private void run(StoreBenchmark.EngineSubject table, StoreBenchmark.ChmSubject chm, KeySequence seq, int keys,
        String distribution, int rounds) {
        int[] homes = new int[KeySequence.LENGTH];
        for (int i = 0; i < homes.length; i++) {
            homes[i] = (int) shard.home(Keys.hash(seq.key(i)));
        }
        double[][] ns = new double[NAMES.length][rounds];
        long sink = 0;
        int pos = 0;
        for (int r = -rounds / 4; r < rounds; r++) { // the first quarter warms up every path
            long[] t = new long[NAMES.length + 1];
            t[0] = cpuNs();
            pos = engineRound(table, seq, pos);
            t[1] = cpuNs();
            long[] group = engineGroupRound(table, seq, pos);
            pos = (int) group[0];
            sink += group[1];
            t[2] = cpuNs();
            pos = protocolRound(seq, pos);
            t[3] = cpuNs();
            pos = seqlockRound(seq, pos);
            t[4] = cpuNs();
            pos = indexRowRound(homes, pos);
            t[5] = cpuNs();
            pos = chmRound(chm, pos);
            t[6] = cpuNs();
            if (r >= 0) {
                for (int k = 0; k < NAMES.length; k++) {
                    ns[k][r] = (t[k + 1] - t[k]) / (double) OPS_PER_ROUND;
                }
            }
        }
        StringBuilder out = new StringBuilder(String.format("keys=%d %s rounds=%d, median ns (this / chm):",
            keys, distribution, rounds));
        double chmNs = MappedShard.median(ns[NAMES.length - 1]);
        for (int k = 0; k < NAMES.length; k++) {
            double m = MappedShard.median(ns[k]);
            out.append(String.format(" %s %.0f (%.2fx)", NAMES[k], m, m / chmNs));
        }
        System.out.println(out.append(" sink ").append((sink + check(table, chm, seq, keys)) & 1));
    }

    // One method per subject, so that each is compiled on its own, as a JMH benchmark method is.

    private int engineRound(StoreBenchmark.EngineSubject table, KeySequence seq, int pos) {
        for (int i = 0; i < OPS_PER_ROUND; i++) {
            table.apply(seq.key(pos), ++offset);
            pos++;
        }
        return pos;
    }

    /** @return the next position and what the read-ahead read */
    private long[] engineGroupRound(StoreBenchmark.EngineSubject table, KeySequence seq, int pos) {
        long touched = 0;
        for (int i = 0; i < OPS_PER_ROUND; i += StoreBenchmark.GROUP) {
            for (int g = 0; g < StoreBenchmark.GROUP; g++) {
                touched += table.touch(seq.key(pos + g));
            }
            for (int g = 0; g < StoreBenchmark.GROUP; g++) {
                table.apply(seq.key(pos + g), ++offset);
            }
            pos += StoreBenchmark.GROUP;
        }
        return new long[] {pos, touched};
    }

    private int protocolRound(KeySequence seq, int pos) {
        for (int i = 0; i < OPS_PER_ROUND; i++) {
            protocol(seq.key(pos++), ++offset);
        }
        return pos;
    }

    private int seqlockRound(KeySequence seq, int pos) {
        for (int i = 0; i < OPS_PER_ROUND; i++) {
            seqlock(seq.key(pos++));
        }
        return pos;
    }

    private int indexRowRound(int[] homes, int pos) {
        for (int i = 0; i < OPS_PER_ROUND; i++) {
            indexRow(homes[pos++ & KeySequence.MASK]);
        }
        return pos;
    }

    private static int chmRound(StoreBenchmark.ChmSubject chm, int pos) {
        for (int i = 0; i < OPS_PER_ROUND; i++) {
            long[] row = chm.get(pos++);
            for (int off : StoreBenchmark.APPLY_OFFSETS) {
                row[off >> 3]++;
            }
        }
        return pos;
    }

    /**
     * Every subject incremented the same counters of the same rows: the sum over all keys of counter 0 in the store
     * (engine, engineGroup, protocol, seqlock, indexRow) plus the heap map (chm) must be the number of applies. A
     * subject that lost or doubled an increment (a wrong address, a key check that never matched) fails the run.
     */
    private long check(StoreBenchmark.EngineSubject table, StoreBenchmark.ChmSubject chm, KeySequence seq,
        int keys) {
        long inStore = 0;
        long inMap = 0;
        for (int i = 0; i < keys; i++) {
            long key = KeySequence.keyOf(i);
            long slot = slotOf(key, Keys.hash(key));
            inStore += UNSAFE.getLong(shard.slotAddress(slot) + shard.rowOffset + StoreBenchmark.APPLY_OFFSETS[0]);
            inMap += chm.row(key)[StoreBenchmark.APPLY_OFFSETS[0] >> 3];
        }
        if (inStore != 5 * inMap) {
            throw new IllegalStateException("the store's counters sum to " + inStore + ", five times the map's "
                + inMap + " expected: a subject lost or doubled increments");
        }
        return inStore;
    }

    /**
     * This thread's CPU time: a round's time while the shared machine runs it, so that the time another process
     * takes the core in the middle of a round is not counted in it (the cache the other process evicts still is).
     */
    private static long cpuNs() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /** The engine's probe (Shard.findLong) on the same file, without its range check. @return the key's slot */
    private long slotOf(long key, long hash) {
        MappedShard m = shard;
        for (long p = m.home(hash);; p = m.next(p)) {
            int e = UNSAFE.getInt(m.indexBase + (p << 2));
            if (e == 0) {
                throw new IllegalStateException("key=" + key + " is not in the store");
            }
            if (m.tagMatches(e, hash)) {
                long slot = m.slotOf(e);
                if (UNSAFE.getLong(m.slotAddress(slot)) == key) {
                    return slot;
                }
            }
        }
    }

    private void increment(long row) {
        for (int off : StoreBenchmark.APPLY_OFFSETS) {
            UNSAFE.putLong(row + off, UNSAFE.getLong(row + off) + 1);
        }
    }

    /** The exactly-once steps of TableShardWriter.begin and commit, written out. */
    private void protocol(long key, long offset) {
        long slot = slotOf(key, Keys.hash(key));
        long row = shard.slotAddress(slot) + shard.rowOffset;
        long u = scratch;
        if (offset <= UNSAFE.getLong(u + 4096)) {
            throw new IllegalStateException("offset=" + offset + " is a duplicate");
        }
        UNSAFE.putInt(u, 0);
        UNSAFE.putInt(u + 4, 0);
        UNSAFE.putLong(u + 8, offset);
        UNSAFE.putLong(u + 16, 1);
        UNSAFE.putInt(u + 24, -1);
        UNSAFE.putLong(u + 32, key);
        UNSAFE.copyMemory(row, u + 64, shard.rowBytes);
        UNSAFE.putOrderedLong(null, u + 56, UNDO_ACTIVE);
        VarHandle.releaseFence();
        long va = shard.versionAddress(slot);
        long v = UNSAFE.getLong(va) | 1;
        UNSAFE.putLong(va, v);
        VarHandle.releaseFence();
        increment(row);
        UNSAFE.putOrderedLong(null, va, v + 1);
        UNSAFE.putOrderedLong(null, u + 4096, offset);
        UNSAFE.putOrderedLong(null, u + 56, UNDO_IDLE);
    }

    /** Probe, version odd, increments, version even. */
    private void seqlock(long key) {
        long slot = slotOf(key, Keys.hash(key));
        long va = shard.versionAddress(slot);
        long v = UNSAFE.getLong(va) | 1;
        UNSAFE.putLong(va, v);
        VarHandle.releaseFence();
        increment(shard.slotAddress(slot) + shard.rowOffset);
        UNSAFE.putOrderedLong(null, va, v + 1);
    }

    /** One index entry, then the increments on the row it names. */
    private void indexRow(int home) {
        int e = UNSAFE.getInt(shard.indexBase + ((long) home << 2));
        increment(shard.slotAddress(shard.slotOf(e)) + shard.rowOffset);
    }
}
