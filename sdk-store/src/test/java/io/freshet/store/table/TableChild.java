package io.freshet.store.table;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreGrowth;
import io.freshet.core.StoreOpenState;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.RowStoreContractTest;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.table.TableFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * Child process of {@link TableRecoveryKillTest}, run under a debugger ({@link DebuggedChild}) that stops and kills
 * it at chosen lines of the engine. It first loads the engine classes the debugger sets breakpoints in, prints
 * {@code READY} and waits for a line on stdin. Modes (first argument; then the store directory and the key count n):
 * <ul>
 *   <li>{@code hold}: creates a store of {@link #config(Path, long) capacity} n + 1000 in {@value #SHARDS} shards and
 *       leaves one kind of unfinished work in each shard, as a writer killed at this moment would:
 *       <ul>
 *         <li>shard {@code held} (the shard of key 7): an apply to key 7 at offset n begun and half its row
 *             overwritten with garbage (undo slot active, version word odd);</li>
 *         <li>shard {@code evicting}: key {@code doomed}, inserted before that shard's other keys and made idle,
 *             is evicted at the end; the debugger kills the process inside the backward shift of that deletion (entries
 *             half moved, the hole logged, the structure version odd). The key is chosen so that the shift moves
 *             the most entries;</li>
 *         <li>shard {@code unpublished}: an insert of key {@code pending} begun and never committed (its slot
 *             allocated and written, its version word odd over neighbours' rows, undo slot active);</li>
 *         <li>shard {@code published}: an insert of key {@code committing} whose commit, run in a thread named
 *             {@value #COMMIT_THREAD}, the debugger stops after the index entry was published and before the
 *             offset was advanced (so recovery must delete it again).</li>
 *       </ul>
 *       Before that, every key 0..n-1 gets one apply (offset = key): its committed row is
 *       {@link #expectedRow(long) expectedRow(1)}.
 *       Prints {@code ROLES held evicting unpublished published doomed pending committing moves}, then
 *       {@code COMMIT} and waits for a stdin line before starting the commit thread, then {@code EVICT} and waits
 *       again before the eviction.</li>
 *   <li>{@code open}: opens (and so recovers) the store, prints {@code OPENED} and halts without closing, so that the
 *       next open recovers again. With a fourth argument, a directory, it first copies the store there and recovers
 *       the copy (a counting pass: the debugger counts the lines the recovery runs), then calls {@link #passDone()}
 *       before recovering the store itself.</li>
 * </ul>
 */
final class TableChild {
    static final int SHARDS = 4;
    static final int ROW_BYTES = RowStoreContractTest.SET.rowSizeBytes();
    static final long HELD_KEY = 7;
    static final String TOPIC = "t";
    static final String COMMIT_THREAD = "held-commit";
    /** The doomed key's last-apply time: the only row idle at {@link #EVICT_NOW_MS} beyond {@link #EVICT_TTL_MS}. */
    static final long DOOMED_LAST_APPLY_MS = -1_000;
    static final long EVICT_NOW_MS = 0;
    static final long EVICT_TTL_MS = 1;
    /** Engine classes the debugger sets breakpoints in; loaded before {@code READY}. */
    static final String[] ENGINE_CLASSES = {"io.freshet.store.internal.table.TableStore",
        "io.freshet.store.internal.table.Shard", "io.freshet.store.internal.table.TableShardWriter",
        "io.freshet.store.internal.table.TableRecovery", "io.freshet.store.internal.table.ShardIndexScan",
        "io.freshet.store.internal.MetaFile",
        "io.freshet.store.internal.UndoSlots", "io.freshet.store.internal.OffsetTable",
        "io.freshet.store.internal.UndoRecovery"};

    /** System property: the stores of the children (and of the test that checks them) have row checks. */
    static final String ROW_CHECKS_PROP_NAME = "freshet.test.rowChecks";
    /** Whether the stores have row checks: a child takes it from {@value #ROW_CHECKS_PROP_NAME}, a test sets it. */
    static boolean rowChecks = Boolean.getBoolean(ROW_CHECKS_PROP_NAME);

    private TableChild() {
    }

    static StoreConfig config(Path dir, long keys) {
        // Without growth: the killed moments are those of one generation (TableGrowthTest covers growth's own).
        return StoreConfig.builder(RowStoreContractTest.SET).directory(dir).capacity(keys + 1000)
            .shards(SHARDS).growth(StoreGrowth.disabled()).rowChecks(rowChecks).build();
    }

    /** Every lifetime counter + 1, so rows differ by how often they were hit. */
    static void bump(RowBuffer row) {
        for (int f = 0; f < 8; f++) {
            int at = 24 + f * 16;
            row.putLong(at, row.getLong(at) + 1);
        }
    }

    /** @return the row of a key applied to {@code hits} times */
    static RowBuffer expectedRow(long hits) {
        RowBuffer row = RowBuffer.allocateHeap(ROW_BYTES);
        CoreInternals.layoutOf(RowStoreContractTest.SET).initRow(row);
        for (long i = 0; i < hits; i++) {
            bump(row);
        }
        return row;
    }

    private static void apply(RowStore store, long key, int topic, long offset) {
        ShardWriter w = store.writer(store.shardOf(key));
        if (w.begin(key, topic, 0, offset) != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin refused key=" + key);
        }
        bump(w.row());
        w.commit();
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path dir = Path.of(args[1]);
        long keys = Long.parseLong(args[2]);
        for (String c : ENGINE_CLASSES) {
            Class.forName(c, true, TableChild.class.getClassLoader());
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        say("READY");
        in.readLine();
        switch (mode) {
            case "hold" -> hold(dir, keys, in);
            case "open" -> {
                if (args.length > 3) {
                    Path scratch = Path.of(args[3]);
                    copyStore(dir, scratch);
                    new TableStoreEngine().open(config(scratch, keys));
                    passDone();
                }
                RowStore s = new TableStoreEngine().open(config(dir, keys));
                say("OPENED " + (s.openState() == StoreOpenState.RECOVERED ? "RECOVERED" : s.openState()));
                Runtime.getRuntime().halt(0);
            }
            default -> throw new IllegalArgumentException("mode=" + mode);
        }
    }

    /** Where the debugger stops the child between the counting pass and the real one. */
    static void passDone() {
        say("COUNTED");
    }

    /** Copies a store directory (its files are flat) into a new directory of the permissions a store needs. */
    static Path copyStore(Path from, Path to) throws IOException {
        Files.createDirectory(to, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return to;
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void hold(Path dir, long keys, BufferedReader in) throws Exception {
        RowStore s = new TableStoreEngine().open(config(dir, keys));
        int topic = s.topicIndex(TOPIC);
        int[] counts = new int[SHARDS];
        for (long k = 0; k < keys; k++) {
            counts[s.shardOf(k)]++;
        }
        int held = s.shardOf(HELD_KEY);
        // The pending insert's slot comes after its shard's rows: its version word guards some of them only when
        // that shard's row count is not a multiple of the 4 slots a word guards.
        int unpublished = -1;
        for (int sh = 0; sh < SHARDS; sh++) {
            if (sh != held && counts[sh] % TableFormat.SLOTS_PER_VERSION != 0) {
                unpublished = sh;
                break;
            }
        }
        if (unpublished < 0) {
            throw new IllegalStateException("every shard's row count is a multiple of 4: pick another key count");
        }
        int evicting = -1;
        int published = -1;
        for (int sh = 0; sh < SHARDS; sh++) {
            if (sh != held && sh != unpublished) {
                if (evicting < 0) {
                    evicting = sh;
                } else {
                    published = sh;
                }
            }
        }
        long entries = indexEntriesPerShard(dir);
        long doomed = -1;
        int moves = -1;
        long candidate = keys + 1000;
        for (int tried = 0; tried < 256; candidate++) {
            if (s.shardOf(candidate) == evicting) {
                int m = shiftMoves(candidate, keys, s, evicting, entries);
                if (m > moves) {
                    moves = m;
                    doomed = candidate;
                }
                tried++;
            }
        }
        long pending = firstKeyOf(s, unpublished, candidate);
        long committing = firstKeyOf(s, published, pending + 1);

        // The doomed key first (so later keys probe past it), with a last-apply time that makes it the only idle row.
        ShardWriter w = s.writer(evicting);
        if (w.begin(doomed, ShardWriter.NO_SOURCE, 0, 0) != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin refused");
        }
        bump(w.row());
        w.row().putLong(0, DOOMED_LAST_APPLY_MS);
        w.commit();
        for (long k = 0; k < keys; k++) {
            apply(s, k, topic, k);
        }
        // Offsets are per shard: n is above anything any shard applied.
        ShardWriter h = s.writer(held);
        if (h.begin(HELD_KEY, topic, 0, keys) != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin refused");
        }
        for (int i = 0; i < ROW_BYTES / 2; i += 8) {
            h.row().putLong(i, 0x5A5A5A5A5A5A5A5AL);
        }
        ShardWriter u = s.writer(unpublished);
        if (u.begin(pending, topic, 0, keys) != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("begin refused");
        }
        bump(u.row());
        say("ROLES " + held + " " + evicting + " " + unpublished + " " + published + " " + doomed + " " + pending
            + " " + committing + " " + moves);
        say("COMMIT");
        in.readLine();
        Thread committer = new Thread(() -> apply(s, committing, topic, keys), COMMIT_THREAD);
        committer.setDaemon(true);
        committer.start();
        say("EVICT");
        in.readLine();
        int evicted = s.writer(evicting).evictIdle(EVICT_NOW_MS, EVICT_TTL_MS, (int) entries);
        // Reached only when the debugger did not kill the process inside the shift.
        say("EVICTED " + evicted);
        Runtime.getRuntime().halt(0);
    }

    private static long firstKeyOf(RowStore s, int shard, long from) {
        long k = from;
        while (s.shardOf(k) != shard) {
            k++;
        }
        return k;
    }

    /** Index entries per shard, as the data file's header records them. */
    private static long indexEntriesPerShard(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(TableFormat.FILE_NAME), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, 64);
            return b.getLong(0);
        }
    }

    /**
     * How many index entries a backward-shift deletion of {@code doomed} would move, if it were inserted into its
     * (empty) shard first and then every key 0..keys-1 of that shard: a model of the engine's linear probing (home
     * position {@code ((hash >>> 32) * entries) >>> 32}, as {@link TableFormat} documents) and of its deletion (an
     * entry after the hole moves into it unless its home lies between the hole and it), used only to choose a key
     * whose eviction has work to be interrupted in.
     */
    private static int shiftMoves(long doomed, long keys, RowStore s, int shard, long entries) {
        long[] table = new long[(int) entries];
        boolean[] used = new boolean[(int) entries];
        long at = insert(table, used, doomed);
        for (long k = 0; k < keys; k++) {
            if (s.shardOf(k) == shard) {
                insert(table, used, k);
            }
        }
        int moves = 0;
        long hole = at;
        long j = (at + 1) % entries;
        while (used[(int) j]) {
            long home = home(table[(int) j], entries);
            if (Math.floorMod(j - home, entries) >= Math.floorMod(j - hole, entries)) {
                moves++;
                hole = j;
            }
            j = (j + 1) % entries;
        }
        return moves;
    }

    private static long insert(long[] table, boolean[] used, long key) {
        long p = home(key, table.length);
        while (used[(int) p]) {
            p = (p + 1) % table.length;
        }
        used[(int) p] = true;
        table[(int) p] = key;
        return p;
    }

    private static long home(long key, long entries) {
        return ((Keys.hash(key) >>> 32) * entries) >>> 32;
    }
}
