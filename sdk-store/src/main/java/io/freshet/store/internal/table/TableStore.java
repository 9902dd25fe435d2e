package io.freshet.store.internal.table;


import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.StoreGrowth;
import io.freshet.core.StoreOpenState;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.RowVisitor;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.internal.MetaBackedStore;
import io.freshet.store.internal.MetaFile;
import io.freshet.store.internal.MetaFileDescriptor;
import io.freshet.store.internal.StoreDirectory;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The table engine's {@link RowStore}: one {@link Shard} sub-table per shard in a memory-mapped data file
 * ({@link TableFormat}), the meta file beside it, and the open-time rules: header validation before mapping, seal
 * verification of a cleanly closed store, the OS-crash policy, and recovery of a killed writer (finish an interrupted
 * index shift, rebuild and check the free-slot set, then roll back each shard's in-flight apply from its undo slot,
 * then make every version word a killed writer left odd even again).
 *
 * <p>Growth ({@link StoreConfig#growth()}): when a shard's rows pass the growth threshold, a background thread
 * creates the next generation of the data file at twice the capacity and the meta file adopts it
 * ({@value #LAYOUT_KEY}); each shard's writer then moves to it and copies the old shard's rows over a number of
 * applies ({@link TableShardWriter}); when every shard is done the meta file names the new generation alone, records
 * the growth in {@value #GROWTH_HISTORY_KEY}, and the old file is deleted. A reader looks in the new shard, then in
 * the old one while the shard migrates ({@link TableGeneration}); a reader in another process learns from the old
 * file's supersededBy word that the rows moved, and maps the generations the meta file names. A kill at any
 * moment reopens the files the meta file names and resumes the copy.
 *
 * <p>Threading: reads from any thread, and from other processes that open the store read-only, are lock-free and
 * never block a writer; each shard's writer is used by one thread. A read that keeps finding its slot odd (a writer
 * killed mid-apply, not yet recovered) gives up after {@value #READ_STALL_PROP_NAME} ms (default
 * {@value #DEFAULT_READ_STALL_MS}) with {@link Reason#DAMAGED} instead of spinning forever.
 * Allocation: none on reads and applies.
 */
public final class TableStore extends MetaBackedStore {
    /** Metadata key binding the meta file to its data file. */
    public static final String STORE_ID_KEY = "freshet.table.storeId";
    /** Metadata key of the data files' layout: generation, capacity, and the growth in progress. */
    public static final String LAYOUT_KEY = "freshet.table.layout";
    /**
     * Metadata key of the growth history: {@code requestMs,fileReadyMs,endMs,fromCapacity,toCapacity} entries split
     * by {@code ;} (asked for by a shard at its fill threshold; next file adopted; old file retired).
     */
    public static final String GROWTH_HISTORY_KEY = "freshet.table.growthHistory";
    /**
     * System property: whether a growth's background thread maps every page of the next file into the page tables
     * before the file is adopted (default true), so that the applier's copy into it does not fault page by page
     * (measured on tmpfs, the recommended store location; on a disk file system the first write of a page may still
     * take a minor write fault, as the kernel tracks dirty pages there). Read at each growth (the growth harness
     * compares both in one run).
     */
    public static final String GROWTH_PRETOUCH_PROP_NAME = "freshet.table.growthPretouch";
    /** How long a failed growth waits before it is tried again. */
    static final long GROWTH_RETRY_NS = 30_000_000_000L;
    private static final int GROWTH_IDLE = 0;
    private static final int GROWTH_BUSY = 1;
    /** System property: how long a read may wait for a slot that stays odd, in ms. */
    public static final String READ_STALL_PROP_NAME = "freshet.table.readStallMs";
    /** Default of {@link #READ_STALL_PROP_NAME}. */
    public static final long DEFAULT_READ_STALL_MS = 2000;
    private static final int SPINS_BEFORE_YIELD = 128;

    /** The current generation (and the one it grows from): read once per call by readers and writers. */
    private volatile TableGeneration gen;
    private final TableShardWriter[] writers;
    private final StoreGrowth growth;
    /** Guarded by this: what the meta file says about the generations. */
    private TableLayoutRecord layoutRecord;
    /**
     * GROWTH_BUSY from a growth's request until the meta file adopted its file (which may wait for the growth before
     * to finish), else GROWTH_IDLE.
     */
    private volatile int growthPhase;
    private volatile long growthRetryAtNs;
    private volatile String growthFailure;
    /**
     * The capacity at which growth met its maximum (-1: not met). Kept as a number, and the message built only when
     * asked: a writer waiting for room asks to grow on every retry, and must neither allocate nor lock to learn that
     * it cannot.
     */
    private volatile long maximumMetAtCapacity = -1;
    private volatile boolean closing;
    /** The sum of the bytes a growth's page touching read (kept so that the reads are not elided). */
    private volatile long pretouchSink;
    /** Bumped by every step of a growth (each MB of a next file, an adoption, a shard done, a retirement). */
    private volatile long growthProgress;
    /** Guarded by this: the thread creating the next file, or null. */
    private Thread createThread;
    /** Guarded by this: the thread retiring an old generation, or null. */
    private Thread retireThread;
    /** Guarded by this: a thread was started to retire the old generation. */
    private boolean retireStarted;
    private final boolean readOnly;
    private final int shardCount;
    /** {@code shardCount - 1} when it is a power of two (then a mask is the modulo), else -1. */
    private final long shardMask;
    private final int rowBytes;
    private final int maxKeyBytes;
    private final long readStallNs;
    /** The snapshot being taken, which each writer joins at its next apply boundary, or null. */
    private volatile TableSnapshot snapshotJob;
    /** One snapshot of a store at a time. */
    private final AtomicBoolean snapshotting = new AtomicBoolean();
    /** Applies the open's recovery rolled back (0 when it did not recover); written before the store is handed out. */
    private int rolledBackApplies;

    private TableStore(StoreConfig config, StoreDirectory dir, MetaFile meta, TableGeneration gen,
        TableLayoutRecord layoutRecord, StoreOpenState state) {
        super(config, dir, meta, state);
        this.gen = gen;
        this.layoutRecord = layoutRecord;
        this.growth = config.growth();
        this.readOnly = config.readOnly();
        this.shardCount = config.shards();
        this.shardMask = Integer.bitCount(shardCount) == 1 ? shardCount - 1 : -1;
        this.rowBytes = layout.rowSizeBytes();
        this.maxKeyBytes = gen.file.format().maxKeyBytes;
        this.readStallNs = Long.getLong(READ_STALL_PROP_NAME, DEFAULT_READ_STALL_MS) * 1_000_000L;
        this.writers = readOnly ? null : new TableShardWriter[shardCount];
    }

    /**
     * Opens, creates or recovers a store.
     *
     * @param config options
     * @return the open store
     * @throws StoreException when refused
     */
    public static TableStore open(StoreConfig config) {
        if (config.directory() == null) {
            throw new IllegalArgumentException("directory was not set: call StoreConfig.Builder.directory(path)");
        }
        TableFormat.of(config);
        StoreDirectory dir = StoreDirectory.open(config.directory(), !config.readOnly(), config.refusedFilesystems());
        try {
            refuseUnfinishedSnapshot(dir);
            return config.readOnly() ? openReader(config, dir) : openWriter(config, dir);
        } catch (RuntimeException | Error e) {
            dir.close();
            throw e;
        }
    }

    private static TableStore openWriter(StoreConfig config, StoreDirectory dir) {
        dir.lockForWriting();
        if (!MetaFile.exists(dir)) {
            dir.checkNothingButTemporaryFiles(MetaFileDescriptor.FILE_NAME);
            return createNew(config, dir);
        }
        MetaFile meta = MetaFile.open(dir, config, TableFormat.ENGINE_ID, false);
        TableFile file = null;
        TableFile next = null;
        try {
            TableLayoutRecord rec = TableLayoutRecord.parse(meta.metadata().get(LAYOUT_KEY), config.capacity(),
                dir.path());
            file = TableFile.open(dir, config, false, rec.generation(), rec.capacity());
            checkBinding(meta, file);
            if (rec.growing()) {
                next = openGrowthTarget(dir, config, rec);
                checkBinding(meta, next);
            }
            StoreOpenState state;
            for (TableFile f : next == null ? new TableFile[] {file} : new TableFile[] {file, next}) {
                if (meta.wasClean() || f.sealed()) {
                    // A data file that says SEALED is verified as sealed, whatever the meta file says: a kill between
                    // the seal and the meta file's CLEAN (or between OPEN and the unseal) leaves exactly that, and
                    // rows read from a file whose seal fails must never be served.
                    f.verifySeal(false);
                }
            }
            if (meta.wasClean()) {
                state = StoreOpenState.CLEAN;
            } else if (!meta.lastWriterInThisBoot()) {
                if (config.osCrashPolicy() == StoreConfig.OsCrashPolicy.FAIL) {
                    throw new StoreException(Reason.OS_CRASH, dir.path(), "the last writer did not close the store "
                        + "and ran before the last OS boot: rows and offsets may be any mix of old and new pages. "
                        + "Delete the store directory to rebuild it from Kafka, or open with OsCrashPolicy.REBUILD");
                }
                closeQuietly(null, next);
                file.close();
                meta.close();
                Files.deleteIfExists(dir.file(MetaFileDescriptor.FILE_NAME));
                deleteDataFiles(dir, 0, 0);
                return createNew(config, dir);
            } else {
                meta.checkAfterKill();
                state = StoreOpenState.RECOVERED;
            }
            // Files of generations the meta file does not name: retired ones a kill left before their deletion, and
            // a next one whose creation was never adopted (it never held a row).
            deleteDataFiles(dir, rec.generation(), rec.growTo());
            meta.markOpen();
            file.unseal();
            TableGeneration g = new TableGeneration(rec.generation(), rec.capacity(), file, null);
            if (next != null) {
                next.unseal();
                g = new TableGeneration(rec.growTo(), rec.growCapacity(), next, null).growingFrom(g);
            }
            TableStore store = new TableStore(config, dir, meta, g, rec, state);
            store.prepareWriter(state == StoreOpenState.RECOVERED, state != StoreOpenState.CLEAN);
            return store;
        } catch (IOException e) {
            closeQuietly(meta, file);
            closeQuietly(null, next);
            throw new StoreException(Reason.IO, dir.path(), "cannot replace the meta file: " + e, e);
        } catch (RuntimeException | Error e) {
            closeQuietly(meta, file);
            closeQuietly(null, next);
            throw e;
        }
    }

    private static TableFile openGrowthTarget(StoreDirectory dir, StoreConfig config, TableLayoutRecord rec) {
        try {
            return TableFile.open(dir, config, config.readOnly(), rec.growTo(), rec.growCapacity());
        } catch (StoreException e) {
            if (e.reason() == Reason.TRUNCATED) {
                throw new StoreException(Reason.TRUNCATED, dir.file(TableFormat.fileName(rec.growTo())), "the data "
                    + "file the store was growing into is missing although the meta file names it (" + LAYOUT_KEY
                    + "=" + rec.format() + "): delete the store directory to rebuild it from Kafka", e);
            }
            throw e;
        }
    }

    /**
     * Deletes every data file (and temporary data file) of a generation other than {@code keep} and {@code keepToo}
     * (0 = none; both 0 deletes them all).
     */
    private static void deleteDataFiles(StoreDirectory dir, int keep, int keepToo) throws IOException {
        List<Path> doomed = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.path())) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String base = name.endsWith(StoreDirectory.TMP_SUFFIX)
                    ? name.substring(0, name.length() - StoreDirectory.TMP_SUFFIX.length()) : name;
                int g = TableFormat.generationOf(base);
                boolean tmp = name.length() != base.length();
                if (g > 0 && (tmp || (g != keep && g != keepToo))) {
                    doomed.add(f);
                }
            }
        }
        for (Path f : doomed) {
            Files.deleteIfExists(f);
        }
    }

    private static void closeQuietly(MetaFile meta, TableFile file) {
        if (file != null) {
            file.close();
        }
        if (meta != null) {
            meta.close();
        }
    }

    private static TableStore createNew(StoreConfig config, StoreDirectory dir) {
        long storeId = new SecureRandom().nextLong() | 1;
        TableFile file = TableFile.create(dir, config, storeId);
        MetaFile meta = null;
        try {
            // Created OPEN with the binding in it: a kill from here on leaves a store that recovers (empty).
            meta = MetaFile.create(dir, config, TableFormat.ENGINE_ID, Map.of(STORE_ID_KEY, Long.toHexString(storeId)));
            TableStore store = new TableStore(config, dir, meta, new TableGeneration(1, config.capacity(), file, null),
                TableLayoutRecord.initial(config.capacity()), StoreOpenState.CREATED);
            store.prepareWriter(false, false);
            return store;
        } catch (RuntimeException | Error e) {
            closeQuietly(meta, file);
            throw e;
        }
    }

    private static void refuseUnfinishedSnapshot(StoreDirectory dir) {
        if (Files.exists(dir.file(TableSnapshot.INCOMPLETE_FILE), LinkOption.NOFOLLOW_LINKS)) {
            throw new StoreException(Reason.INCOMPLETE, dir.path(), "this directory holds a snapshot that was never "
                + "finished (" + TableSnapshot.INCOMPLETE_FILE + " is here: the process taking it was killed): delete "
                + "the directory and take the snapshot again");
        }
    }

    private static void checkBinding(MetaFile meta, TableFile file) {
        String id = meta.metadata().get(STORE_ID_KEY);
        if (id == null || !id.equals(Long.toHexString(file.storeId()))) {
            throw new StoreException(Reason.CORRUPT, file.path(), "data file storeId="
                + Long.toHexString(file.storeId()) + " != meta file " + STORE_ID_KEY + "=" + id
                + ": the two files are not from the same store");
        }
    }

    private static TableStore openReader(StoreConfig config, StoreDirectory dir) {
        if (!MetaFile.exists(dir)) {
            throw new StoreException(Reason.IO, dir.path(), "no store here (no " + MetaFileDescriptor.FILE_NAME
                + "); a writer creates it");
        }
        MetaFile meta = MetaFile.open(dir, config, TableFormat.ENGINE_ID, true);
        try {
            boolean writerAlive = dir.writerAlive();
            if (!meta.wasClean() && !writerAlive) {
                throw new StoreException(Reason.DAMAGED, dir.path(), "the last writer was killed and no writer has "
                    + "recovered the store yet: open it for writing once (recovery runs at open), then read");
            }
            TableLayoutRecord[] rec = new TableLayoutRecord[1];
            TableGeneration g = openGenerations(config, dir, meta, null, rec);
            if (meta.wasClean()) {
                g.file.verifySeal(true);
                if (g.previous != null) {
                    g.previous.file.verifySeal(true);
                }
            }
            return new TableStore(config, dir, meta, g, rec[0],
                writerAlive ? StoreOpenState.LIVE_WRITER : StoreOpenState.CLEAN);
        } catch (RuntimeException | Error e) {
            closeQuietly(meta, null);
            throw e;
        }
    }

    /**
     * A reader's view of the generations the meta file names now, re-using the files of {@code seen} that are still
     * named. A writer may retire a generation between the read of the meta file and the open of its file: then the
     * meta file is read again.
     */
    private static TableGeneration openGenerations(StoreConfig config, StoreDirectory dir, MetaFile meta,
        TableGeneration seen, TableLayoutRecord[] recOut) {
        for (int attempt = 0;; attempt++) {
            TableLayoutRecord rec = TableLayoutRecord.parse(meta.metadata().get(LAYOUT_KEY), config.capacity(),
                dir.path());
            List<TableFile> opened = new ArrayList<>();
            try {
                TableGeneration cur = reuseOrOpen(config, dir, meta, seen, rec.generation(), rec.capacity(), opened);
                TableGeneration g = cur;
                if (rec.growing()) {
                    g = reuseOrOpen(config, dir, meta, seen, rec.growTo(), rec.growCapacity(), opened)
                        .growingFrom(cur);
                }
                recOut[0] = rec;
                return g;
            } catch (StoreException e) {
                for (TableFile f : opened) {
                    f.close();
                }
                if (e.reason() != Reason.TRUNCATED || attempt >= 10) {
                    throw e;
                }
                Thread.onSpinWait();
            }
        }
    }

    private static TableGeneration reuseOrOpen(StoreConfig config, StoreDirectory dir, MetaFile meta,
        TableGeneration seen, int number, long capacity, List<TableFile> opened) {
        for (TableGeneration g = seen; g != null; g = g.previous) {
            if (g.number == number) {
                return g.alone();
            }
        }
        TableFile f = TableFile.open(dir, config, true, number, capacity);
        opened.add(f);
        checkBinding(meta, f);
        return new TableGeneration(number, capacity, f, null);
    }

    private void prepareWriter(boolean recover, boolean checkKeys) {
        TableGeneration g = gen;
        Shard[] shards = g.shards;
        Shard[] previous = g.previousShards();
        Shard[] applyTargets = new Shard[shardCount];
        for (int s = 0; s < shardCount; s++) {
            shards[s].verifyControlWords();
            if (previous != null) {
                previous[s].verifyControlWords();
            }
            long state = previous == null ? TableFormat.GROW_NOT_STARTED : shards[s].growState();
            long movedTo = previous == null ? 0 : previous[s].supersededBy();
            if (state < TableFormat.GROW_NOT_STARTED || state > TableFormat.GROW_DONE
                || shards[s].supersededBy() != 0
                || (movedTo != 0 && (movedTo != g.number || state == TableFormat.GROW_NOT_STARTED))) {
                throw new StoreException(Reason.CORRUPT, g.file.path(), "shard=" + s + " growState=" + state
                    + " supersededBy=" + shards[s].supersededBy() + " contradict the meta file's " + LAYOUT_KEY + "="
                    + layoutRecord.format() + ": the files do not belong together or were damaged");
            }
            for (Shard sh : previous == null ? new Shard[] {shards[s]} : new Shard[] {previous[s], shards[s]}) {
                if (recover) {
                    sh.finishInterruptedShift();
                }
                sh.rebuild(checkKeys);
            }
            // The in-flight apply a kill left was in the generation the shard's writer was writing.
            applyTargets[s] = previous != null && state == TableFormat.GROW_NOT_STARTED ? previous[s] : shards[s];
        }
        if (recover) {
            TableRecovery recovery = new TableRecovery(applyTargets, meta, layout.keyType() == KeyType.TEXT,
                rowBytes);
            for (Shard s : applyTargets) {
                recovery.rollBackInFlightApply(s);
            }
            rolledBackApplies = recovery.rolledBack();
            if (g.file.format().rowChecks) {
                // Before the undo records go: a kill until then re-runs the roll-back and meets the same slots again.
                for (int s = 0; s < shardCount; s++) {
                    final int shard = s;
                    Shard now = shards[s];
                    Shard before = previous == null ? null : previous[s];
                    now.resolveOrphans(before, slot -> recovery.isRolledBackKey(shard, now, slot));
                    if (before != null) {
                        before.resolveOrphans(now, slot -> recovery.isRolledBackKey(shard, before, slot));
                    }
                }
            }
            for (Shard s : applyTargets) {
                recovery.clearUndo(s);
            }
        }
        if (checkKeys && g.file.format().rowChecks) {
            // Row checks: a slot that failed its check at the scan is damage unless the rollback just rewrote it.
            for (int s = 0; s < shardCount; s++) {
                shards[s].verifySuspects();
                if (previous != null) {
                    previous[s].verifySuspects();
                }
            }
        }
        // After the rollbacks, which restore rows under their own odd/even step: a word a killed writer left odd
        // (an insert that never got published) also guards three other rows.
        for (int s = 0; s < shardCount; s++) {
            shards[s].evenOutVersions();
            if (previous != null) {
                previous[s].evenOutVersions();
            }
        }
        for (int s = 0; s < shardCount; s++) {
            writers[s] = new TableShardWriter(this, g, s, meta, layout, maxKeyBytes);
        }
        if (previous != null && allShardsGrown(g)) {
            finishGrowth();
        }
    }

    // ---- snapshot ----------------------------------------------------------------------------------------------

    /**
     * Copies a consistent snapshot of this live store (rows plus exactly the offsets they reflect) into a new store
     * directory, while the writers keep applying: see {@link TableSnapshot}. Each shard's writer does its copying
     * (as it applies, and in {@code maintain} when idle), so the writers must be called meanwhile, as a running
     * pipeline does; the calling thread waits. One snapshot at a time.
     *
     * @param target an absent or empty directory
     * @return rows copied
     */
    @Override
    public long snapshotTo(Path target) {
        return takeSnapshot(target, false);
    }

    /**
     * @param target an absent or empty directory
     * @param driveWriters whether the caller owns every writer (offline tools): then it copies the rows itself
     * @return rows copied
     */
    long takeSnapshot(Path target, boolean driveWriters) {
        Objects.requireNonNull(target, "target");
        checkOpen();
        if (readOnly) {
            throw new IllegalStateException("store of set=" + layout.setName() + " is open read-only: take the "
                + "snapshot in the process that writes it, or with the store tool when no writer has it open");
        }
        if (!snapshotting.compareAndSet(false, true)) {
            throw new IllegalStateException("a snapshot of set=" + layout.setName() + " is already being taken: one "
                + "at a time");
        }
        try {
            awaitNoGrowth(driveWriters);
            return TableSnapshot.take(this, target, driveWriters);
        } finally {
            snapshotting.set(false);
        }
    }

    /** A snapshot's target has the current generation's geometry: waits for a growth under way to finish first. */
    private void awaitNoGrowth(boolean driveWriters) {
        long stallNs = Long.getLong(TableSnapshot.STALL_PROP_NAME, TableSnapshot.DEFAULT_STALL_MS) * 1_000_000L;
        long progress = growthProgress;
        long progressAtNs = System.nanoTime();
        while (growing()) {
            checkOpen();
            if (growthProgress != progress) {
                progress = growthProgress;
                progressAtNs = System.nanoTime();
            } else if (System.nanoTime() - progressAtNs > stallNs) {
                throw new StoreException(Reason.IO, dir.path(), "a snapshot waits for the growth under way to finish, "
                    + "and it made no progress for " + stallNs / 1_000_000 + " ms (" + TableSnapshot.STALL_PROP_NAME
                    + "): the shard writers copy its rows as they apply and in maintain(), so take the snapshot of a "
                    + "running pipeline");
            }
            if (driveWriters) {
                completeGrowth();
            } else {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for a growth before a snapshot", e);
                }
            }
        }
    }

    /**
     * Creates the empty store a snapshot fills: this store's definition and options, the current generation's
     * capacity, marked as a snapshot being taken.
     */
    TableStore createSnapshotTarget(Path target) {
        StoreConfig c = CoreInternals.storeConfigBuilder(layout).directory(target).capacity(config.capacity())
            .shards(config.shards()).maxKeyBytes(config.maxKeyBytes()).maxTopics(config.maxTopics())
            .maxPartitions(config.maxPartitions()).osCrashPolicy(config.osCrashPolicy()).growth(growth)
            .rowChecks(config.rowChecks()).build();
        long capacity = gen.capacity;
        StoreDirectory d = StoreDirectory.open(target, true);
        TableFile file = null;
        MetaFile m = null;
        try {
            d.lockForWriting();
            if (MetaFile.exists(d)) {
                throw new StoreException(Reason.IO, target, "the snapshot target already holds a store");
            }
            // First of all, so that a kill at any later point leaves a directory every open refuses.
            d.createFile(TableSnapshot.INCOMPLETE_FILE);
            long storeId = new SecureRandom().nextLong() | 1;
            file = TableFile.create(d, c, storeId, 1, capacity, () -> false);
            TableLayoutRecord rec = TableLayoutRecord.initial(capacity);
            Map<String, String> initial = new LinkedHashMap<>();
            initial.put(STORE_ID_KEY, Long.toHexString(storeId));
            initial.put(LAYOUT_KEY, rec.format());
            m = MetaFile.create(d, c, TableFormat.ENGINE_ID, initial);
            TableStore store = new TableStore(c, d, m, new TableGeneration(1, capacity, file, null), rec,
                StoreOpenState.CREATED);
            store.prepareWriter(false, false);
            return store;
        } catch (RuntimeException | Error e) {
            closeQuietly(m, file);
            d.close();
            throw e;
        }
    }

    /** @return the snapshot the writers should join, or null (volatile read: once per writer call) */
    TableSnapshot snapshotJob() {
        return snapshotJob;
    }

    void publishSnapshot(TableSnapshot job) {
        snapshotJob = job;
    }

    void clearSnapshot(TableSnapshot job) {
        if (snapshotJob == job) {
            snapshotJob = null;
        }
    }

    /** Upkeep of every writer on the calling thread, which owns them all (offline snapshot). */
    void maintainAllWriters(int budget) {
        for (TableShardWriter w : writers) {
            w.maintain(budget);
        }
    }

    StoreConfig storeConfig() {
        return config;
    }

    Path directoryPath() {
        return dir.path();
    }

    // ---- growth ------------------------------------------------------------------------------------------------

    /** @return the current generation (volatile read) */
    TableGeneration generation() {
        return gen;
    }

    /**
     * @param slots a shard's row slots
     * @return rows (new and still to copy) at which that shard asks for growth
     */
    long growAt(long slots) {
        return growth.enabled() && !readOnly ? (long) Math.ceil(slots * growth.fillThreshold()) : Long.MAX_VALUE;
    }

    /**
     * Asks for the next generation (a shard's writer, when its fill passed the threshold). Cheap and lock-free while
     * a next file is already on its way, which is the common case once one was asked for. It may be asked for while
     * the rows of the growth before are still being copied: the file is then made at once and adopted when that
     * growth finishes, so that making it (seconds for GBs of zeros) is off the path to room.
     *
     * @param judged the generation whose shard the writer found at its fill threshold
     */
    void requestGrowth(TableGeneration judged) {
        if (growthPhase != GROWTH_IDLE || gen != judged || maximumMetAtCapacity == judged.capacity
            || System.nanoTime() - growthRetryAtNs < 0) {
            return;
        }
        startGrowth(judged);
    }

    /**
     * Starts the growth of {@code judged}, the generation whose fill the asking writer judged: a request judged on a
     * generation that was replaced meanwhile is dropped (its writer asks again, if it must, after it adopted the new
     * one), or a store that just grew would double once more for the fill of its previous, smaller generation.
     *
     * @param judged the generation whose shard the writer found at its fill threshold
     */
    private synchronized void startGrowth(TableGeneration judged) {
        TableGeneration g = gen;
        if (growthPhase != GROWTH_IDLE || g != judged || closing || isClosed()) {
            return;
        }
        long next = Math.min(growth.maxCapacity(), 2 * g.capacity);
        if (next <= g.capacity) {
            maximumMetAtCapacity = g.capacity;
            return;
        }
        try {
            TableFormat.of(config, next);
        } catch (IllegalArgumentException e) {
            growthFailure = e.getMessage();
            growthRetryAtNs = System.nanoTime() + GROWTH_RETRY_NS;
            return;
        }
        growthPhase = GROWTH_BUSY;
        long requestMs = System.currentTimeMillis();
        Thread t = new Thread(() -> createNextGeneration(g, next, requestMs), "freshet-table-grow-"
            + layout.setName());
        t.setDaemon(true);
        createThread = t;
        t.start();
    }

    /**
     * The growth thread: writes the next file (seconds for GBs of zeros), waits for the growth before it (if any) to
     * finish, then has the meta file adopt it.
     */
    private void createNextGeneration(TableGeneration from, long capacity, long requestMs) {
        int number = from.number + 1;
        TableFile next = null;
        try {
            boolean[] started = {false};
            next = TableFile.create(dir, config, from.file.storeId(), number, capacity, () -> {
                growthProgress++;
                if (!started[0]) {
                    started[0] = true;
                    GrowthStep.reached(GrowthStep.NEXT_FILE_WRITING);
                }
                return closing || isClosed();
            });
            if (next == null) {
                return;
            }
            TableGeneration grown = new TableGeneration(number, capacity, next, null);
            for (Shard s : grown.shards) {
                s.rebuild(false);
            }
            if (Boolean.parseBoolean(System.getProperty(GROWTH_PRETOUCH_PROP_NAME, "true"))) {
                // Measured (GrowthHarness diagnose): most applies over 1 ms while rows were copied had faulted on the
                // new file's pages. They are faulted in here instead, off the apply thread, before the adoption.
                long sink = 0;
                for (int s = 0; s < grown.shards.length && !closing && !isClosed(); s++) {
                    sink += next.touchPages(s);
                    growthProgress++;
                }
                pretouchSink = sink;
            }
            GrowthStep.reached(GrowthStep.NEXT_FILE_WRITTEN);
            synchronized (this) {
                while (gen.previous != null && !closing && !isClosed()) {
                    wait(50);
                }
                if (closing || isClosed()) {
                    throw new IllegalStateException("store closed while it grew");
                }
                if (gen.number != from.number) {
                    throw new IllegalStateException("generation=" + gen.number + " is not the one the file grows from="
                        + from.number);
                }
                TableGeneration base = gen;
                TableLayoutRecord rec = layoutRecord.startGrowth(capacity, requestMs, System.currentTimeMillis());
                // The meta file adopts the complete, forced file; from here on a kill reopens both generations.
                meta.metadata().put(LAYOUT_KEY, rec.format());
                layoutRecord = rec;
                gen = grown.growingFrom(base);
                growthProgress++;
                growthFailure = null;
                growthPhase = GROWTH_IDLE;
            }
        } catch (InterruptedException | RuntimeException | Error e) {
            if (next != null) {
                next.close();
                try {
                    Files.deleteIfExists(dir.file(TableFormat.fileName(number)));
                } catch (IOException | RuntimeException ignored) {
                    // The next open deletes a file the meta file does not name.
                }
            }
            if (!closing && !isClosed()) {
                growthFailure = "growth to capacity=" + capacity + " failed: " + e;
                growthRetryAtNs = System.nanoTime() + GROWTH_RETRY_NS;
            }
            growthPhase = GROWTH_IDLE;
        }
    }

    private static boolean allShardsGrown(TableGeneration g) {
        for (Shard s : g.shards) {
            if (s.growState() != TableFormat.GROW_DONE) {
                return false;
            }
        }
        return true;
    }

    /** A shard's writer copied its last row: when every shard is done, a thread retires the old generation. */
    void shardGrown(int shard) {
        growthProgress++;
        TableGeneration g = gen;
        if (g.previous == null || !allShardsGrown(g)) {
            return;
        }
        synchronized (this) {
            if (closing || retireStarted) {
                return;
            }
            retireStarted = true;
            Thread t = new Thread(() -> {
                synchronized (this) {
                    if (!closing && !isClosed()) {
                        finishGrowth();
                    }
                }
            }, "freshet-table-retire-" + layout.setName());
            t.setDaemon(true);
            retireThread = t;
            t.start();
        }
    }

    /**
     * Retires the old generation once every shard copied it: the meta file names the new generation alone and
     * records the growth (one publication), readers stop looking in the old file, and it is deleted. A kill before
     * the publication finishes it at the next open; one after it leaves a file the next open deletes.
     */
    private synchronized void finishGrowth() {
        TableGeneration g = gen;
        if (g.previous == null) {
            return;
        }
        GrowthStep.reached(GrowthStep.COPIED);
        TableLayoutRecord rec = layoutRecord;
        String history = meta.metadata().get(GROWTH_HISTORY_KEY);
        String entry = rec.growRequestMs() + "," + rec.growStartMs() + "," + System.currentTimeMillis() + ","
            + rec.capacity() + "," + rec.growCapacity();
        Map<String, String> update = new LinkedHashMap<>();
        TableLayoutRecord done = rec.finishGrowth();
        update.put(LAYOUT_KEY, done.format());
        update.put(GROWTH_HISTORY_KEY, history == null || history.isEmpty() ? entry : history + ";" + entry);
        meta.metadata().putAll(update);
        layoutRecord = done;
        gen = g.alone();
        GrowthStep.reached(GrowthStep.META_UPDATED);
        // Readers still in the old generation keep its mappings (valid after the file is unlinked) until collected.
        g.previous.file.close();
        try {
            Files.deleteIfExists(dir.file(TableFormat.fileName(g.previous.number)));
        } catch (IOException | RuntimeException ignored) {
            // The next open deletes a file the meta file does not name.
        }
        retireStarted = false;
        growthProgress++;
        // A next file made while this growth copied rows is adopted now.
        notifyAll();
    }

    /**
     * Finishes a growth under way now, on the calling thread: waits for the next file, copies every shard's
     * remaining rows, retires the old file. For tools (resize), which need one generation; the caller owns every
     * writer (no apply in flight, no other writing thread).
     */
    void completeGrowth() {
        checkOpen();
        while (true) {
            for (TableShardWriter w : writers) {
                w.migrateAll();
            }
            finishGrowth();
            Thread t;
            synchronized (this) {
                t = createThread;
            }
            if (t == null || !t.isAlive()) {
                if (gen.previous == null) {
                    return;
                }
                continue;
            }
            try {
                // It adopts its file now that the growth before finished; that growth's rows are copied next.
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the store's growth finished", e);
            }
        }
    }

    /**
     * Copies rows for every writer other than {@code waiting} whose last call came from {@code thread} (that thread
     * waits in {@code waiting}'s begin for a growth that needs those writers' shards copied).
     */
    void maintainWritersOf(Thread thread, TableShardWriter waiting, int budget) {
        for (TableShardWriter w : writers) {
            if (w != waiting) {
                w.maintainFor(thread, budget);
            }
        }
    }

    /** @return a count that changes whenever a growth under way makes a step (volatile read) */
    long growthProgress() {
        return growthProgress;
    }

    /** @return whether a growth was asked for and is not finished (volatile read) */
    boolean growthUnderWay() {
        return (growthPhase == GROWTH_BUSY || gen.previous != null) && !closing && !isClosed();
    }

    /** @return how many times the store grew (from the meta file's growth history) */
    public long growthCount() {
        String h = meta.metadata().get(GROWTH_HISTORY_KEY);
        return h == null || h.isEmpty() ? 0 : h.split(";").length;
    }

    /** @return why the last growth could not start or failed, or null */
    public String growthFailure() {
        long maximum = maximumMetAtCapacity;
        if (maximum >= 0 && maximum == gen.capacity) {
            return "capacity=" + maximum + " is the growth maximum; raise StoreGrowth.upTo(...)";
        }
        return growthFailure;
    }

    /** @return whether a growth is under way (requested, creating the next file, or copying rows) */
    public boolean growing() {
        return growthPhase != GROWTH_IDLE || gen.previous != null;
    }

    @Override
    public int shardCount() {
        return shardCount;
    }

    @Override
    public int shardOf(long key) {
        return shardIndex(Keys.hash(key));
    }

    @Override
    public int shardOf(CharSequence key) {
        return shardIndex(Keys.hash(key));
    }

    /**
     * {@link Keys#shardOf(long, int)} without its 64-bit division when the shard count is a power of two (the
     * dividend {@code hash >>> 1} is never negative, so the mask gives the same shard); a division costs as much as
     * the rest of a cached read's hashing and probing.
     */
    private int shardIndex(long hash) {
        return shardMask >= 0 ? (int) ((hash >>> 1) & shardMask) : Keys.shardOf(hash, shardCount);
    }

    @Override
    public boolean readRow(long key, RowBuffer into) {
        checkOpen();
        checkTarget(into);
        return readLong(key, into, null);
    }

    /** The read of a long key into a buffer ({@code visitor == null}) or through a visitor, across generations. */
    private boolean readLong(long key, RowBuffer into, RowVisitor visitor) {
        final long hash = Keys.hash(key);
        final int si = shardIndex(hash);
        long deadline = 0;
        try {
            for (int attempt = 0;; attempt++) {
                TableGeneration g = gen;
                Shard s = g.shards[si];
                int r;
                if (s.supersededBy() != 0) {
                    refresh(g);
                    r = Shard.BUSY;
                } else if (g.previous == null) {
                    r = readLongIn(s, key, hash, into, visitor);
                } else {
                    long state = s.growState();
                    Shard old = g.previous.shards[si];
                    if (state == TableFormat.GROW_NOT_STARTED) {
                        r = readLongIn(old, key, hash, into, visitor);
                    } else {
                        r = readLongIn(s, key, hash, into, visitor);
                        // The old shard is no longer written: what it holds is the key's row as of the moment the
                        // new shard was found without it.
                        if (r == Shard.ABSENT && state == TableFormat.GROW_MIGRATING) {
                            r = readLongIn(old, key, hash, into, visitor);
                        }
                    }
                }
                if (r == Shard.FOUND) {
                    return true;
                }
                if (r == Shard.ABSENT) {
                    return false;
                }
                deadline = backOff(attempt, deadline);
            }
        } catch (InternalError e) {
            throw damaged(e);
        }
    }

    /** One probe of one shard: FOUND, ABSENT (confirmed by an unchanged structure version) or BUSY. */
    private static int readLongIn(Shard s, long key, long hash, RowBuffer into, RowVisitor visitor) {
        long sv = s.structVersion();
        int r = s.readLong(key, hash, into, visitor);
        if (r == Shard.ABSENT) {
            VarHandle.acquireFence();
            if ((sv & 1) != 0 || s.structVersion() != sv) {
                return Shard.BUSY;
            }
        }
        return r;
    }

    private static int readTextIn(Shard s, CharSequence key, int len, long hash, RowBuffer into, RowVisitor visitor) {
        long sv = s.structVersion();
        int r = s.readText(key, len, hash, into, visitor);
        if (r == Shard.ABSENT) {
            VarHandle.acquireFence();
            if ((sv & 1) != 0 || s.structVersion() != sv) {
                return Shard.BUSY;
            }
        }
        return r;
    }

    /**
     * Evaluates the row where it lies, under its seqlock (see {@link RowVisitor}): a served read of a large row
     * touches the cache lines its features need instead of copying all of them first.
     */
    @Override
    public boolean readRow(long key, RowVisitor visitor) {
        checkOpen();
        return readLong(key, null, Objects.requireNonNull(visitor, "visitor"));
    }

    @Override
    public boolean readRow(CharSequence key, RowVisitor visitor) {
        checkOpen();
        int len = Utf8.length(key, maxKeyBytes);
        if (len < 0) {
            return false;
        }
        return readText(key, len, null, Objects.requireNonNull(visitor, "visitor"));
    }

    @Override
    public boolean readRow(CharSequence key, RowBuffer into) {
        checkOpen();
        checkTarget(into);
        int len = Utf8.length(key, maxKeyBytes);
        if (len < 0) {
            return false;
        }
        return readText(key, len, into, null);
    }

    /** The read of a text key into a buffer ({@code visitor == null}) or through a visitor, across generations. */
    private boolean readText(CharSequence key, int len, RowBuffer into, RowVisitor visitor) {
        final long hash = Keys.hash(key);
        final int si = shardIndex(hash);
        long deadline = 0;
        try {
            for (int attempt = 0;; attempt++) {
                TableGeneration g = gen;
                Shard s = g.shards[si];
                int r;
                if (s.supersededBy() != 0) {
                    refresh(g);
                    r = Shard.BUSY;
                } else if (g.previous == null) {
                    r = readTextIn(s, key, len, hash, into, visitor);
                } else {
                    long state = s.growState();
                    Shard old = g.previous.shards[si];
                    if (state == TableFormat.GROW_NOT_STARTED) {
                        r = readTextIn(old, key, len, hash, into, visitor);
                    } else {
                        r = readTextIn(s, key, len, hash, into, visitor);
                        if (r == Shard.ABSENT && state == TableFormat.GROW_MIGRATING) {
                            r = readTextIn(old, key, len, hash, into, visitor);
                        }
                    }
                }
                if (r == Shard.FOUND) {
                    return true;
                }
                if (r == Shard.ABSENT) {
                    return false;
                }
                deadline = backOff(attempt, deadline);
            }
        } catch (InternalError e) {
            throw damaged(e);
        }
    }

    /**
     * A read found that its shard's rows moved to a newer generation than the one it read. In the writer's process
     * the store's generation was already replaced (before the move), so the caller's next attempt sees it; a
     * read-only store maps the generations the meta file names now.
     */
    private void refresh(TableGeneration seen) {
        if (!readOnly) {
            return;
        }
        synchronized (this) {
            if (gen != seen) {
                return;
            }
            checkOpen();
            TableLayoutRecord[] rec = new TableLayoutRecord[1];
            gen = openGenerations(config, dir, meta, seen, rec);
            layoutRecord = rec[0];
        }
    }

    @Override
    public long prefetchRows(long[] keys, int from, int count) {
        return prefetch(keys, from, count);
    }

    @Override
    public long prefetchRows(CharSequence[] keys, int from, int count) {
        return prefetch(keys, from, count);
    }

    /** {@link #prefetchRows} of a {@code long[]} or a {@code CharSequence[]}. */
    private long prefetch(Object keys, int from, int count) {
        checkOpen();
        // Two passes: the index entries of every key are independent loads, so their misses overlap; the second pass
        // finds them in cache and issues the row loads of every key, which overlap in turn. A hint: it looks only in
        // the current generation (a growth's old shard is read by the read itself when it must be).
        final Shard[] shards = gen.shards;
        long v = 0;
        try {
            for (int i = from; i < from + count; i++) {
                long hash = hashAt(keys, i);
                v += shards[shardIndex(hash)].touchEntry(hash);
            }
            for (int i = from; i < from + count; i++) {
                long hash = hashAt(keys, i);
                Shard s = shards[shardIndex(hash)];
                v += s.touchSlot(s.touchEntry(hash), hash);
            }
        } catch (InternalError e) {
            throw damaged(e);
        }
        return v;
    }

    private static long hashAt(Object keys, int i) {
        return keys instanceof long[] ? Keys.hash(((long[]) keys)[i]) : Keys.hash(((CharSequence[]) keys)[i]);
    }

    private void checkTarget(RowBuffer into) {
        if (into.lengthBytes() < rowBytes) {
            throw new IllegalArgumentException("target row of lengthBytes=" + into.lengthBytes() + " < rowSizeBytes="
                + rowBytes);
        }
    }

    /** Spins, then yields; past the stall limit a read gives up with a typed error instead of hanging. */
    private long backOff(int attempt, long deadline) {
        if (attempt < SPINS_BEFORE_YIELD) {
            Thread.onSpinWait();
            return deadline;
        }
        long now = System.nanoTime();
        if (deadline == 0) {
            deadline = now + readStallNs;
        } else if (now - deadline > 0) {
            checkOpen();
            throw new StoreException(Reason.DAMAGED, gen.file.path(), "a row or the index of this key stayed locked by "
                + "its writer for more than " + readStallNs / 1_000_000 + " ms (" + READ_STALL_PROP_NAME + "): the "
                + "writer was killed mid-apply or is stalled; reopening the store for writing recovers it");
        }
        Thread.yield();
        return deadline;
    }

    private StoreException damaged(InternalError e) {
        return new StoreException(Reason.DAMAGED, gen.file.path(), "a fault in a mapped access: the file was truncated "
            + "or removed under the mapping: " + e, e);
    }

    @Override
    public ShardWriter writer(int shard) {
        checkOpen();
        if (readOnly) {
            throw new IllegalStateException("store of set=" + layout.setName() + " is open read-only: no writers");
        }
        if (shard < 0 || shard >= shardCount) {
            throw new IllegalArgumentException("shard=" + shard + " outside 0.." + (shardCount - 1));
        }
        return writers[shard];
    }

    @Override
    public long size() {
        TableGeneration g = gen;
        long n = 0;
        for (int i = 0; i < shardCount; i++) {
            n += g.previous == null ? g.shards[i].publishedCount() : rowsWhileGrowing(g, i);
        }
        return n;
    }

    /**
     * The rows of shard {@code i}'s key set while its generation grows: one published word per state, read again
     * when the writer moved the shard to the next state meanwhile (each state's word is final once it leaves it).
     */
    private static long rowsWhileGrowing(TableGeneration g, int i) {
        Shard s = g.shards[i];
        while (true) {
            long state = s.growState();
            long n = state == TableFormat.GROW_NOT_STARTED ? g.previous.shards[i].publishedCount()
                : state == TableFormat.GROW_MIGRATING ? s.publishedRowsWhileGrowing() : s.publishedCount();
            if (s.growState() == state) {
                return n;
            }
        }
    }

    /** @return the capacity of the current generation: the configured one, raised by each growth */
    @Override
    public long capacity() {
        return gen.capacity;
    }

    @Override
    public int rolledBackApplies() {
        return rolledBackApplies;
    }

    /** Scans every shard's index; rows are read in place (plain loads: a tool's snapshot, not a served read). */
    @Override
    public long newestApplyMs() {
        checkOpen();
        RowBuffer view = new RowBuffer();
        long newest = 0;
        try {
            for (TableGeneration g = gen; g != null; g = g.previous) {
                for (Shard s : g.shards) {
                    for (long p = 0; p < s.entries; p++) {
                        int e = s.entryAt(p);
                        if (e != 0) {
                            newest = Math.max(newest, layout.lastApplyMs(view.wrap(s.rowMem(),
                                s.slotAddress(s.slotOf(e)) + s.rowOffset, rowBytes)));
                        }
                    }
                }
            }
        } catch (InternalError e) {
            throw damaged(e);
        }
        return newest;
    }

    @Override
    protected void checkMetadataKey(String key) {
        if (STORE_ID_KEY.equals(key) || LAYOUT_KEY.equals(key) || GROWTH_HISTORY_KEY.equals(key)
            || TableSnapshot.SNAPSHOT_KEY.equals(key)) {
            throw new IllegalArgumentException("metadata key=" + key + " is reserved by the table engine");
        }
    }

    /** @return all metadata entries (for the resize tool) */
    Map<String, String> allMetadata() {
        return meta.metadata().all();
    }

    /** @return registered topics by index (for the resize tool) */
    Map<Integer, String> topics() {
        return meta.metadata().topics();
    }

    MetaFile meta() {
        return meta;
    }

    /** @return a shard of the current generation (tools: call {@link #completeGrowth()} first) */
    Shard shard(int s) {
        return gen.shards[s];
    }

    /** @return the current generation's geometry */
    TableFormat format() {
        return gen.file.format();
    }

    /**
     * Flushes, seals (checksums), marks a clean shutdown and releases the files. Idempotent. A growth under way is
     * stopped where it is: a next file still being written is deleted; one the meta file adopted is sealed with the
     * old one, and the next writer resumes the copy.
     */
    @Override
    public void close() {
        Thread[] threads;
        synchronized (this) {
            closing = true;
            notifyAll();
            threads = new Thread[] {createThread, retireThread};
        }
        // Outside the lock: the growth threads take it to publish their result (which they skip once closing).
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t != null && t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (isClosed()) {
                return;
            }
            markClosed();
            TableGeneration g = gen;
            try {
                if (!readOnly) {
                    for (TableShardWriter w : writers) {
                        if (w != null) {
                            w.abortIfInFlight();
                            w.releaseSnapshot();
                        }
                    }
                    g.file.seal();
                    if (g.previous != null) {
                        g.previous.file.seal();
                    }
                    meta.markClean();
                }
            } finally {
                for (TableGeneration x = g; x != null; x = x.previous) {
                    x.file.close();
                }
                meta.close();
                dir.close();
            }
        }
    }
}
