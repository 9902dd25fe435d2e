package io.freshet.store.internal.chronicle;

import static io.freshet.core.internal.UnsafeAccess.BYTE_ARRAY_BASE;
import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowLayout;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.internal.MetaFile;
import io.freshet.store.internal.StoreDirectory;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.hash.ChecksumEntry;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.hash.locks.InterProcessDeadLockException;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import net.openhft.chronicle.map.VanillaChronicleMap;

/**
 * A {@link RowStore} on a persisted Chronicle Map: one map file ({@value #DATA_FILE}) holds a fixed-size value of
 * {@code rowSizeBytes} per key; the shared {@link MetaFile} beside it holds the header, the undo slots, the applied
 * offsets, the topic table and the facts {@link ChronicleDataFile} checks before Chronicle maps the data file.
 *
 * <p><b>Keys.</b> A numeric key is stored as Chronicle's {@code Long} (8 bytes, native order); a text key as its
 * UTF-8 bytes ({@code byte[]} keys), at most {@link StoreConfig#maxKeyBytes()} bytes, itself at most
 * {@value StoreConfig#MAX_KEY_BYTES}. Queries pass the key bytes from a per-thread array
 * ({@code queryContext(BytesStore, offset, size)}), so no key object is boxed or allocated.
 *
 * <p><b>Reads</b> ({@code readRow}, any thread): the segment's read lock, a walk of the segment's hash slots to the
 * entry, one copy of the value bytes into the caller's row, unlock ({@link TierLookup}: the route of Chronicle's own
 * {@code getUsing}, at its cost; a query context costs 2-3x that). Never torn (a writer holds the segment's write
 * lock while it mutates a row), no allocation (a per-thread {@link ReaderContext} from a {@code ThreadLocal}). A
 * thread that has an apply open on the store reads through a query context instead, which Chronicle lets past the
 * write lock its own thread holds (but not to the key being applied: Chronicle refuses that with an
 * {@code IllegalStateException}; the writer's {@code row()} is that row). A reader of a segment waits while its
 * writer applies one record to a row of that segment (Chronicle's locks; the table engine's seqlock avoids this).
 *
 * <p><b>Writes</b> ({@link ShardWriter}, one thread per shard): {@code begin} takes the segment's write lock and
 * keeps the query context open until {@code commit}/{@code abort}; the row is mutated in place through a
 * {@link RowBuffer} wrapped on the entry's native address (no whole-value put); {@code commit} updates Chronicle's
 * entry checksum (without it a later recovery deletes the entry), unlocks, publishes the offset, clears the undo
 * slot. Begin refuses a key of another shard.
 *
 * <p><b>Capacity.</b> Chronicle is sized for {@code capacity} entries with room to spare
 * ({@link #BLOAT_FACTOR}); the store counts its rows and answers {@code BEGIN_FULL} at {@code capacity} rows, so the
 * decision is exact and allocation-free and Chronicle's own "segment is full" exception is never the signal (if it
 * still occurs, it is turned into {@code BEGIN_FULL} too). {@link #fullRefusals()} counts refusals.
 *
 * <p><b>TTL.</b> {@link ShardWriter#evictIdle} removes the shard's rows whose last apply is older than the TTL,
 * scanning whole Chronicle segments from a per-shard cursor (the budget is rounded up to one segment). Eviction
 * happens only when the applier calls it (the pipeline does so between batches); until then an idle row is still
 * served, with its last-update time.
 *
 * <p><b>Open and crash recovery.</b> Writer open: lock; validate the meta file and the data file; if the last
 * writer was killed in this boot: copy the data file to {@value #PRE_RECOVERY_FILE}, {@code recoverPersistedTo}
 * (clears segment locks held by the dead process, removes entries whose checksum does not match, e.g. the row being
 * mutated at the kill), roll back each shard's in-flight row from its undo slot (re-inserting it if Chronicle dropped
 * it), delete the copy, then clear the undo slots. Chronicle's recovery is not crash-safe (a kill during its tier
 * scan loses rows), so a writer that finds the copy puts it back over the data file first and recovers again; the
 * copy needs free space of one data file (refused with {@link Reason#IO} when missing). If the last writer ran in
 * another boot, apply {@link StoreConfig#osCrashPolicy()}. A read-only open never recovers: it refuses a store whose
 * writer died.
 * {@code recoverPersistedTo} needs exclusive access to the file: reader processes attached to the store when its
 * writer dies must be restarted after the writer has reopened it (a reader that meets a lock the dead writer held
 * gets {@link Reason#DAMAGED} after Chronicle's lock timeout, 60 s by default, instead of waiting forever).
 *
 * <p><b>Close</b> waits for in-flight reads (each reader thread publishes an "in read" flag; close flips the store
 * closed, then waits for the flags: Chronicle unmaps at close, and a read on an unmapped file would crash the JVM),
 * closes the map, fsyncs, records the whole-file CRC and marks the meta file clean.
 *
 * <p>Internal. Thread-safety as {@link RowStore}. Allocation: none on read and apply after a thread's first call.
 */
