package io.freshet.store.internal.table;

import static io.freshet.core.internal.Memory.MEMORY;
import static io.freshet.store.internal.table.TableFormat.HEADER_BYTES;

import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.internal.MappedMemory;
import io.freshet.store.internal.StoreDirectory;
import io.freshet.store.internal.StoreFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.lang.invoke.VarHandle;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;

/**
 * The table engine's data file ({@link TableFormat}): creation, validation before mapping, the mappings of each
 * shard's index and rows, and the seal (checksums written at a clean close, verified at the next open).
 *
 * <p>Internal. Created and sealed by one thread at open and close; the mapped regions are then shared by the
 * store's readers and writers.
 */
final class TableFile implements AutoCloseable {
    /** The smallest page size of the platforms we run on: touching every 4 KiB touches every larger page too. */
    static final int PAGE_BYTES = 4096;
    private final Path path;
    private final TableFormat f;
    private final boolean readOnly;
    private final FileChannel channel;
    private final MappedMemory head;
    private final Object headMem;
    private final long headBase;
    private final MappedRegion[] index;
    private final MappedRegion[] versions;
    private final MappedRegion[] rows;
    private final long storeId;
    private final int generation;
    /** Whether the file's guarded control words carry their check (header controlChecks; older files: false). */
    private final boolean controlChecks;

    private TableFile(Path path, TableFormat f, boolean readOnly, FileChannel channel, long storeId, int generation,
        boolean controlChecks) throws IOException {
        this.path = path;
        this.controlChecks = controlChecks;
        this.generation = generation;
        this.f = f;
        this.readOnly = readOnly;
        this.channel = channel;
        this.storeId = storeId;
        FileChannel.MapMode mode = readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE;
        this.head = MEMORY.map(channel, mode, 0, f.indexOffset);
        this.headMem = head.base();
        this.headBase = head.address();
        long chunk = MappedRegion.chunkBytes();
        this.index = new MappedRegion[f.shards];
        this.versions = new MappedRegion[f.shards];
        this.rows = new MappedRegion[f.shards];
        for (int s = 0; s < f.shards; s++) {
            index[s] = MappedRegion.map(channel, mode, f.indexOffset(s), f.indexEntriesPerShard,
                TableFormat.INDEX_ENTRY_BYTES, chunk);
            versions[s] = MappedRegion.map(channel, mode, f.versionsOffset(s), f.versionWordsPerShard, 8, chunk);
            rows[s] = MappedRegion.map(channel, mode, f.rowsOffset(s), f.slotsPerShard, f.slotBytes, chunk);
        }
    }

    /**
     * Creates a new data file, full of zeros (no holes), under a temporary name that is renamed into place.
     *
     * @param dir the checked store directory
     * @param config options
     * @param storeId random id binding this file to its meta file
     * @return the open file (writable)
     */
    static TableFile create(StoreDirectory dir, StoreConfig config, long storeId) {
        return create(dir, config, storeId, 1, config.capacity(), () -> false);
    }

