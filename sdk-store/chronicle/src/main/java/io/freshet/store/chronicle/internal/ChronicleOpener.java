package io.freshet.store.chronicle.internal;

import io.freshet.core.KeyType;
import io.freshet.core.spi.RowLayout;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.StoreOpenState;
import io.freshet.store.internal.MetaFile;
import io.freshet.store.internal.MetaFileDescriptor;
import io.freshet.store.internal.StoreDirectory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

/**
 * Opens a {@link ChronicleRowStore}: takes the writer lock, creates a new store (data file first, under a temporary
 * name, then the meta file that records its facts), or validates an existing one (meta file header, then the data
 * file against the facts recorded in it), applies the OS-crash policy, and hands a store whose writer was killed to
 * {@link ChronicleRecovery} before Chronicle maps it for use. A read-only open never recovers: it refuses a store
 * whose writer died, unless that writer is alive (then the store is OPEN by design).
 *
 * <p>Internal. Stateless; each open runs on its caller's thread.
 */
public final class ChronicleOpener {
    static {
        // First statement: whichever class the JVM reaches first, the privacy switches precede any Chronicle class.
        ChronicleGate.requireReady();
    }

    private ChronicleOpener() {
    }

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
        if (config.rowChecks()) {
            // Chronicle's own entry checksums are verified only by its recovery, which removes a mismatching entry
            // rather than refusing it: not the guarantee the option promises (README "Every byte checked").
            throw new IllegalArgumentException("rowChecks=true is a table-engine option: the Chronicle engine cannot "
                + "refuse a row damaged after a kill (its recovery drops such an entry); use the table engine, or "
                + "rowChecks(false)");
        }
        StoreDirectory dir = StoreDirectory.open(config.directory(), !config.readOnly(), config.refusedFilesystems());
        MetaFile meta = null;
        ChronicleMap<Object, byte[]> map = null;
        boolean opened = false;
        try {
            if (!config.readOnly()) {
                dir.lockForWriting();
            }
            Path data = dir.file(ChronicleRowStore.DATA_FILE);
            if (!config.readOnly()) {
                ChronicleRecovery.restorePreRecoveryCopy(dir, data);
            }
            StoreOpenState state;
            if (!MetaFile.exists(dir)) {
                if (config.readOnly()) {
                    throw new StoreException(Reason.IO, dir.path(), "no store here (" + MetaFileDescriptor.FILE_NAME
                        + " is missing): open it for writing once to create it");
                }
                dir.checkNothingButTemporaryFiles(MetaFileDescriptor.FILE_NAME);
                meta = create(dir, config, data);
                state = StoreOpenState.CREATED;
            } else {
                meta = MetaFile.open(dir, config, ChronicleRowStore.ENGINE_ID, config.readOnly());
                state = meta.wasClean() ? StoreOpenState.CLEAN : StoreOpenState.RECOVERED;
            }
            boolean writerAlive = config.readOnly() && dir.writerAlive();
            if (config.readOnly() && state == StoreOpenState.RECOVERED) {
                if (!writerAlive) {
                    throw new StoreException(Reason.DAMAGED, meta.path(), "the last writer stopped without closing "
                        + "the store (killed?) and nobody has recovered it: open it once for writing to recover it, "
                        + "then read");
                }
                // A live writer keeps its store OPEN: nothing to recover, the reader attaches to it as it is.
                state = StoreOpenState.LIVE_WRITER;
            }
            if (state == StoreOpenState.RECOVERED && !meta.lastWriterInThisBoot()) {
                if (config.osCrashPolicy() == StoreConfig.OsCrashPolicy.FAIL) {
                    throw new StoreException(Reason.OS_CRASH, meta.path(), "the last writer did not close the "
                        + "store and ran before the last OS boot: its pages may be lost in any order; delete the "
                        + "store directory (or open with OsCrashPolicy.REBUILD) to rebuild it from Kafka");
                }
                meta = recreate(dir, config, data, meta);
                state = StoreOpenState.CREATED;
            }
            Map<String, String> md = meta.metadata().all();
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
                    meta.checkAfterKill();
                    long c0 = System.nanoTime();
                    Path copy = ChronicleRecovery.keepPreRecoveryCopy(dir, data);
                    copyNanos = System.nanoTime() - c0;
                    ChronicleDataFile.markHeaderReady(data);
                    map = builder(config).recoverPersistedTo(data.toFile(), true);
                    reinserted = ChronicleRecovery.rollBack(config, meta, map);
                    // The rows are as the last completed apply left them: only now may a kill keep this recovery.
                    Files.delete(copy);
                    ChronicleRecovery.clearUndo(config, meta);
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

    /**
     * The bytes Chronicle Map lays out for a map of {@code config}: the same map built in memory (off-heap, nothing
     * written to disk; the pages are reserved, not touched). Chronicle computes its layout in its own code, so it is
     * measured rather than recomputed here. A data file created with {@code config} has this length rounded up to
     * whole 4 KiB pages (its header is inside it; {@code ChronicleFootprintTest} checks it against real files). The
     * caller checked {@code ChronicleGate.requireReady()}.
     */
    public static long dataFileBytes(StoreConfig config) {
        long bytes;
        try (ChronicleMap<Object, byte[]> m = builder(config).create()) {
            bytes = m.offHeapMemoryUsed();
        }
        return (bytes + PAGE - 1) / PAGE * PAGE;
    }

    private static final long PAGE = 4096;

    static ChronicleMapBuilder<Object, byte[]> builder(StoreConfig config) {
        RowLayout layout = config.layout();
        @SuppressWarnings({"unchecked", "rawtypes"})
        ChronicleMapBuilder<Object, byte[]> b = (ChronicleMapBuilder) (layout.keyType() == KeyType.TEXT
            ? ChronicleMapBuilder.of(byte[].class, byte[].class).averageKeySize(config.maxKeyBytes())
            : ChronicleMapBuilder.of(Long.class, byte[].class));
        return b.name("freshet-" + layout.setName())
            .entries(Math.max(config.capacity(), 16))
            .maxBloatFactor(ChronicleRowStore.BLOAT_FACTOR)
            .constantValueSizeBySample(new byte[layout.rowSizeBytes()])
            .checksumEntries(true);
    }

    /** Closes and deletes both files of a store that holds nothing to keep, and creates the store again. */
    private static MetaFile recreate(StoreDirectory dir, StoreConfig config, Path data, MetaFile meta)
        throws IOException {
        meta.close();
        Files.deleteIfExists(dir.file(MetaFileDescriptor.FILE_NAME));
        Files.deleteIfExists(data);
        return create(dir, config, data);
    }

    /** Creates the data file under a temporary name, renames it into place, then creates the meta file. */
    private static MetaFile create(StoreDirectory dir, StoreConfig config, Path data) throws IOException {
        Path tmp = dir.createFile(ChronicleRowStore.DATA_FILE + StoreDirectory.TMP_SUFFIX);
        Files.delete(tmp);
        ChronicleMap<Object, byte[]> m = builder(config).createPersistedTo(tmp.toFile());
        m.close();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        int header = ChronicleDataFile.headerBytes(data);
        long headerCrc = ChronicleDataFile.crc(data, header);
        // The meta file appears whole, with the data file's facts in it and OPEN: a kill before the markClean below
        // leaves a store that recovers (empty); a kill before the meta file appears leaves a data file alone,
        // which the next open refuses (INCOMPLETE) rather than guess.
        MetaFile meta = MetaFile.create(dir, config, ChronicleRowStore.ENGINE_ID, Map.of(
            ChronicleDataFile.META_HEADER_BYTES, Integer.toString(header),
            ChronicleDataFile.META_HEADER_CRC, Long.toHexString(headerCrc),
            ChronicleDataFile.META_FILE_BYTES, Long.toString(Files.size(data))));
        meta.markClean();
        return meta;
    }
}
