package io.freshet.store.internal.table;


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
import io.freshet.store.internal.MetaFileDescriptor;
import io.freshet.store.internal.StoreDirectory;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.Map;

/**
 * The table engine's {@link RowStore}: one {@link Shard} sub-table per shard in a memory-mapped data file
 * ({@link TableFormat}), the meta file beside it, and the open-time rules: header validation before mapping, seal
 * verification of a cleanly closed store, the OS-crash policy, and recovery of a killed writer (finish an interrupted
 * index shift, rebuild and check the free-slot set, then roll back each shard's in-flight apply from its undo slot,
 * then make every version word a killed writer left odd even again).
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
    /** System property: how long a read may wait for a slot that stays odd, in ms. */
    public static final String READ_STALL_PROP_NAME = "freshet.table.readStallMs";
    /** Default of {@link #READ_STALL_PROP_NAME}. */
    public static final long DEFAULT_READ_STALL_MS = 2000;
    private static final int SPINS_BEFORE_YIELD = 128;

    private final TableFile file;
    private final Shard[] shards;
    private final TableShardWriter[] writers;
    private final boolean readOnly;
    private final int shardCount;
    /** {@code shardCount - 1} when it is a power of two (then a mask is the modulo), else -1. */
    private final long shardMask;
    private final int rowBytes;
    private final int maxKeyBytes;
    private final long readStallNs;

    private TableStore(StoreConfig config, StoreDirectory dir, MetaFile meta, TableFile file, StoreOpenState state) {
        super(config, dir, meta, state);
        this.file = file;
        this.readOnly = config.readOnly();
        this.shardCount = config.shards();
        this.shardMask = Integer.bitCount(shardCount) == 1 ? shardCount - 1 : -1;
        this.rowBytes = layout.rowSizeBytes();
        this.maxKeyBytes = file.format().maxKeyBytes;
        this.readStallNs = Long.getLong(READ_STALL_PROP_NAME, DEFAULT_READ_STALL_MS) * 1_000_000L;
        this.shards = new Shard[shardCount];
        for (int s = 0; s < shardCount; s++) {
            shards[s] = new Shard(file, s);
        }
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
        StoreDirectory dir = StoreDirectory.open(config.directory(), !config.readOnly());
        try {
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
        try {
            file = TableFile.open(dir, config, false);
            checkBinding(meta, file);
            StoreOpenState state;
            if (meta.wasClean() || file.sealed()) {
                // A data file that says SEALED is verified as sealed, whatever the meta file says: a kill between
                // the seal and the meta file's CLEAN (or between OPEN and the unseal) leaves exactly that, and
                // rows read from a file whose seal fails must never be served.
                file.verifySeal(false);
            }
            if (meta.wasClean()) {
                state = StoreOpenState.CLEAN;
            } else if (!meta.lastWriterInThisBoot()) {
                if (config.osCrashPolicy() == StoreConfig.OsCrashPolicy.FAIL) {
                    throw new StoreException(Reason.OS_CRASH, dir.path(), "the last writer did not close the store "
                        + "and ran before the last OS boot: rows and offsets may be any mix of old and new pages. "
                        + "Delete the store directory to rebuild it from Kafka, or open with OsCrashPolicy.REBUILD");
                }
                file.close();
                meta.close();
                Files.deleteIfExists(dir.file(MetaFileDescriptor.FILE_NAME));
                Files.deleteIfExists(dir.file(TableFormat.FILE_NAME));
                return createNew(config, dir);
            } else {
                meta.checkAfterKill();
                state = StoreOpenState.RECOVERED;
            }
            meta.markOpen();
            file.unseal();
            TableStore store = new TableStore(config, dir, meta, file, state);
            store.prepareWriter(state == StoreOpenState.RECOVERED, state != StoreOpenState.CLEAN);
            return store;
        } catch (IOException e) {
            closeQuietly(meta, file);
            throw new StoreException(Reason.IO, dir.path(), "cannot replace the meta file: " + e, e);
        } catch (RuntimeException | Error e) {
            closeQuietly(meta, file);
            throw e;
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
            TableStore store = new TableStore(config, dir, meta, file, StoreOpenState.CREATED);
            store.prepareWriter(false, false);
            return store;
        } catch (RuntimeException | Error e) {
            closeQuietly(meta, file);
            throw e;
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
        TableFile file = null;
        try {
            file = TableFile.open(dir, config, true);
            checkBinding(meta, file);
            boolean writerAlive = dir.writerAlive();
            if (meta.wasClean()) {
                file.verifySeal(true);
            } else if (!writerAlive) {
                throw new StoreException(Reason.DAMAGED, dir.path(), "the last writer was killed and no writer has "
                    + "recovered the store yet: open it for writing once (recovery runs at open), then read");
            }
            return new TableStore(config, dir, meta, file,
                writerAlive ? StoreOpenState.LIVE_WRITER : StoreOpenState.CLEAN);
        } catch (RuntimeException | Error e) {
            closeQuietly(meta, file);
            throw e;
        }
    }

    private void prepareWriter(boolean recover, boolean checkKeys) {
        for (Shard s : shards) {
            if (recover) {
                s.finishInterruptedShift();
            }
            s.rebuild(checkKeys);
        }
        if (recover) {
            TableRecovery recovery = new TableRecovery(shards, meta, layout.keyType() == KeyType.TEXT, rowBytes);
            for (Shard s : shards) {
                recovery.rollBackInFlightApply(s);
            }
        }
        // After the rollbacks, which restore rows under their own odd/even step: a word a killed writer left odd
        // (an insert that never got published) also guards three other rows.
        for (Shard s : shards) {
            s.evenOutVersions();
        }
        for (int s = 0; s < shardCount; s++) {
            writers[s] = new TableShardWriter(this, shards[s], meta, layout, maxKeyBytes);
        }
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
        final long hash = Keys.hash(key);
        final Shard s = shards[shardIndex(hash)];
        long deadline = 0;
        try {
            for (int attempt = 0;; attempt++) {
                long sv = s.structVersion();
                int r = s.readLong(key, hash, into);
                if (r == Shard.FOUND) {
                    return true;
                }
                if (r == Shard.ABSENT) {
                    VarHandle.acquireFence();
                    if ((sv & 1) == 0 && s.structVersion() == sv) {
                        return false;
                    }
                }
                deadline = backOff(attempt, deadline);
            }
        } catch (InternalError e) {
            throw damaged(e);
        }
    }

    @Override
    public boolean readRow(CharSequence key, RowBuffer into) {
        checkOpen();
        checkTarget(into);
        int len = Utf8.length(key, maxKeyBytes);
        if (len < 0) {
            return false;
        }
        final long hash = Keys.hash(key);
        final Shard s = shards[shardIndex(hash)];
        long deadline = 0;
        try {
            for (int attempt = 0;; attempt++) {
                long sv = s.structVersion();
                int r = s.readText(key, len, hash, into);
                if (r == Shard.FOUND) {
                    return true;
                }
                if (r == Shard.ABSENT) {
                    VarHandle.acquireFence();
                    if ((sv & 1) == 0 && s.structVersion() == sv) {
                        return false;
                    }
                }
                deadline = backOff(attempt, deadline);
            }
        } catch (InternalError e) {
            throw damaged(e);
        }
    }

    @Override
    public long prefetchRows(long[] keys, int from, int count) {
        checkOpen();
        long v = 0;
        try {
            // Two passes: the index entries of every key are independent loads, so their misses overlap; the second
            // pass finds them in cache and issues the row loads of every key, which overlap in turn.
            for (int i = from; i < from + count; i++) {
                long hash = Keys.hash(keys[i]);
                v += shards[shardIndex(hash)].touchEntry(hash);
            }
            for (int i = from; i < from + count; i++) {
                long hash = Keys.hash(keys[i]);
                Shard s = shards[shardIndex(hash)];
                v += s.touchSlot(s.touchEntry(hash), hash);
            }
        } catch (InternalError e) {
            throw damaged(e);
        }
        return v;
    }

    @Override
    public long prefetchRows(CharSequence[] keys, int from, int count) {
        checkOpen();
        long v = 0;
        try {
            for (int i = from; i < from + count; i++) {
                long hash = Keys.hash(keys[i]);
                v += shards[shardIndex(hash)].touchEntry(hash);
            }
            for (int i = from; i < from + count; i++) {
                long hash = Keys.hash(keys[i]);
                Shard s = shards[shardIndex(hash)];
                v += s.touchSlot(s.touchEntry(hash), hash);
            }
        } catch (InternalError e) {
            throw damaged(e);
        }
        return v;
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
            throw new StoreException(Reason.DAMAGED, file.path(), "a row or the index of this key stayed locked by "
                + "its writer for more than " + readStallNs / 1_000_000 + " ms (" + READ_STALL_PROP_NAME + "): the "
                + "writer was killed mid-apply or is stalled; reopening the store for writing recovers it");
        }
        Thread.yield();
        return deadline;
    }

    private StoreException damaged(InternalError e) {
        return new StoreException(Reason.DAMAGED, file.path(), "a fault in a mapped access: the file was truncated "
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
        long n = 0;
        for (Shard s : shards) {
            n += s.publishedCount();
        }
        return n;
    }

    /** Scans every shard's index; rows are read in place (plain loads: a tool's snapshot, not a served read). */
    @Override
    public long newestApplyMs() {
        checkOpen();
        RowBuffer view = new RowBuffer();
        long newest = 0;
        try {
            for (Shard s : shards) {
                for (long p = 0; p < s.entries; p++) {
                    int e = s.entryAt(p);
                    if (e != 0) {
                        newest = Math.max(newest, layout.lastApplyMs(view.wrap(s.rowMem(),
                            s.slotAddress(s.slotOf(e)) + s.rowOffset, rowBytes)));
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
        if (STORE_ID_KEY.equals(key)) {
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

    Shard shard(int s) {
        return shards[s];
    }

    TableFormat format() {
        return file.format();
    }

    /** Flushes, seals (checksums), marks a clean shutdown and releases the files. Idempotent. */
    @Override
    public synchronized void close() {
        if (isClosed()) {
            return;
        }
        markClosed();
        try {
            if (!readOnly) {
                for (TableShardWriter w : writers) {
                    if (w != null) {
                        w.abortIfInFlight();
                    }
                }
                file.seal();
                meta.markClean();
            }
        } finally {
            file.close();
            meta.close();
            dir.close();
        }
    }
}