    /**
     * Creates one generation of the data file, full of zeros (no holes), under a temporary name that is renamed into
     * place once complete and forced; growth calls it on its background thread.
     *
     * @param dir the checked store directory
     * @param config options
     * @param storeId random id binding this file to its meta file
     * @param generation the generation (1 is {@value TableFormat#FILE_NAME})
     * @param capacity the generation's capacity
     * @param cancelled polled between megabytes of zeros: true abandons the creation (the temporary file is deleted)
     * @return the open file (writable), or null when cancelled
     */
    static TableFile create(StoreDirectory dir, StoreConfig config, long storeId, int generation, long capacity,
        java.util.function.BooleanSupplier cancelled) {
        TableFormat f = TableFormat.of(config, capacity);
        String name = TableFormat.fileName(generation);
        Path tmp = dir.createFile(name + StoreDirectory.TMP_SUFFIX);
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(TableFormat.H_MAGIC, TableFormat.MAGIC);
        h.putInt(TableFormat.H_VERSION, TableFormat.FORMAT_VERSION);
        h.putInt(TableFormat.H_HEADER_BYTES, HEADER_BYTES);
        h.putInt(TableFormat.H_KEY_TYPE, f.keyType.ordinal());
        h.putInt(TableFormat.H_ROW_BYTES, f.rowSizeBytes);
        h.putLong(TableFormat.H_FINGERPRINT, config.layout().fingerprint());
        h.putInt(TableFormat.H_SHARDS, f.shards);
        h.putInt(TableFormat.H_MAX_KEY_BYTES, f.maxKeyBytes);
        h.putLong(TableFormat.H_CAPACITY, f.capacity);
        h.putInt(TableFormat.H_SLOT_BYTES, f.slotBytes);
        h.putInt(TableFormat.H_KEY_FIELD_BYTES, f.keyFieldBytes);
        h.putLong(TableFormat.H_SLOTS_PER_SHARD, f.slotsPerShard);
        h.putLong(TableFormat.H_INDEX_ENTRIES, f.indexEntriesPerShard);
        h.putLong(TableFormat.H_CONTROL_OFFSET, f.controlOffset);
        h.putLong(TableFormat.H_SEAL_OFFSET, f.sealOffset);
        h.putInt(TableFormat.H_SEAL_BLOCKS, f.sealBlocks);
        h.putLong(TableFormat.H_SEAL_BLOCK_BYTES, f.sealBlockBytes);
        h.putLong(TableFormat.H_INDEX_OFFSET, f.indexOffset);
        h.putLong(TableFormat.H_INDEX_BYTES_PER_SHARD, f.indexBytesPerShard);
        h.putLong(TableFormat.H_ROWS_OFFSET, f.rowsOffset);
        h.putLong(TableFormat.H_ROWS_BYTES_PER_SHARD, f.rowsBytesPerShard);
        h.putLong(TableFormat.H_FILE_BYTES, f.fileBytes);
        h.putLong(TableFormat.H_STORE_ID, storeId);
        h.putLong(TableFormat.H_CREATED_MS, System.currentTimeMillis());
        h.putInt(TableFormat.H_SLOT_BITS, f.slotBits);
        h.putInt(TableFormat.H_SLOTS_PER_VERSION, TableFormat.SLOTS_PER_VERSION);
        h.putLong(TableFormat.H_VERSIONS_OFFSET, f.versionsOffset);
        h.putLong(TableFormat.H_VERSION_BYTES_PER_SHARD, f.versionBytesPerShard);
        h.putInt(TableFormat.H_GENERATION, generation);
        h.putLong(TableFormat.H_INITIAL_CAPACITY, config.capacity());
        h.putInt(TableFormat.H_ROW_CHECKS, f.rowChecks ? TableFormat.ROW_CHECKS_AFTER_KEY : 0);
        h.putInt(TableFormat.H_CONTROL_CHECKS, 1);
        h.putLong(TableFormat.H_STATIC_CRC, crc(h, 0, TableFormat.H_STATIC_CRC));
        // UNSEALED until the first clean close; the meta file (created after this file) says whether one happened.
        h.putLong(TableFormat.H_SEAL_STATE, TableFormat.UNSEALED);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            ch.write(h, 0);
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
            for (long pos = HEADER_BYTES; pos < f.fileBytes; pos += zeros.capacity()) {
                if (cancelled.getAsBoolean()) {
                    ch.close();
                    Files.deleteIfExists(tmp);
                    return null;
                }
                zeros.clear().limit((int) Math.min(zeros.capacity(), f.fileBytes - pos));
                while (zeros.hasRemaining()) {
                    ch.write(zeros, pos + zeros.position());
                }
            }
            if (generation == 1) {
                // A growth's file is not forced here: the page cache outlives a killed process, an OS crash sends the
                // store to its OsCrashPolicy whatever was forced, and a clean close forces every file it seals.
                ch.force(true);
            }
        } catch (IOException e) {
            throw new StoreException(Reason.IO, tmp, "cannot write a new data file of fileBytes=" + f.fileBytes
                + ": " + e, e);
        }
        Path target = dir.file(name);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new StoreException(Reason.IO, target, "cannot move the new data file into place: " + e, e);
        }
        return open(dir, config, false, generation, capacity);
    }

    private static long crc(ByteBuffer b, int from, int to) {
        CRC32C crc = new CRC32C();
        ByteBuffer d = b.duplicate();
        d.limit(to).position(from);
        crc.update(d);
        return crc.getValue();
    }

    /**
     * Validates the header against the config (length first), then maps the file.
     *
     * @param dir store directory
     * @param config options the store must match
     * @param readOnly map read-only
     * @return the open file
     * @throws StoreException TRUNCATED, FOREIGN, CORRUPT, NEWER_FORMAT, OLDER_FORMAT, FINGERPRINT_MISMATCH,
     *     CONFIG_MISMATCH, IO
     */
    static TableFile open(StoreDirectory dir, StoreConfig config, boolean readOnly) {
        return open(dir, config, readOnly, 1, config.capacity());
    }

    /**
     * Validates one generation's header against the config and the capacity the meta file gives it, then maps it.
     *
     * @param dir store directory
     * @param config options the store must match
     * @param readOnly map read-only
     * @param generation the generation the meta file names
     * @param capacity its capacity, as the meta file records it
     * @return the open file
     * @throws StoreException as {@link #open(StoreDirectory, StoreConfig, boolean)}
     */
    static TableFile open(StoreDirectory dir, StoreConfig config, boolean readOnly, int generation, long capacity) {
        Path p = dir.file(TableFormat.fileName(generation));
        TableFormat f = TableFormat.of(config, capacity);
        FileChannel ch = null;
        try {
            ch = StoreFiles.open(p, readOnly);
            long size = ch.size();
            ByteBuffer h = StoreFiles.readHeader(ch, p, HEADER_BYTES);
            validate(p, h, config, f, size, generation);
            TableFile t = new TableFile(p, f, readOnly, ch, h.getLong(TableFormat.H_STORE_ID), generation,
                h.getInt(TableFormat.H_CONTROL_CHECKS) == 1);
            ch = null;
            return t;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new StoreException(Reason.TRUNCATED, p, "the data file is missing although the meta file exists: "
                + "delete the store directory to rebuild it from Kafka", e);
        } catch (IOException e) {
            throw new StoreException(Reason.IO, p, "cannot read the data file: " + e, e);
        } finally {
            StoreFiles.closeQuietly(ch);
        }
    }

    private static void validate(Path p, ByteBuffer h, StoreConfig c, TableFormat f, long size, int generation) {
        long magic = h.getLong(TableFormat.H_MAGIC);
        if (magic != TableFormat.MAGIC) {
            throw new StoreException(Reason.FOREIGN, p, "magic=0x" + Long.toHexString(magic) + " != 0x"
                + Long.toHexString(TableFormat.MAGIC) + ": not a Freshet table data file");
        }
        int version = h.getInt(TableFormat.H_VERSION);
        if (version > TableFormat.FORMAT_VERSION) {
            throw new StoreException(Reason.NEWER_FORMAT, p, "formatVersion=" + version + " > supported="
                + TableFormat.FORMAT_VERSION + ": written by a newer Freshet; upgrade, or rebuild the store");
        }
        if (h.getLong(TableFormat.H_STATIC_CRC) != crc(h, 0, TableFormat.H_STATIC_CRC) || version < 1
            || h.getInt(TableFormat.H_HEADER_BYTES) != HEADER_BYTES) {
            throw new StoreException(Reason.CORRUPT, p, "header checksum mismatch: the header is damaged; delete the "
                + "store directory to rebuild it from Kafka");
        }
        if (version < TableFormat.FORMAT_VERSION) {
            // Format 1 (8-byte index entries, a version word per slot) has no reader here: this build cannot
            // interpret its index, and converting in place would need the space of a second store anyway.
            throw new StoreException(Reason.OLDER_FORMAT, p, "formatVersion=" + version + " < supported="
                + TableFormat.FORMAT_VERSION + ": written by an older Freshet in a table format this version does "
                + "not read; delete the store directory to rebuild it from Kafka, or keep running the older "
                + "version on it");
        }
        long fp = h.getLong(TableFormat.H_FINGERPRINT);
        if (fp != c.layout().fingerprint()) {
            throw new StoreException(Reason.FINGERPRINT_MISMATCH, p, "store fingerprint=0x" + Long.toHexString(fp)
                + " != set=" + c.layout().setName() + " fingerprint=0x" + Long.toHexString(c.layout().fingerprint())
                + ": the store was built by another definition; use a new directory or delete this one to rebuild");
        }
        config(p, "keyType", h.getInt(TableFormat.H_KEY_TYPE), f.keyType.ordinal());
        config(p, "rowSizeBytes", h.getInt(TableFormat.H_ROW_BYTES), f.rowSizeBytes);
        config(p, "shards", h.getInt(TableFormat.H_SHARDS), f.shards);
        config(p, "maxKeyBytes", h.getInt(TableFormat.H_MAX_KEY_BYTES), f.maxKeyBytes);
        // Files written before growth existed have zeros here: generation 1, initial capacity = capacity.
        int storedGeneration = Math.max(1, h.getInt(TableFormat.H_GENERATION));
        long initial = h.getLong(TableFormat.H_INITIAL_CAPACITY);
        config(p, "capacity", initial != 0 ? initial : h.getLong(TableFormat.H_CAPACITY), c.capacity());
        int rowChecks = h.getInt(TableFormat.H_ROW_CHECKS);
        if (rowChecks == TableFormat.ROW_CHECKS_AT_END) {
            throw new StoreException(Reason.OLDER_FORMAT, p, "rowChecks=" + rowChecks + " (the check word at the "
                + "slot's end) was written by an earlier build, and this one reads only rowChecks="
                + TableFormat.ROW_CHECKS_AFTER_KEY + ": delete the store directory to rebuild it from Kafka");
        }
        if (rowChecks != 0 && rowChecks != TableFormat.ROW_CHECKS_AFTER_KEY) {
            throw new StoreException(Reason.CORRUPT, p, "rowChecks=" + rowChecks + " is none of 0, "
                + TableFormat.ROW_CHECKS_AFTER_KEY);
        }
        config(p, "rowChecks", rowChecks != 0 ? 1 : 0, f.rowChecks ? 1 : 0);
        geometry(p, "generation", storedGeneration, generation);
        geometry(p, "capacity(generation " + generation + ")", h.getLong(TableFormat.H_CAPACITY), f.capacity);
        geometry(p, "slotBytes", h.getInt(TableFormat.H_SLOT_BYTES), f.slotBytes);
        geometry(p, "keyFieldBytes", h.getInt(TableFormat.H_KEY_FIELD_BYTES), f.keyFieldBytes);
        geometry(p, "slotsPerShard", h.getLong(TableFormat.H_SLOTS_PER_SHARD), f.slotsPerShard);
        geometry(p, "indexEntriesPerShard", h.getLong(TableFormat.H_INDEX_ENTRIES), f.indexEntriesPerShard);
        geometry(p, "slotBits", h.getInt(TableFormat.H_SLOT_BITS), f.slotBits);
        geometry(p, "slotsPerVersion", h.getInt(TableFormat.H_SLOTS_PER_VERSION), TableFormat.SLOTS_PER_VERSION);
        geometry(p, "versionsOffset", h.getLong(TableFormat.H_VERSIONS_OFFSET), f.versionsOffset);
        geometry(p, "versionBytesPerShard", h.getLong(TableFormat.H_VERSION_BYTES_PER_SHARD),
            f.versionBytesPerShard);
        geometry(p, "controlOffset", h.getLong(TableFormat.H_CONTROL_OFFSET), f.controlOffset);
        geometry(p, "sealOffset", h.getLong(TableFormat.H_SEAL_OFFSET), f.sealOffset);
        geometry(p, "sealBlocks", h.getInt(TableFormat.H_SEAL_BLOCKS), f.sealBlocks);
        geometry(p, "sealBlockBytes", h.getLong(TableFormat.H_SEAL_BLOCK_BYTES), f.sealBlockBytes);
        geometry(p, "indexOffset", h.getLong(TableFormat.H_INDEX_OFFSET), f.indexOffset);
        geometry(p, "indexBytesPerShard", h.getLong(TableFormat.H_INDEX_BYTES_PER_SHARD), f.indexBytesPerShard);
        geometry(p, "rowsOffset", h.getLong(TableFormat.H_ROWS_OFFSET), f.rowsOffset);
        geometry(p, "rowsBytesPerShard", h.getLong(TableFormat.H_ROWS_BYTES_PER_SHARD), f.rowsBytesPerShard);
        long declared = h.getLong(TableFormat.H_FILE_BYTES);
        geometry(p, "fileBytes(declared)", declared, f.fileBytes);
        if (size < declared) {
            throw new StoreException(Reason.TRUNCATED, p, "fileBytes=" + size + " < declared=" + declared);
        }
        if (size > declared) {
            throw new StoreException(Reason.CORRUPT, p, "fileBytes=" + size + " > declared=" + declared);
        }
        int controlChecks = h.getInt(TableFormat.H_CONTROL_CHECKS);
        if (controlChecks != 0 && controlChecks != 1) {
            throw new StoreException(Reason.CORRUPT, p, "controlChecks=" + controlChecks + " is neither 0 nor 1");
        }
        long seal = h.getLong(TableFormat.H_SEAL_STATE);
        if (seal != TableFormat.SEALED && seal != TableFormat.UNSEALED) {
            throw new StoreException(Reason.CORRUPT, p, "sealState=" + seal + " is neither SEALED nor UNSEALED");
        }
    }

    private static void config(Path p, String what, long stored, long expected) {
        if (stored != expected) {
            throw new StoreException(Reason.CONFIG_MISMATCH, p, "stored " + what + "=" + stored + " != configured "
                + what + "=" + expected + ": open with the options the store was created with, or use a new directory");
        }
    }

    private static void geometry(Path p, String what, long stored, long expected) {
        if (stored != expected) {
            throw new StoreException(Reason.CORRUPT, p, "stored " + what + "=" + stored + " != " + expected
                + " derived from the configuration: the header was written by incompatible code or damaged");
        }
    }

    Path path() {
        return path;
    }

    TableFormat format() {
        return f;
    }

    long storeId() {
        return storeId;
    }

    int generation() {
        return generation;
    }

    /** @return whether the guarded control words carry their check ({@link TableFormat#guardControl}) */
    boolean controlChecks() {
        return controlChecks;
    }

    /**
     * Maps every page of one shard's index, version words and rows into this process's page tables (see
     * {@link MappedRegion#touchPages}).
     *
     * @param shard the shard
     * @return the sum of the bytes read
     */
    long touchPages(int shard) {
        return index[shard].touchPages(PAGE_BYTES) + versions[shard].touchPages(PAGE_BYTES)
            + rows[shard].touchPages(PAGE_BYTES);
    }

    MappedRegion index(int shard) {
        return index[shard];
    }

    MappedRegion versions(int shard) {
        return versions[shard];
    }

    MappedRegion rows(int shard) {
        return rows[shard];
    }

    /** @return the memory base of the header and the control blocks ({@link #control}) */
    Object headMem() {
        return headMem;
    }

    /** @return the address of a shard's control block */
    long control(int shard) {
        return headBase + f.controlOffset + (long) shard * TableFormat.CONTROL_BYTES;
    }

    /** @return whether the header says SEALED (acquire) */
    boolean sealed() {
        return MEMORY.getLongVolatile(headMem, headBase + TableFormat.H_SEAL_STATE) == TableFormat.SEALED;
    }

    private long sealCount() {
        return MEMORY.getLongVolatile(headMem, headBase + TableFormat.H_SEAL_COUNT);
    }

    /**
     * Verifies the seal of a cleanly closed file: every block's CRC, the control CRC, the dynamic header's CRC.
     * When {@code concurrentWriterPossible}, a mismatch is ignored if the seal was broken meanwhile (a writer
     * opened the store and started writing while this read-only opener checked).
     *
     * @param concurrentWriterPossible a read-only open (another process may start writing)
     * @throws StoreException CORRUPT naming the damaged byte range
     */
    void verifySeal(boolean concurrentWriterPossible) {
        long countBefore = sealCount();
        if (!sealed()) {
            if (concurrentWriterPossible) {
                return;
            }
            throw new StoreException(Reason.CORRUPT, path, "the meta file says the store was closed cleanly but the "
                + "data file is not sealed: the files do not belong together or were damaged");
        }
        String damage = findDamage();
        if (damage != null) {
            VarHandle.acquireFence();
            if (concurrentWriterPossible && (!sealed() || sealCount() != countBefore)) {
                return;
            }
            throw new StoreException(Reason.CORRUPT, path, damage + ": the file changed after its clean close; "
                + "delete the store directory to rebuild it from Kafka");
        }
    }

    private String findDamage() {
        if (headCrc(TableFormat.H_SEAL_STATE, TableFormat.H_DYNAMIC_CRC) != MEMORY.getLong(headMem, headBase
            + TableFormat.H_DYNAMIC_CRC)) {
            return "dynamic header checksum mismatch in bytes [" + TableFormat.H_SEAL_STATE + ", "
                + TableFormat.H_DYNAMIC_CRC + ")";
        }
        if (headCrc(f.controlOffset, f.indexOffset) != MEMORY.getLong(headMem, headBase + TableFormat.H_CONTROL_CRC)) {
            return "control checksum mismatch in bytes [" + f.controlOffset + ", " + f.indexOffset + ")";
        }
        long[] crcs = blockCrcs();
        for (int b = 0; b < f.sealBlocks; b++) {
            if (crcs[b] != MEMORY.getLong(headMem, headBase + f.sealOffset + 8L * b)) {
                long from = f.indexOffset + b * f.sealBlockBytes;
                return "row data checksum mismatch in bytes [" + from + ", "
                    + Math.min(f.fileBytes, from + f.sealBlockBytes) + ")";
            }
        }
        return null;
    }

    private long headCrc(long from, long to) {
        byte[] d = new byte[(int) (to - from)];
        MEMORY.copyToBytes(headMem, headBase + from, d, 0, d.length);
        CRC32C crc = new CRC32C();
        crc.update(d);
        return crc.getValue();
    }

    /** CRC32C of each seal block, computed on all cores over temporary read-only mappings. */
    private long[] blockCrcs() {
        long[] crcs = new long[f.sealBlocks];
        IntStream.range(0, f.sealBlocks).parallel().forEach(b -> {
            long from = f.indexOffset + b * f.sealBlockBytes;
            long len = Math.min(f.sealBlockBytes, f.fileBytes - from);
            try {
                MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, from, len);
                CRC32C crc = new CRC32C();
                crc.update(m);
                crcs[b] = crc.getValue();
            } catch (IOException e) {
                throw new StoreException(Reason.IO, path, "cannot read bytes [" + from + ", " + (from + len)
                    + ") to check them: " + e, e);
            }
        });
        return crcs;
    }

    /** Breaks the seal before the first write of a writer (forced, so that it precedes every row write). */
    void unseal() {
        MEMORY.putLongVolatile(headMem, headBase + TableFormat.H_SEAL_STATE, TableFormat.UNSEALED);
        MEMORY.force(head, 0, HEADER_BYTES);
    }

    /** Writes the checksums of the whole file and marks it SEALED; forces everything to the device. */
    void seal() {
        long[] crcs = blockCrcs();
        for (int b = 0; b < f.sealBlocks; b++) {
            MEMORY.putLong(headMem, headBase + f.sealOffset + 8L * b, crcs[b]);
        }
        MEMORY.putLong(headMem, headBase + TableFormat.H_CONTROL_CRC, headCrc(f.controlOffset, f.indexOffset));
        MEMORY.putLong(headMem, headBase + TableFormat.H_SEAL_COUNT, sealCount() + 1);
        MEMORY.putLong(headMem, headBase + TableFormat.H_SEAL_STATE, TableFormat.SEALED);
        MEMORY.putLong(headMem, headBase + TableFormat.H_DYNAMIC_CRC, headCrc(TableFormat.H_SEAL_STATE,
            TableFormat.H_DYNAMIC_CRC));
        force();
    }

    /** Forces the rows and index, then the header, to the device (a checkpoint). */
    void force() {
        if (readOnly) {
            return;
        }
        for (int s = 0; s < f.shards; s++) {
            index[s].force();
            versions[s].force();
            rows[s].force();
        }
        MEMORY.force(head);
    }

    /** Closes the channel; the mappings stay valid until collected. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to recover: the mappings stay valid until collected.
        }
    }
}
