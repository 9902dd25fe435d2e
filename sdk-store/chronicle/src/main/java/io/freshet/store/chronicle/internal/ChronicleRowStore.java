package io.freshet.store.chronicle.internal;

import static io.freshet.core.internal.UnsafeAccess.BYTE_ARRAY_BASE;
import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.internal.MetaBackedStore;
import io.freshet.store.internal.MetaFile;
import io.freshet.store.internal.StoreDirectory;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.hash.locks.InterProcessDeadLockException;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
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
 * <p><b>Writes</b> ({@link ShardWriter}, one thread per shard): {@link ChronicleShardWriter}, under the key's
 * segment write lock, mutating the row in place.
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
 * <p><b>Open and crash recovery</b>: {@link ChronicleOpener} validates the meta file and the data file and creates
 * this facade; after a kill of the last writer in this boot, {@link ChronicleRecovery} copies the data file to
 * {@value #PRE_RECOVERY_FILE}, runs Chronicle's {@code recoverPersistedTo}, and rolls back each shard's in-flight
 * row from its undo slot. If the last writer ran in another boot, {@link StoreConfig#osCrashPolicy()} applies. A
 * read-only open never recovers: it refuses a store whose writer died.
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
public final class ChronicleRowStore extends MetaBackedStore {
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

    private final int rowBytes;
    private final boolean textKeys;
    private final int keyBytes;
    private final int shards;
    private final Path dataFile;
    private final ChronicleMap<Object, byte[]> map;
    private final ChronicleShardWriter[] writers;
    private final AtomicLong rows;
    private final AtomicLong fullRefusals = new AtomicLong();
    private final long recoveryReinserted;
    private final long validateNanos;
    private final long mapOpenNanos;
    private final long copyNanos;
    private final CopyOnWriteArrayList<ReaderContext> readerContexts = new CopyOnWriteArrayList<>();
    private final ThreadLocal<ReaderContext> readers = ThreadLocal.withInitial(this::newReaderContext);

    ChronicleRowStore(StoreConfig config, StoreDirectory dir, MetaFile meta, Path dataFile,
        ChronicleMap<Object, byte[]> map, StoreOpenState openState, long recoveryReinserted, long validateNanos,
        long mapOpenNanos, long copyNanos) {
        super(config, dir, meta, openState);
        this.rowBytes = layout.rowSizeBytes();
        this.textKeys = layout.keyType() == KeyType.TEXT;
        this.keyBytes = textKeys ? config.maxKeyBytes() : 8;
        this.shards = config.shards();
        this.dataFile = dataFile;
        this.map = map;
        this.recoveryReinserted = recoveryReinserted;
        this.validateNanos = validateNanos;
        this.mapOpenNanos = mapOpenNanos;
        this.copyNanos = copyNanos;
        this.rows = new AtomicLong(map.longSize());
        this.writers = new ChronicleShardWriter[config.readOnly() ? 0 : shards];
        for (int s = 0; s < writers.length; s++) {
            writers[s] = new ChronicleShardWriter(this, map, meta, config, rows, fullRefusals, s);
        }
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

    /** @return this thread's reader context (created at its first call) */
    ReaderContext readerContext() {
        return readers.get();
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

    StoreException damaged(Throwable e) {
        return new StoreException(Reason.DAMAGED, dataFile, "the data file faulted on access (truncated or "
            + "replaced while mapped?): " + e, e);
    }

    // ---- RowStore --------------------------------------------------------------------------------------------

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
        if (isClosed()) {
            return;
        }
        markClosed();
        for (ReaderContext rc : readerContexts) {
            while ((int) ACTIVE.getVolatile(rc) != 0) {
                Thread.onSpinWait();
            }
        }
        for (ChronicleShardWriter w : writers) {
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
                meta.metadata().put(ChronicleDataFile.META_FILE_BYTES, Long.toString(size));
                meta.metadata().put(ChronicleDataFile.META_FILE_CRC,
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
}
