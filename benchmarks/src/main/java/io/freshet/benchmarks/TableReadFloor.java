package io.freshet.benchmarks;

import static io.freshet.core.internal.Memory.MEMORY;
import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

import io.freshet.benchmarks.peers.KeySequence;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.store.internal.table.TableFormat;
import java.io.IOException;
import java.nio.file.Path;

/*
 * Run (flags as in ChronicleStoreBenchmark's @Fork, under the benchmark lock):
 *
 *   flock /tmp/bench.lock java $FLAGS -Xmx8g -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar \
 *       io.freshet.benchmarks.TableReadFloor 1000000 uniform 24
 */

/**
 * How far the table engine's read is from the floor of its own design, next to raw Chronicle {@code getUsing}, in
 * alternating short rounds in one JVM (so the shared machine's load hits all four alike; medians of the rounds):
 * <ol>
 * <li>{@code engine}: {@link RowStore#readRow} of the table engine (store on {@code /dev/shm}, filled with
 * {@code keyOf(0..keys-1)} like {@link StoreBenchmark}, at full capacity);</li>
 * <li>{@code sameProbe}: the engine's probe over the same file (a read-only mapping of it), hash, tag, key, seqlock
 * and copy, without what the engine adds for safety: the closed and target checks, the slot range check of a
 * damaged index and the structure-version bracket of an absent key;</li>
 * <li>{@code indexRow}: one index entry at the key's home position and a copy of the row it names: the two
 * dependent memory accesses any index-then-row design makes, with no hashing, no key check and no seqlock (the
 * home positions are computed beforehand);</li>
 * <li>{@code getUsing}: raw Chronicle Map {@code getUsing} of the same keys ({@link ChronicleRatioFixture}).</li>
 * </ol>
 * A JMH score of a random read is a throughput: the CPU overlaps the cache misses of successive independent reads,
 * as far as its reorder window holds them, so every instruction on the read path costs memory-level parallelism as
 * well as its own cycles. This harness shows how much of the engine's figure is the design and how much the code.
 */
public final class TableReadFloor {
    private static final int OPS_PER_ROUND = 1 << 19;

    private final MappedShard shard;

    private TableReadFloor(MappedShard shard) {
        this.shard = shard;
    }

    /**
     * @param args keys, distribution ({@code uniform|zipf}), rounds
     * @throws IOException when the files cannot be created, mapped or deleted
     */
    public static void main(String[] args) throws IOException {
        int keys = Integer.parseInt(args[0]);
        String distribution = args[1];
        int rounds = Integer.parseInt(args[2]);
        Path dir = Path.of("/dev/shm", "freshet-readfloor-" + ProcessHandle.current().pid());
        StoreBenchmark.deleteRecursively(dir);
        StoreConfig config = StoreConfig.builder(StoreBenchmark.SET).directory(dir).capacity(keys)
            .growth(StoreGrowth.disabled())
            .shards(1).build();
        try (ChronicleRatioFixture chronicle = new ChronicleRatioFixture("readfloor", keys, distribution);
            RowStore table = StoreBenchmark.engineNamed("table").open(config)) {
            StoreBenchmark.fill(table, keys);
            TableReadFloor floor = new TableReadFloor(MappedShard.map(dir.resolve("table.fst"), TableFormat.of(config),
                false));
            run(floor, table, chronicle, keys, distribution, rounds);
        } finally {
            StoreBenchmark.deleteRecursively(dir);
        }
    }

    private static void run(TableReadFloor floor, RowStore table, ChronicleRatioFixture chronicle, int keys,
        String distribution, int rounds) {
        KeySequence seq = chronicle.sequence;
        int[] homes = new int[KeySequence.LENGTH];
        for (int i = 0; i < homes.length; i++) {
            homes[i] = (int) floor.shard.home(Keys.hash(seq.key(i)));
        }
        RowBuffer row = RowBuffer.allocateHeap(StoreBenchmark.ROW_BYTES);
        byte[] value = chronicle.value;
        double[][] ns = new double[4][rounds];
        long sink = 0;
        int pos = 0;
        for (int r = -rounds / 4; r < rounds; r++) { // the first quarter warms up every path
            long t0 = System.nanoTime();
            for (int i = 0; i < OPS_PER_ROUND; i++) {
                table.readRow(seq.key(pos++), row);
                sink += row.getLong(ChronicleStoreBenchmark.C0);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < OPS_PER_ROUND; i++) {
                sink += floor.sameProbe(seq.key(pos++), row);
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < OPS_PER_ROUND; i++) {
                sink += floor.indexRow(homes[pos++ & KeySequence.MASK], row);
            }
            long t3 = System.nanoTime();
            for (int i = 0; i < OPS_PER_ROUND; i++) {
                sink += chronicle.raw.getUsing(chronicle.boxed[pos++ & KeySequence.MASK], value)[0];
            }
            long t4 = System.nanoTime();
            if (r >= 0) {
                ns[0][r] = (t1 - t0) / (double) OPS_PER_ROUND;
                ns[1][r] = (t2 - t1) / (double) OPS_PER_ROUND;
                ns[2][r] = (t3 - t2) / (double) OPS_PER_ROUND;
                ns[3][r] = (t4 - t3) / (double) OPS_PER_ROUND;
            }
        }
        String[] names = {"engine", "sameProbe", "indexRow", "getUsing"};
        StringBuilder out = new StringBuilder(String.format("keys=%d %s rounds=%d, median ns (getUsing / this):",
            keys, distribution, rounds));
        double getUsing = MappedShard.median(ns[3]);
        for (int k = 0; k < names.length; k++) {
            double m = MappedShard.median(ns[k]);
            out.append(String.format(" %s %.0f (%.2fx)", names[k], m, getUsing / m));
        }
        System.out.println(out.append(" sink ").append(sink & 1));
    }

    /** The engine's probe (Shard.readLong) on the same file, without its safety checks. */
    private long sameProbe(long key, RowBuffer into) {
        MappedShard m = shard;
        long hash = Keys.hash(key);
        for (long p = m.home(hash);; p = m.next(p)) {
            int e = UNSAFE.getIntVolatile(null, m.indexBase + (p << 2));
            if (e == 0) {
                return -1;
            }
            if (m.tagMatches(e, hash)) {
                long slot = m.slotOf(e);
                long va = m.versionAddress(slot);
                long a = m.slotAddress(slot);
                long v = UNSAFE.getLongVolatile(null, va);
                boolean match = (v & 1) == 0 && UNSAFE.getLong(a) == key;
                if (match) {
                    copy(a + m.rowOffset, into);
                }
                UNSAFE.loadFence();
                if (match && UNSAFE.getLong(va) == v) {
                    return into.getLong(ChronicleStoreBenchmark.C0);
                }
            }
        }
    }

    /** One index entry, then a copy of the row it names. */
    private long indexRow(int home, RowBuffer into) {
        int e = UNSAFE.getInt(shard.indexBase + ((long) home << 2));
        copy(shard.slotAddress(shard.slotOf(e)) + shard.rowOffset, into);
        return into.getLong(ChronicleStoreBenchmark.C0);
    }

    private void copy(long src, RowBuffer into) {
        Object base = into.base();
        long dst = into.address();
        for (int i = 0; i < shard.rowBytes; i += 8) {
            // The target is a heap row in the JVM's memory's terms (offset 0 of a long[] under segments).
            MEMORY.putLong(base, dst + i, UNSAFE.getLong(src + i));
        }
    }
}
