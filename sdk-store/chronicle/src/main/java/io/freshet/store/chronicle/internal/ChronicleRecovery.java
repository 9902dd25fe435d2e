package io.freshet.store.chronicle.internal;

import static io.freshet.core.internal.UnsafeAccess.BYTE_ARRAY_BASE;
import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

import io.freshet.core.KeyType;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.store.internal.MetaFile;
import io.freshet.store.internal.StoreDirectory;
import io.freshet.store.internal.UndoRecovery;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.hash.ChecksumEntry;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;

/**
 * Recovery of a Chronicle store whose writer was killed in this boot, around Chronicle's own
 * {@code recoverPersistedTo} (which clears segment locks the dead process held and removes entries whose checksum
 * does not match, e.g. the row being mutated at the kill). Chronicle's recovery is not itself crash-safe (it clears
 * each hash-lookup slot of a tier and writes it back after checking the entry, so a kill in between loses a
 * committed row), so the data file is first copied to {@value ChronicleRowStore#PRE_RECOVERY_FILE}; a writer that
 * finds the copy puts it back over the data file and recovers again. Then each shard's in-flight apply is rolled
 * back ({@link UndoRecovery} decides; this class re-inserts a row Chronicle dropped, restores or deletes it), the
 * copy is deleted, and only then are the undo slots cleared. The copy needs free space of one data file (refused
 * with {@link Reason#IO} when missing).
 *
 * <p>Internal. Used by the opening thread only.
 */
final class ChronicleRecovery implements UndoRecovery.Rows {
    /** Free space kept beyond the pre-recovery copy, so that the copy never fills the disk to the last block. */
    private static final long RECOVERY_SPACE_MARGIN = 64L << 20;

    private final ChronicleMap<Object, byte[]> map;
    private final int rowBytes;
    private final byte[] key;
    private final BytesStore<?, byte[]> keyStore;
    private final byte[] image;
    private final BytesStore<?, byte[]> imageStore;
    private final RowBuffer row = new RowBuffer();
    private long reinserted;

    private ChronicleRecovery(StoreConfig config, ChronicleMap<Object, byte[]> map) {
        this.map = map;
        this.rowBytes = config.layout().rowSizeBytes();
        this.key = new byte[config.layout().keyType() == KeyType.TEXT ? config.maxKeyBytes() : 8];
        this.keyStore = BytesStore.wrap(key);
        this.image = new byte[rowBytes];
        this.imageStore = BytesStore.wrap(image);
    }

    /**
     * Rolls back the row of the apply each shard had in flight when its writer was killed (DESIGN.md "Crash
     * safety"); runs after Chronicle's own recovery and leaves the undo slots active ({@link #clearUndo} ends them
     * once the pre-recovery copy is gone). Idempotent: a crash during it re-runs it on the restored copy.
     *
     * @return the number of rows re-inserted because Chronicle's recovery had dropped them
     */
    static long rollBack(StoreConfig config, MetaFile meta, ChronicleMap<Object, byte[]> map) {
        ChronicleRecovery rows = new ChronicleRecovery(config, map);
        UndoRecovery decision = new UndoRecovery(meta, config.layout().keyType() == KeyType.TEXT);
        for (int shard = 0; shard < config.shards(); shard++) {
            decision.rollBack(shard, rows);
        }
        return rows.reinserted;
    }

    /** Puts the undo slot's key into the query key bytes; returns its length. */
    private int queryKey(long longKey, byte[] textKey, int textKeyLength) {
        if (textKey != null) {
            System.arraycopy(textKey, 0, key, 0, textKeyLength);
            return textKeyLength;
        }
        UNSAFE.putLong(key, BYTE_ARRAY_BASE, longKey);
        return 8;
    }

    @Override
    public void restore(int shard, long longKey, byte[] textKey, int textKeyLength, RowBuffer undoImage) {
        int keyLength = queryKey(longKey, textKey, textKeyLength);
        try (ExternalMapQueryContext<Object, byte[], ?> c = map.queryContext(keyStore, 0, keyLength)) {
            c.writeLock().lock();
            MapEntry<Object, byte[]> e = c.entry();
            if (e == null) {
                UNSAFE.copyMemory(null, undoImage.address(), image, BYTE_ARRAY_BASE, rowBytes);
                c.absentEntry().doInsert(c.wrapValueBytesAsData(imageStore, 0, rowBytes));
                reinserted++;
            } else {
                row.wrap(ChronicleRowStore.valueAddress(e), rowBytes).copyFrom(undoImage, rowBytes);
                ((ChecksumEntry) e).updateChecksum();
            }
        }
    }

    @Override
    public void delete(int shard, long longKey, byte[] textKey, int textKeyLength) {
        int keyLength = queryKey(longKey, textKey, textKeyLength);
        try (ExternalMapQueryContext<Object, byte[], ?> c = map.queryContext(keyStore, 0, keyLength)) {
            c.writeLock().lock();
            MapEntry<Object, byte[]> e = c.entry();
            if (e != null) {
                e.doRemove();
            }
        }
    }

    /** Ends every shard's roll-back: clears the undo slots and forces the meta file. */
    static void clearUndo(StoreConfig config, MetaFile meta) {
        for (int shard = 0; shard < config.shards(); shard++) {
            meta.undo().clear(shard);
        }
        meta.force();
    }

    /**
     * A writer that finds a pre-recovery copy was killed while recovering: the copy is the data file as the dead
     * writer left it, so it replaces the half-recovered one (one atomic rename) and recovery starts over.
     */
    static void restorePreRecoveryCopy(StoreDirectory dir, Path data) throws IOException {
        Files.deleteIfExists(dir.file(ChronicleRowStore.PRE_RECOVERY_FILE + StoreDirectory.TMP_SUFFIX));
        Path copy = dir.file(ChronicleRowStore.PRE_RECOVERY_FILE);
        if (Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(copy, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Copies the data file under a temporary name, then renames it, so that a copy that exists is complete. */
    static Path keepPreRecoveryCopy(StoreDirectory dir, Path data) throws IOException {
        long size = Files.size(data);
        long usable = Files.getFileStore(dir.path()).getUsableSpace();
        if (usable < size + RECOVERY_SPACE_MARGIN) {
            throw new StoreException(Reason.IO, data, "recovering this store after its writer was killed needs "
                + ((size + RECOVERY_SPACE_MARGIN) >> 20) + " MiB free for a copy of the data file (Chronicle's "
                + "recovery is not crash-safe without it), and " + (usable >> 20) + " MiB are free: free space and "
                + "open again, or delete the store directory to rebuild it from Kafka");
        }
        Path tmp = dir.createFile(ChronicleRowStore.PRE_RECOVERY_FILE + StoreDirectory.TMP_SUFFIX);
        try (FileChannel in = FileChannel.open(data, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            long done = 0;
            while (done < size) {
                done += in.transferTo(done, size - done, out);
            }
        }
        Path copy = dir.file(ChronicleRowStore.PRE_RECOVERY_FILE);
        Files.move(tmp, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }
}