public final class ChronicleRowStore implements RowStore {
    /** The Chronicle data file's name in the store directory. */
    public static final String DATA_FILE = "rows.cmap";
    /** The meta file's engine id for Chronicle Map. */
    public static final int ENGINE_ID = 1;
    /** Chronicle may allocate up to this many times its base tiers when keys cluster in a few segments. */
    static final double BLOAT_FACTOR = 4.0;
    /**
     * The copy of the data file a writer keeps while Chronicle's recovery runs on the original: that recovery is not
     * itself crash-safe (it clears each hash-lookup slot of a tier and writes it back after checking the entry, so a
     * kill between the two loses a committed row), so a kill during it must find the file as the dead writer left it.
     */
    public static final String PRE_RECOVERY_FILE = DATA_FILE + ".pre-recovery";
    private static final String TMP_SUFFIX = ".tmp";
    /** Free space kept beyond the pre-recovery copy, so that the copy never fills the disk to the last block. */
    private static final long RECOVERY_SPACE_MARGIN = 64L << 20;
    private static final VarHandle ACTIVE;

    static {
        // First statement: whichever class the JVM reaches first, the privacy switches precede any Chronicle class.
        ChronicleGate.requireReady();
        try {
            ACTIVE = MethodHandles.lookup().findVarHandle(ReaderContext.class, "active", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final StoreConfig config;
    private final RowLayout layout;
    private final int rowBytes;
    private final boolean textKeys;
    private final int keyBytes;
    private final int shards;
    private final StoreDirectory dir;
    private final MetaFile meta;
    private final Path dataFile;
    private final ChronicleMap<Object, byte[]> map;
    private final StoreOpenState openState;
    private final Writer[] writers;
    private final AtomicLong rows;
    private final AtomicLong fullRefusals = new AtomicLong();
    private final long recoveryReinserted;
    private final long validateNanos;
    private final long mapOpenNanos;
    private final long copyNanos;
    private final CopyOnWriteArrayList<ReaderContext> readerContexts = new CopyOnWriteArrayList<>();
    private final ThreadLocal<ReaderContext> readers = ThreadLocal.withInitial(this::newReaderContext);
    private volatile boolean closed;

    private ChronicleRowStore(StoreConfig config, StoreDirectory dir, MetaFile meta, Path dataFile,
        ChronicleMap<Object, byte[]> map, StoreOpenState openState, long recoveryReinserted, long validateNanos,
        long mapOpenNanos, long copyNanos) {
        this.config = config;
        this.layout = config.layout();
        this.rowBytes = layout.rowSizeBytes();
        this.textKeys = layout.keyType() == KeyType.TEXT;
        this.keyBytes = textKeys ? config.maxKeyBytes() : 8;
        this.shards = config.shards();
        this.dir = dir;
        this.meta = meta;
        this.dataFile = dataFile;
        this.map = map;
        this.openState = openState;
        this.recoveryReinserted = recoveryReinserted;
        this.validateNanos = validateNanos;
        this.mapOpenNanos = mapOpenNanos;
        this.copyNanos = copyNanos;
        this.rows = new AtomicLong(map.longSize());
        this.writers = new Writer[config.readOnly() ? 0 : shards];
        for (int s = 0; s < writers.length; s++) {
            writers[s] = new Writer(s);
        }
    }

    // ---- open ------------------------------------------------------------------------------------------------

    /**
     * Opens, creates or recovers a store. Call {@link ChronicleGate#requireReady()} first.
     *
     * @param config options
     * @return the open store
     * @throws StoreException when refused
     */
    public static ChronicleRowStore open(StoreConfig config) {
        if (config.directory() == null) {
            throw new IllegalArgumentException("directory was not set: call directory(path)");
        }
        StoreDirectory dir = StoreDirectory.open(config.directory(), !config.readOnly());
        MetaFile meta = null;
        ChronicleMap<Object, byte[]> map = null;
        boolean opened = false;
        try {
            if (!config.readOnly()) {
                dir.lockForWriting();
            }
            Path data = dir.file(DATA_FILE);
            if (!config.readOnly()) {
                restorePreRecoveryCopy(dir, data);
            }
            StoreOpenState state;
            if (!MetaFile.exists(dir)) {
                if (config.readOnly()) {
                    throw new StoreException(Reason.IO, dir.path(), "no store here (" + MetaFile.FILE_NAME
                        + " is missing): open it for writing once to create it");
                }
                meta = create(dir, config, data);
                state = StoreOpenState.CREATED;
            } else {
                meta = MetaFile.open(dir, config, ENGINE_ID, config.readOnly());
                state = meta.wasClean() ? StoreOpenState.CLEAN : StoreOpenState.RECOVERED;
                if (!config.readOnly() && meta.openGeneration() <= 1
                    && meta.metadata().get(ChronicleDataFile.META_HEADER_CRC) == null) {
                    // Killed while creating the store (before its data file was recorded): nothing was ever
                    // applied, so create it again.
                    meta.close();
                    meta = null;
                    Files.deleteIfExists(dir.file(MetaFile.FILE_NAME));
                    Files.deleteIfExists(data);
                    meta = create(dir, config, data);
                    state = StoreOpenState.CREATED;
                }
            }
            boolean writerAlive = config.readOnly() && lockHeld(dir);
            if (config.readOnly() && state == StoreOpenState.RECOVERED) {
                if (!writerAlive) {
                    throw new StoreException(Reason.DAMAGED, meta.path(), "the last writer stopped without closing "
                        + "the store (killed?) and nobody has recovered it: open it once for writing to recover it, "
                        + "then read");
                }
                // A live writer keeps its store OPEN: nothing to recover, the reader attaches to it as it is.
                state = StoreOpenState.CLEAN;
            }
            if (state == StoreOpenState.RECOVERED && !meta.lastWriterInThisBoot()) {
                if (config.osCrashPolicy() == StoreConfig.OsCrashPolicy.FAIL) {
                    throw new StoreException(Reason.OS_CRASH, meta.path(), "the last writer did not close the "
                        + "store and ran before the last OS boot: its pages may be lost in any order; delete the "
                        + "store directory (or open with OsCrashPolicy.REBUILD) to rebuild it from Kafka");
                }
                meta.close();
                meta = null;
                Files.deleteIfExists(dir.file(MetaFile.FILE_NAME));
                Files.deleteIfExists(data);
                meta = create(dir, config, data);
                state = StoreOpenState.CREATED;
            }
            java.util.Map<String, String> md = meta.metadata();
            boolean checkWholeFile = state == StoreOpenState.CLEAN && !writerAlive;
            long t0 = System.nanoTime();
            ChronicleDataFile.validate(data, md.get(ChronicleDataFile.META_HEADER_CRC),
                md.get(ChronicleDataFile.META_HEADER_BYTES), md.get(ChronicleDataFile.META_FILE_BYTES),
                checkWholeFile ? md.get(ChronicleDataFile.META_FILE_CRC) : null,
                state == StoreOpenState.RECOVERED && !config.readOnly());
            long t1 = System.nanoTime();
            long reinserted = 0;
            long copyNanos = 0;
            try {
                if (state == StoreOpenState.RECOVERED) {
                    long c0 = System.nanoTime();
                    Path copy = keepPreRecoveryCopy(dir, data);
                    copyNanos = System.nanoTime() - c0;
                    ChronicleDataFile.markHeaderReady(data);
                    map = builder(config).recoverPersistedTo(data.toFile(), true);
                    reinserted = rollBack(config, meta, map);
                    // The rows are as the last completed apply left them: only now may a kill keep this recovery.
                    Files.delete(copy);
                    clearUndo(config, meta);
                } else {
                    map = builder(config).createPersistedTo(data.toFile());
                }
            } catch (StoreException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new StoreException(Reason.CORRUPT, data, "Chronicle Map refused the data file although its "
                    + "header and length checked out: " + e + "; delete the store directory to rebuild it from Kafka",
                    e);
            }
            if (!config.readOnly()) {
                meta.markOpen();
            }
            ChronicleRowStore store = new ChronicleRowStore(config, dir, meta, data, map, state, reinserted, t1 - t0,
                System.nanoTime() - t1, copyNanos);
            opened = true;
            return store;
        } catch (IOException e) {
            throw new StoreException(Reason.IO, dir.path(), "cannot open the Chronicle store: " + e, e);
        } catch (InternalError e) {
            throw new StoreException(Reason.DAMAGED, dir.path(), "a store file faulted while opening (truncated "
                + "under the mapping?): " + e, e);
        } finally {
            if (!opened) {
                // Refused: release everything, above all the writer lock, so that a corrected retry can open.
                if (map != null) {
                    map.close();
                }
                if (meta != null) {
                    meta.close();
                }
                dir.close();
            }
        }
    }

    private static ChronicleMapBuilder<Object, byte[]> builder(StoreConfig config) {
        RowLayout layout = config.layout();
        @SuppressWarnings({"unchecked", "rawtypes"})
        ChronicleMapBuilder<Object, byte[]> b = (ChronicleMapBuilder) (layout.keyType() == KeyType.TEXT
            ? ChronicleMapBuilder.of(byte[].class, byte[].class).averageKeySize(config.maxKeyBytes())
            : ChronicleMapBuilder.of(Long.class, byte[].class));
        return b.name("freshet-" + layout.setName())
            .entries(Math.max(config.capacity(), 16))
            .maxBloatFactor(BLOAT_FACTOR)
            .constantValueSizeBySample(new byte[layout.rowSizeBytes()])
            .checksumEntries(true);
    }

    /** Creates the data file under a temporary name, renames it into place, then creates the meta file. */
    private static MetaFile create(StoreDirectory dir, StoreConfig config, Path data) throws IOException {
        Path tmp = dir.createFile(DATA_FILE + TMP_SUFFIX);
        Files.delete(tmp);
        ChronicleMap<Object, byte[]> m = builder(config).createPersistedTo(tmp.toFile());
        m.close();
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        int header = ChronicleDataFile.headerBytes(data);
        long headerCrc = ChronicleDataFile.crc(data, header);
        MetaFile meta = MetaFile.create(dir, config, ENGINE_ID);
        // OPEN while the data file's facts are recorded: a kill here leaves a store that open() recognises as
        // half-made (no header CRC) and creates again.
        meta.markOpen();
        meta.putMetadata(ChronicleDataFile.META_HEADER_BYTES, Integer.toString(header));
        meta.putMetadata(ChronicleDataFile.META_HEADER_CRC, Long.toHexString(headerCrc));
        meta.putMetadata(ChronicleDataFile.META_FILE_BYTES, Long.toString(Files.size(data)));
        meta.markClean();
        return meta;
    }

    /** Whether a writer (another process, or another open store in this JVM) holds the store's lock now. */
    private static boolean lockHeld(StoreDirectory dir) {
        Path lock = dir.file(StoreDirectory.LOCK_FILE);
        if (!Files.exists(lock, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            FileLock l = ch.tryLock(0, Long.MAX_VALUE, true);
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            throw new StoreException(Reason.IO, lock, "cannot probe the writer lock: " + e, e);
        }
    }

    /**
     * Rolls back the row of the apply each shard had in flight when its writer was killed (DESIGN.md "Crash
     * safety"); runs after Chronicle's own recovery and leaves the undo slots active ({@link #clearUndo} ends them
     * once the pre-recovery copy is gone). Idempotent: a crash during it re-runs it on the restored copy.
     *
     * @return the number of rows re-inserted because Chronicle's recovery had dropped them
     */
    private static long rollBack(StoreConfig config, MetaFile meta, ChronicleMap<Object, byte[]> map) {
        int rowBytes = config.layout().rowSizeBytes();
        boolean text = config.layout().keyType() == KeyType.TEXT;
        byte[] key = new byte[text ? config.maxKeyBytes() : 8];
        BytesStore<?, byte[]> keyStore = BytesStore.wrap(key);
        byte[] image = new byte[rowBytes];
        BytesStore<?, byte[]> imageStore = BytesStore.wrap(image);
        RowBuffer undoView = new RowBuffer();
        RowBuffer row = new RowBuffer();
        long reinserted = 0;
        for (int shard = 0; shard < config.shards(); shard++) {
            if (!meta.undoActive(shard)) {
                continue;
            }
            int topic = meta.undoTopic(shard);
            boolean completed = topic != ShardWriter.NO_SOURCE
                && meta.appliedOffset(shard, topic, meta.undoPartition(shard)) == meta.undoOffset(shard);
            if (!completed) {
                int keyLength;
                if (text) {
                    keyLength = meta.undoKeyBytes(shard, key);
                } else {
                    UNSAFE.putLong(key, BYTE_ARRAY_BASE, meta.undoLongKey(shard));
                    keyLength = 8;
                }
                meta.undoRowImage(shard, undoView);
                try (ExternalMapQueryContext<Object, byte[], ?> c = map.queryContext(keyStore, 0, keyLength)) {
                    c.writeLock().lock();
                    MapEntry<Object, byte[]> e = c.entry();
                    if (meta.undoExisted(shard)) {
                        if (e == null) {
                            UNSAFE.copyMemory(null, undoView.address(), image, BYTE_ARRAY_BASE, rowBytes);
                            c.absentEntry().doInsert(c.wrapValueBytesAsData(imageStore, 0, rowBytes));
                            reinserted++;
                        } else {
                            row.wrap(valueAddress(e), rowBytes).copyFrom(undoView, rowBytes);
                            ((ChecksumEntry) e).updateChecksum();
                        }
                    } else if (e != null) {
                        e.doRemove();
                    }
                }
            }
        }
        return reinserted;
    }

    private static void clearUndo(StoreConfig config, MetaFile meta) {
        for (int shard = 0; shard < config.shards(); shard++) {
            meta.clearUndo(shard);
        }
        meta.force();
    }

    /**
     * A writer that finds a pre-recovery copy was killed while recovering: the copy is the data file as the dead
     * writer left it, so it replaces the half-recovered one (one atomic rename) and recovery starts over.
     */
    private static void restorePreRecoveryCopy(StoreDirectory dir, Path data) throws IOException {
        Files.deleteIfExists(dir.file(PRE_RECOVERY_FILE + TMP_SUFFIX));
        Path copy = dir.file(PRE_RECOVERY_FILE);
        if (Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(copy, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Copies the data file under a temporary name, then renames it, so that a copy that exists is complete. */
    private static Path keepPreRecoveryCopy(StoreDirectory dir, Path data) throws IOException {
        long size = Files.size(data);
        long usable = Files.getFileStore(dir.path()).getUsableSpace();
        if (usable < size + RECOVERY_SPACE_MARGIN) {
            throw new StoreException(Reason.IO, data, "recovering this store after its writer was killed needs "
                + ((size + RECOVERY_SPACE_MARGIN) >> 20) + " MiB free for a copy of the data file (Chronicle's "
                + "recovery is not crash-safe without it), and " + (usable >> 20) + " MiB are free: free space and "
                + "open again, or delete the store directory to rebuild it from Kafka");
        }
        Path tmp = dir.createFile(PRE_RECOVERY_FILE + TMP_SUFFIX);
        try (FileChannel in = FileChannel.open(data, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            long done = 0;
            while (done < size) {
                done += in.transferTo(done, size - done, out);
            }
        }
        Path copy = dir.file(PRE_RECOVERY_FILE);
        Files.move(tmp, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    static long valueAddress(MapEntry<Object, byte[]> e) {
        Data<byte[]> v = e.value();
        return v.bytes().addressForRead(v.offset());
    }

    // ---- reads -----------------------------------------------------------------------------------------------

    /**
     * Per reader thread: key bytes, the direct look-up, a row view, the number of applies this thread has open on
     * the store (then reads take the query-context route, see {@link TierLookup}), and the "in read" flag
     * {@link #close()} waits on.
     */
    static final class ReaderContext {
        final byte[] key;
        final BytesStore<?, byte[]> keyStore;
        final TierLookup lookup;
        final RowBuffer view = new RowBuffer();
        final Thread thread = Thread.currentThread();
        int applying;
        volatile int active;

        ReaderContext(int keyBytes, TierLookup lookup) {
            this.key = new byte[keyBytes];
            this.keyStore = BytesStore.wrap(key);
            this.lookup = lookup;
        }
    }

    private ReaderContext newReaderContext() {
        ReaderContext rc = new ReaderContext(keyBytes, map instanceof VanillaChronicleMap<?, ?, ?> v
            ? new TierLookup(v, rowBytes) : null);
        readerContexts.add(rc);
        return rc;
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException(Reason.CLOSED, dir.path(), "store of set=" + layout.setName() + " is closed");
        }
    }

    @Override
    public boolean readRow(long key, RowBuffer into) {
        if (textKeys) {
            throw new IllegalArgumentException("store of set=" + layout.setName() + " has text keys");
        }
        ReaderContext rc = readers.get();
        UNSAFE.putLong(rc.key, BYTE_ARRAY_BASE, key);
        return read(rc, TierLookup.hash(key), 8, into);
    }

    @Override
    public boolean readRow(CharSequence key, RowBuffer into) {
        if (!textKeys) {
            throw new IllegalArgumentException("store of set=" + layout.setName() + " has numeric keys");
        }
        ReaderContext rc = readers.get();
        int len = Keys.encodeUtf8(key, rc.key);
        return len >= 0 && read(rc, TierLookup.hash(rc.key, len), len, into);
    }

    private boolean read(ReaderContext rc, long hash, int keyLength, RowBuffer into) {
        rc.active = 1; // volatile store, then the volatile load of closed: close() sees this flag or we see closed
        try {
            checkOpen();
            if (rc.applying == 0 && rc.lookup != null) {
                try {
                    return rc.lookup.read(hash, rc.key, keyLength, into);
                } catch (IllegalStateException e) {
                    throw new StoreException(Reason.DAMAGED, dataFile, "the data file's structures are "
                        + "inconsistent: " + e + "; delete the store directory to rebuild it from Kafka", e);
                }
            }
            // This thread holds a segment's write lock (an apply is open): Chronicle's context chain knows it and
            // lets the read through where a bare read lock would wait for ever.
            try (ExternalMapQueryContext<Object, byte[], ?> c = map.queryContext(rc.keyStore, 0, keyLength)) {
                c.readLock().lock();
                MapEntry<Object, byte[]> e = c.entry();
                if (e == null) {
                    return false;
                }
                into.copyFrom(rc.view.wrap(valueAddress(e), rowBytes), rowBytes);
                return true;
            }
        } catch (InternalError e) {
            throw damaged(e);
        } catch (InterProcessDeadLockException e) {
            throw new StoreException(Reason.DAMAGED, dataFile, "a segment lock stayed held past Chronicle's lock "
                + "timeout: its writer died mid-apply; read again after the writer process reopens (and so recovers) "
                + "the store", e);
        } finally {
            ACTIVE.setRelease(rc, 0);
        }
    }

    private StoreException damaged(Throwable e) {
        return new StoreException(Reason.DAMAGED, dataFile, "the data file faulted on access (truncated or "
            + "replaced while mapped?): " + e, e);
    }

    // ---- RowStore --------------------------------------------------------------------------------------------

    @Override
    public RowLayout layout() {
        return layout;
    }

    @Override
    public StoreOpenState openState() {
        return openState;
    }

    @Override
    public int shardCount() {
        return shards;
    }

    @Override
    public int shardOf(long key) {
        return Keys.shardOf(Keys.hash(key), shards);
    }

    @Override
    public int shardOf(CharSequence key) {
        return Keys.shardOf(Keys.hash(key), shards);
    }

    @Override
    public ShardWriter writer(int shard) {
        checkOpen();
        if (config.readOnly()) {
            throw new IllegalStateException("store of set=" + layout.setName() + " is open read-only: no writers");
        }
        return writers[shard];
    }

    @Override
    public long size() {
        checkOpen();
        return config.readOnly() ? map.longSize() : rows.get();
    }

    @Override
    public long capacity() {
        return config.capacity();
    }

    @Override
    public int topicIndex(String topic) {
        checkOpen();
        return meta.topicIndex(topic);
    }

    @Override
    public long appliedOffset(int shard, int topicIndex, int partition) {
        checkOpen();
        return meta.appliedOffset(shard, topicIndex, partition);
    }

    @Override
    public String metadata(String key) {
        checkOpen();
        return meta.metadata().get(key);
    }

    @Override
    public void putMetadata(String key, String value) {
        checkOpen();
        meta.putMetadata(key, value);
    }

    /** @return how many new keys were refused because the store was full */
    public long fullRefusals() {
        return fullRefusals.get();
    }

    /** @return rows that Chronicle's recovery had dropped and the undo slots re-inserted at this open */
    public long recoveryReinserted() {
        return recoveryReinserted;
    }

    /** @return time this open spent checking the data file against the meta file (length, header, whole-file CRC) */
    public long validateNanos() {
        return validateNanos;
    }

    /**
     * @return time this open spent in Chronicle's map open, or in the recovery after a kill (the pre-recovery copy,
     *     Chronicle's recovery and the undo roll-back)
     */
    public long mapOpenNanos() {
        return mapOpenNanos;
    }

    /** @return time this open spent copying the data file before recovering it (0 when it did not recover) */
    public long preRecoveryCopyNanos() {
        return copyNanos;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ReaderContext rc : readerContexts) {
            while ((int) ACTIVE.getVolatile(rc) != 0) {
                Thread.onSpinWait();
            }
        }
        for (Writer w : writers) {
            while (w.active) {
                Thread.onSpinWait();
            }
        }
        try {
            map.close();
            if (!config.readOnly()) {
                try (FileChannel ch = FileChannel.open(dataFile, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                long size = Files.size(dataFile);
                meta.putMetadata(ChronicleDataFile.META_FILE_BYTES, Long.toString(size));
                meta.putMetadata(ChronicleDataFile.META_FILE_CRC,
                    Long.toHexString(ChronicleDataFile.crc(dataFile, size)));
                meta.markClean();
            }
        } catch (IOException e) {
            throw new StoreException(Reason.IO, dataFile, "cannot flush the data file at close: " + e, e);
        } finally {
            meta.close();
            dir.close();
        }
    }

    // ---- writers ---------------------------------------------------------------------------------------------

    private boolean reserveRow() {
        long n;
        do {
            n = rows.get();
            if (n >= config.capacity()) {
                return false;
            }
        } while (!rows.compareAndSet(n, n + 1));
        return true;
    }

    /** The single writer of one shard; see the class comment for the protocol. */
    final class Writer implements ShardWriter, Predicate<MapEntry<Object, byte[]>> {
        private final int shard;
        private final byte[] key = new byte[keyBytes];
        private final BytesStore<?, byte[]> keyStore = BytesStore.wrap(key);
        private final KeyData keyData = new KeyData(key, keyStore, !textKeys);
        private final byte[] blank = new byte[rowBytes];
        private final BytesStore<?, byte[]> blankStore = BytesStore.wrap(blank);
        private final RowBuffer row = new RowBuffer();
        private final RowBuffer view = new RowBuffer();
        private ExternalMapQueryContext<Object, byte[], ?> ctx;
        private MapEntry<Object, byte[]> entry;
        /** The reader context of the thread that has the apply open (its reads must not take a bare read lock). */
        private ReaderContext applier;
        private boolean isNew;
        private int topicIndex;
        private int partition;
        private long offset;
        private volatile boolean active;
        private int evictCursor;
        private long evictCutoffMs;
        private int evictScanned;
        private int evictedNow;

        Writer(int shard) {
            this.shard = shard;
        }

        @Override
        public int shard() {
            return shard;
        }

        @Override
        public int begin(long key, int topicIndex, int partition, long offset) {
            if (textKeys) {
                throw new IllegalArgumentException("store of set=" + layout.setName() + " has text keys");
            }
            if (Keys.shardOf(Keys.hash(key), shards) != shard) {
                throw new IllegalArgumentException("key=" + key + " belongs to shard="
                    + Keys.shardOf(Keys.hash(key), shards) + ", not to this writer's shard=" + shard);
            }
            return beginKey(keyData.numericKey(key), key, topicIndex, partition, offset);
        }

        @Override
        public int begin(CharSequence key, int topicIndex, int partition, long offset) {
            if (!textKeys) {
                throw new IllegalArgumentException("store of set=" + layout.setName() + " has numeric keys");
            }
            int len = Keys.encodeUtf8(key, this.key);
            if (len < 0) {
                throw new IllegalArgumentException("key of length=" + key.length() + " exceeds maxKeyBytes="
                    + keyBytes + " in UTF-8");
            }
            if (Keys.shardOf(Keys.hash(key), shards) != shard) {
                throw new IllegalArgumentException("key belongs to shard=" + Keys.shardOf(Keys.hash(key), shards)
                    + ", not to this writer's shard=" + shard);
            }
            return beginKey(keyData.textKey(len), 0, topicIndex, partition, offset);
        }

        private int beginKey(KeyData k, long longKey, int topicIndex, int partition, long offset) {
            if (ctx != null) {
                throw new IllegalStateException("begin while an apply is open on shard=" + shard
                    + ": call commit() or abort() first");
            }
            long prev = ShardWriter.NO_OFFSET;
            if (topicIndex != NO_SOURCE) {
                prev = meta.appliedOffset(shard, topicIndex, partition);
                if (offset <= prev) {
                    return BEGIN_DUPLICATE;
                }
            }
            active = true;
            if (closed) {
                active = false;
                checkOpen();
            }
            try {
                ExternalMapQueryContext<Object, byte[], ?> c = map.queryContext(k);
                int keyLength = (int) k.size();
                c.writeLock().lock();
                MapEntry<Object, byte[]> e = c.entry();
                byte[] keyBytesOrNull = textKeys ? key : null;
                if (e == null) {
                    if (!reserveRow()) {
                        return refuseFull(c);
                    }
                    meta.recordUndo(shard, topicIndex, partition, offset, prev, longKey, keyBytesOrNull, keyLength,
                        null);
                    try {
                        c.absentEntry().doInsert(c.wrapValueBytesAsData(blankStore, 0, rowBytes));
                    } catch (IllegalStateException chronicleFull) {
                        meta.clearUndo(shard);
                        rows.decrementAndGet();
                        return refuseFull(c);
                    }
                    e = c.entry();
                    layout.initRow(row.wrap(valueAddress(e), rowBytes));
                    isNew = true;
                } else {
                    row.wrap(valueAddress(e), rowBytes);
                    meta.recordUndo(shard, topicIndex, partition, offset, prev, longKey, keyBytesOrNull, keyLength,
                        row);
                    isNew = false;
                }
                this.ctx = c;
                this.entry = e;
                ReaderContext rc = applier;
                if (rc == null || rc.thread != Thread.currentThread()) {
                    rc = readers.get();
                    applier = rc;
                }
                rc.applying++;
                this.topicIndex = topicIndex;
                this.partition = partition;
                this.offset = offset;
                return BEGIN_OK;
            } catch (InternalError e) {
                active = false;
                throw damaged(e);
            }
        }

        private int refuseFull(ExternalMapQueryContext<Object, byte[], ?> c) {
            c.close();
            fullRefusals.incrementAndGet();
            active = false;
            return BEGIN_FULL;
        }

        @Override
        public RowBuffer row() {
            return row;
        }

        private void checkApplying() {
            if (ctx == null) {
                throw new IllegalStateException("no apply is open on shard=" + shard + ": call begin() first");
            }
        }

        @Override
        public void commit() {
            checkApplying();
            try {
                ((ChecksumEntry) entry).updateChecksum();
                ctx.close();
            } catch (InternalError e) {
                throw damaged(e);
            } finally {
                ctx = null;
                entry = null;
                applier.applying--;
            }
            if (topicIndex != NO_SOURCE) {
                meta.putAppliedOffset(shard, topicIndex, partition, offset);
            }
            meta.clearUndo(shard);
            active = false;
        }

        @Override
        public void abort() {
            checkApplying();
            try {
                if (isNew) {
                    entry.doRemove();
                    rows.decrementAndGet();
                } else {
                    row.copyFrom(meta.undoRowImage(shard, view), rowBytes);
                    ((ChecksumEntry) entry).updateChecksum();
                }
                ctx.close();
            } catch (InternalError e) {
                throw damaged(e);
            } finally {
                ctx = null;
                entry = null;
                applier.applying--;
            }
            meta.clearUndo(shard);
            active = false;
        }

        @Override
        public long appliedOffset(int topicIndex, int partition) {
            return meta.appliedOffset(shard, topicIndex, partition);
        }

        @Override
        public void advanceOffset(int topicIndex, int partition, long offset) {
            checkOpen();
            if (offset > meta.appliedOffset(shard, topicIndex, partition)) {
                meta.putAppliedOffset(shard, topicIndex, partition, offset);
            }
        }

        @Override
        public int evictIdle(long nowMs, long ttlMs, int maxSlots) {
            checkOpen();
            if (ctx != null) {
                throw new IllegalStateException("evictIdle while an apply is open on shard=" + shard);
            }
            evictCutoffMs = nowMs - ttlMs;
            evictScanned = 0;
            evictedNow = 0;
            int segments = map.segments();
            active = true;
            try {
                for (int visited = 0; visited < segments && evictScanned < Math.max(1, maxSlots); visited++) {
                    try (MapSegmentContext<Object, byte[], ?> sc = map.segmentContext(evictCursor)) {
                        sc.forEachSegmentEntryWhile(this);
                    }
                    evictCursor = evictCursor + 1 == segments ? 0 : evictCursor + 1;
                }
            } catch (InternalError e) {
                throw damaged(e);
            } finally {
                active = false;
            }
            rows.addAndGet(-evictedNow);
            return evictedNow;
        }

        /** Eviction visitor: removes an idle row of this shard. */
        @Override
        public boolean test(MapEntry<Object, byte[]> e) {
            evictScanned++;
            if (layout.lastApplyMs(view.wrap(valueAddress(e), rowBytes)) < evictCutoffMs
                && shardOfStoredKey(e.key()) == shard) {
                e.doRemove();
                evictedNow++;
            }
            return true;
        }

        private int shardOfStoredKey(Data<Object> k) {
            RandomDataInput b = k.bytes();
            long off = k.offset();
            if (!textKeys) {
                return Keys.shardOf(Keys.hash(b.readLong(off)), shards);
            }
            return Keys.shardOf(KeyHash.utf8(b, off, (int) k.size()), shards);
        }
    }
}
