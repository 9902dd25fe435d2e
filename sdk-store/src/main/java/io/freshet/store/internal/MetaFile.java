package io.freshet.store.internal;

import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.internal.UnsafeAccess;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.ShardWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The store's meta file: header, one undo slot per shard, the applied offsets, the topic table and a small
 * metadata map. Every engine keeps its rows elsewhere and this file beside them, so that the crash protocol
 * (DESIGN.md, "Crash safety without replaying Kafka") is written once.
 *
 * <pre>
 * meta.fst, format version 1, little-endian
 * +--------------------------------------------------------------------------------------+ 0
 * | HEADER (4096 bytes)                                                                  |
 * |    0 magic u64 "FRESHETM"   8 formatVersion u32   12 headerBytes u32 (4096)          |
 * |   16 engineId u32           20 keyType u32 (0 LONG, 1 TEXT)                          |
 * |   24 fingerprint u64        32 rowSizeBytes u32   36 shards u32                      |
 * |   40 capacity u64           48 maxKeyBytes u32    52 maxTopics u32                   |
 * |   56 maxPartitions u32      60 undoSlotBytes u32  64 fileBytes u64                   |
 * |   72 setName 64 bytes UTF-8, zero padded          136 createdMs u64                  |
 * |  248 staticCrc u64 = CRC32C of bytes [0, 248)  -- everything above is written once   |
 * |  256 state u64 (1 CLEAN, 2 OPEN)   264 openGeneration u64   272 bootId u64           |
 * |  280 lastOpenMs u64                288 lastCloseMs u64                               |
 * |  296 bodyCrc u64: CRC32C of bytes [4096, fileBytes), written at a clean close and     |
 * |      verified at an open that finds the state CLEAN (offsets and undo slots change on |
 * |      every apply, so they can only be checked at rest)                                |
 * +--------------------------------------------------------------------------------------+ 4096
 * | UNDO SLOTS: shards x undoSlotBytes (multiple of 64)                                  |
 * |   +0 state u64 (0 IDLE, 1 ACTIVE)  +8 topicIndex i32  +12 partition i32              |
 * |   +16 offset u64  +24 prevOffset u64  +32 existed u64  +40 keyLength i32 (-1 LONG)   |
 * |   +48 longKey u64  +56 key bytes (maxKeyBytes, padded to 8)  then the row image      |
 * +--------------------------------------------------------------------------------------+
 * | OFFSETS: shards x align64(maxTopics x maxPartitions x u64); -1 = none                |
 * +--------------------------------------------------------------------------------------+
 * | TOPICS: maxTopics x 256 bytes: length u32, crc u32 (CRC32C of the name), UTF-8 name  |
 * +--------------------------------------------------------------------------------------+
 * | METADATA: two copies of 16384 bytes: generation u64, length u32, crc u32, UTF-8 text |
 * |   of "key=value\n" lines; the valid copy with the higher generation is current       |
 * +--------------------------------------------------------------------------------------+
 * </pre>
 *
 * <p>The static header is validated before anything is mapped (length first, so a truncated file never faults).
 * A new file is written under a temporary name and renamed into place, so a crash during creation leaves no
 * half-made store. Dynamic fields are written with ordered stores.
 *
 * <p>Internal: not part of the public API. Offsets and undo slots follow the single-writer-per-shard rule;
 * topic and metadata updates are synchronized (rare, never on a hot path); offsets may be read from any thread.
 */
public final class MetaFile implements AutoCloseable {
    /** File name of the meta file in a store directory. */
    public static final String FILE_NAME = "meta.fst";
    public static final long MAGIC = 0x4d54454853455246L; // "FRESHETM" little-endian
    public static final int FORMAT_VERSION = 1;
    public static final int HEADER_BYTES = 4096;
    public static final long STATE_CLEAN = 1;
    public static final long STATE_OPEN = 2;

    static final int H_MAGIC = 0;
    static final int H_VERSION = 8;
    static final int H_HEADER_BYTES = 12;
    static final int H_ENGINE = 16;
    static final int H_KEY_TYPE = 20;
    static final int H_FINGERPRINT = 24;
    static final int H_ROW_BYTES = 32;
    static final int H_SHARDS = 36;
    static final int H_CAPACITY = 40;
    static final int H_MAX_KEY_BYTES = 48;
    static final int H_MAX_TOPICS = 52;
    static final int H_MAX_PARTITIONS = 56;
    static final int H_UNDO_SLOT_BYTES = 60;
    static final int H_FILE_BYTES = 64;
    static final int H_SET_NAME = 72;
    static final int H_CREATED_MS = 136;
    static final int H_STATIC_CRC = 248;
    static final int H_STATE = 256;
    static final int H_OPEN_GENERATION = 264;
    static final int H_BOOT_ID = 272;
    static final int H_LAST_OPEN_MS = 280;
    static final int H_LAST_CLOSE_MS = 288;
    static final int H_BODY_CRC = 296;

    static final int U_STATE = 0;
    static final int U_TOPIC = 8;
    static final int U_PARTITION = 12;
    static final int U_OFFSET = 16;
    static final int U_PREV_OFFSET = 24;
    static final int U_EXISTED = 32;
    static final int U_KEY_LENGTH = 40;
    static final int U_LONG_KEY = 48;
    static final int U_KEY_BYTES = 56;
    public static final long UNDO_IDLE = 0;
    public static final long UNDO_ACTIVE = 1;

    static final int TOPIC_ENTRY_BYTES = 256;
    static final int MAX_TOPIC_NAME_BYTES = TOPIC_ENTRY_BYTES - 8;
    static final int METADATA_COPY_BYTES = 16384;

    /** The geometry all sections derive from. */
    public static final class Geometry {
        public final int rowSizeBytes;
        public final int shards;
        public final int maxKeyBytes;
        public final int maxTopics;
        public final int maxPartitions;
        public final int keyFieldBytes;
        public final int undoSlotBytes;
        public final long undoOffset;
        public final long offsetsOffset;
        public final int offsetsPerShardBytes;
        public final long topicsOffset;
        public final long metadataOffset;
        public final long fileBytes;

        Geometry(int rowSizeBytes, int shards, int maxKeyBytes, int maxTopics, int maxPartitions) {
            this.rowSizeBytes = rowSizeBytes;
            this.shards = shards;
            this.maxKeyBytes = maxKeyBytes;
            this.maxTopics = maxTopics;
            this.maxPartitions = maxPartitions;
            this.keyFieldBytes = align(maxKeyBytes, 8);
            this.undoSlotBytes = align(U_KEY_BYTES + keyFieldBytes + rowSizeBytes, 64);
            this.undoOffset = HEADER_BYTES;
            this.offsetsOffset = undoOffset + (long) shards * undoSlotBytes;
            this.offsetsPerShardBytes = align(maxTopics * maxPartitions * 8, 64);
            this.topicsOffset = offsetsOffset + (long) shards * offsetsPerShardBytes;
            this.metadataOffset = topicsOffset + (long) maxTopics * TOPIC_ENTRY_BYTES;
            this.fileBytes = metadataOffset + 2L * METADATA_COPY_BYTES;
        }

        static Geometry of(StoreConfig c) {
            int keyBytes = c.layout().keyType() == KeyType.TEXT ? c.maxKeyBytes() : 0;
            return new Geometry(c.layout().rowSizeBytes(), c.shards(), keyBytes, c.maxTopics(), c.maxPartitions());
        }
    }

    private final Path path;
    private final Geometry g;
    private final boolean readOnly;
    private final FileChannel channel;
    private final MappedByteBuffer mapped;
    private final long base;
    private final long previousState;
    private final long previousBootId;
    private final String setName;
    private volatile boolean closed;

    private MetaFile(Path path, Geometry g, boolean readOnly, FileChannel channel, MappedByteBuffer mapped) {
        this.path = path;
        this.g = g;
        this.readOnly = readOnly;
        this.channel = channel;
        this.mapped = mapped;
        this.base = UnsafeAccess.addressOf(mapped);
        this.previousState = UNSAFE.getLongVolatile(null, base + H_STATE);
        this.previousBootId = UNSAFE.getLong(base + H_BOOT_ID);
        byte[] name = new byte[64];
        for (int i = 0; i < 64; i++) {
            name[i] = UNSAFE.getByte(base + H_SET_NAME + i);
        }
        int len = 0;
        while (len < 64 && name[len] != 0) {
            len++;
        }
        this.setName = new String(name, 0, len, StandardCharsets.UTF_8);
    }

    private static int align(int v, int a) {
        return (v + a - 1) & -a;
    }

    /**
     * Creates a new meta file atomically (temporary file, then rename).
     *
     * @param dir checked store directory
     * @param config options
     * @param engineId the engine's id
     * @return the open meta file (writable)
     */
    public static MetaFile create(StoreDirectory dir, StoreConfig config, int engineId) {
        Geometry g = Geometry.of(config);
        Path tmp = dir.createFile(FILE_NAME + ".tmp");
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(H_MAGIC, MAGIC);
        h.putInt(H_VERSION, FORMAT_VERSION);
        h.putInt(H_HEADER_BYTES, HEADER_BYTES);
        h.putInt(H_ENGINE, engineId);
        h.putInt(H_KEY_TYPE, config.layout().keyType().ordinal());
        h.putLong(H_FINGERPRINT, config.layout().fingerprint());
        h.putInt(H_ROW_BYTES, g.rowSizeBytes);
        h.putInt(H_SHARDS, g.shards);
        h.putLong(H_CAPACITY, config.capacity());
        h.putInt(H_MAX_KEY_BYTES, g.maxKeyBytes);
        h.putInt(H_MAX_TOPICS, g.maxTopics);
        h.putInt(H_MAX_PARTITIONS, g.maxPartitions);
        h.putInt(H_UNDO_SLOT_BYTES, g.undoSlotBytes);
        h.putLong(H_FILE_BYTES, g.fileBytes);
        byte[] name = config.layout().setName().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < Math.min(64, name.length); i++) {
            h.put(H_SET_NAME + i, name[i]);
        }
        h.putLong(H_CREATED_MS, System.currentTimeMillis());
        h.putLong(H_STATIC_CRC, staticCrc(h));
        h.putLong(H_STATE, STATE_CLEAN);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
            ch.write(h, 0);
            ByteBuffer minusOne = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
            while (minusOne.hasRemaining()) {
                minusOne.putLong(ShardWriter.NO_OFFSET);
            }
            for (long pos = g.offsetsOffset; pos < g.topicsOffset; pos += 8192) {
                minusOne.clear();
                minusOne.limit((int) Math.min(8192, g.topicsOffset - pos));
                ch.write(minusOne, pos);
            }
            ch.truncate(g.fileBytes);
            if (ch.size() < g.fileBytes) {
                ch.write(ByteBuffer.allocate(1), g.fileBytes - 1);
            }
            // The new file is CLEAN, so open() checks its body CRC: record it.
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bodyCrc(ch, g)), H_BODY_CRC);
            ch.force(true);
        } catch (IOException e) {
            throw new StoreException(Reason.IO, tmp, "cannot write a new meta file: " + e, e);
        }
        Path target = dir.file(FILE_NAME);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new StoreException(Reason.IO, target, "cannot move the new meta file into place: " + e, e);
        }
        return open(dir, config, engineId, false);
    }

    private static long staticCrc(ByteBuffer header) {
        CRC32C crc = new CRC32C();
        ByteBuffer b = header.duplicate();
        b.position(0).limit(H_STATIC_CRC);
        crc.update(b);
        return crc.getValue();
    }

    /**
     * @param dir store directory
     * @return whether a meta file exists there
     */
    public static boolean exists(StoreDirectory dir) {
        return Files.exists(dir.file(FILE_NAME), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Validates the header of an existing meta file against the config, then maps it.
     *
     * @param dir store directory
     * @param config options the store must match
     * @param engineId the engine expected
     * @param readOnly map read-only
     * @return the open meta file
     * @throws StoreException TRUNCATED, FOREIGN, CORRUPT, NEWER_FORMAT, FINGERPRINT_MISMATCH, CONFIG_MISMATCH, IO
     */
    public static MetaFile open(StoreDirectory dir, StoreConfig config, int engineId, boolean readOnly) {
        Path p = dir.file(FILE_NAME);
        Geometry g = Geometry.of(config);
        FileChannel ch = null;
        try {
            ch = readOnly ? FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)
                : FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            long size = ch.size();
            if (size < HEADER_BYTES) {
                throw new StoreException(Reason.TRUNCATED, p, "fileBytes=" + size + " < headerBytes=" + HEADER_BYTES);
            }
            ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (h.hasRemaining() && ch.read(h, h.position()) > 0) {
                // read the header fully
            }
            h.flip();
            validateHeader(p, h, config, g, engineId, size);
            if (h.getLong(H_STATE) == STATE_CLEAN && h.getLong(H_BODY_CRC) != bodyCrc(ch, g)) {
                throw new StoreException(Reason.CORRUPT, p, "body checksum mismatch after a clean close: offsets or "
                    + "undo slots are damaged; delete the store directory to rebuild it from Kafka");
            }
            MappedByteBuffer m = ch.map(readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE, 0,
                g.fileBytes);
            MetaFile f = new MetaFile(p, g, readOnly, ch, m);
            ch = null;
            return f;
        } catch (IOException e) {
            throw new StoreException(Reason.IO, p, "cannot read the meta file: " + e, e);
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // Already failing; the original error matters.
                }
            }
        }
    }

    private static long bodyCrc(FileChannel ch, Geometry g) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        for (long pos = HEADER_BYTES; pos < g.fileBytes;) {
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), g.fileBytes - pos));
            int n = ch.read(buf, pos);
            if (n <= 0) {
                break;
            }
            buf.flip();
            crc.update(buf);
            pos += n;
        }
        return crc.getValue();
    }

    private static void validateHeader(Path p, ByteBuffer h, StoreConfig c, Geometry g, int engineId, long size) {
        long magic = h.getLong(H_MAGIC);
        if (magic != MAGIC) {
            throw new StoreException(Reason.FOREIGN, p, "magic=0x" + Long.toHexString(magic) + " != 0x"
                + Long.toHexString(MAGIC) + ": not a Freshet store file");
        }
        int version = h.getInt(H_VERSION);
        if (version > FORMAT_VERSION) {
            throw new StoreException(Reason.NEWER_FORMAT, p, "formatVersion=" + version + " > supported="
                + FORMAT_VERSION + ": written by a newer Freshet; upgrade, or rebuild the store");
        }
        long crc = h.getLong(H_STATIC_CRC);
        if (crc != staticCrc(h) || version < 1 || h.getInt(H_HEADER_BYTES) != HEADER_BYTES) {
            throw new StoreException(Reason.CORRUPT, p, "header checksum mismatch: the header is damaged; delete the "
                + "store directory to rebuild it from Kafka");
        }
        long fp = h.getLong(H_FINGERPRINT);
        if (fp != c.layout().fingerprint()) {
            throw new StoreException(Reason.FINGERPRINT_MISMATCH, p, "store fingerprint=0x" + Long.toHexString(fp)
                + " != set=" + c.layout().setName() + " fingerprint=0x" + Long.toHexString(c.layout().fingerprint())
                + ": the store was built by another definition; use a new directory or delete this one to rebuild");
        }
        mismatch(p, "engine", h.getInt(H_ENGINE), engineId);
        mismatch(p, "keyType", h.getInt(H_KEY_TYPE), c.layout().keyType().ordinal());
        mismatch(p, "rowSizeBytes", h.getInt(H_ROW_BYTES), g.rowSizeBytes);
        mismatch(p, "shards", h.getInt(H_SHARDS), g.shards);
        mismatch(p, "capacity", h.getLong(H_CAPACITY), c.capacity());
        mismatch(p, "maxKeyBytes", h.getInt(H_MAX_KEY_BYTES), g.maxKeyBytes);
        mismatch(p, "maxTopics", h.getInt(H_MAX_TOPICS), g.maxTopics);
        mismatch(p, "maxPartitions", h.getInt(H_MAX_PARTITIONS), g.maxPartitions);
        mismatch(p, "undoSlotBytes", h.getInt(H_UNDO_SLOT_BYTES), g.undoSlotBytes);
        long declared = h.getLong(H_FILE_BYTES);
        mismatch(p, "fileBytes(declared)", declared, g.fileBytes);
        if (size < declared) {
            throw new StoreException(Reason.TRUNCATED, p, "fileBytes=" + size + " < declared=" + declared);
        }
        if (size > declared) {
            throw new StoreException(Reason.CORRUPT, p, "fileBytes=" + size + " > declared=" + declared);
        }
    }

    private static void mismatch(Path p, String what, long stored, long expected) {
        if (stored != expected) {
            throw new StoreException(Reason.CONFIG_MISMATCH, p, "stored " + what + "=" + stored + " != configured "
                + what + "=" + expected + ": open with the options the store was created with, or use a new directory");
        }
    }

    /** @return the file */
    public Path path() {
        return path;
    }

    /** @return the geometry */
    public Geometry geometry() {
        return g;
    }

    /** @return the set name stored in the header */
    public String setName() {
        return setName;
    }

    /** @return whether the last writer closed the store cleanly (state as found at open) */
    public boolean wasClean() {
        return previousState == STATE_CLEAN;
    }

    /** @return whether the last unclean writer ran in this OS boot (so its page-cache writes all survived) */
    public boolean lastWriterInThisBoot() {
        return previousBootId == BootId.current();
    }

    /** @return the open generation (incremented by each writer) */
    public long openGeneration() {
        return UNSAFE.getLongVolatile(null, base + H_OPEN_GENERATION);
    }

    /** Marks the store OPEN by this writer, in this boot, and forces the header to disk. */
    public void markOpen() {
        checkWritable();
        UNSAFE.putLong(base + H_BOOT_ID, BootId.current());
        UNSAFE.putLong(base + H_LAST_OPEN_MS, System.currentTimeMillis());
        UNSAFE.putLong(base + H_OPEN_GENERATION, UNSAFE.getLong(base + H_OPEN_GENERATION) + 1);
        UNSAFE.putLongVolatile(null, base + H_STATE, STATE_OPEN);
        mapped.force(0, HEADER_BYTES);
    }

    /** Forces every section to disk, then marks the store CLEAN and forces the header. */
    public void markClean() {
        checkWritable();
        mapped.force();
        ByteBuffer body = mapped.duplicate();
        body.position(HEADER_BYTES).limit((int) g.fileBytes);
        CRC32C crc = new CRC32C();
        crc.update(body);
        UNSAFE.putLong(base + H_BODY_CRC, crc.getValue());
        UNSAFE.putLong(base + H_LAST_CLOSE_MS, System.currentTimeMillis());
        UNSAFE.putLongVolatile(null, base + H_STATE, STATE_CLEAN);
        mapped.force(0, HEADER_BYTES);
    }

    /** Forces the whole file to disk (a checkpoint). */
    public void force() {
        if (!readOnly) {
            mapped.force();
        }
    }

    private void checkWritable() {
        if (readOnly) {
            throw new IllegalStateException("meta file " + path + " is open read-only");
        }
    }

    // ---- undo slots ------------------------------------------------------------------------------------------

    /** @return address of the shard's undo slot */
    private long undo(int shard) {
        return base + g.undoOffset + (long) shard * g.undoSlotBytes;
    }

    /**
     * Publishes the undo record of an apply: every field plain, then the state ACTIVE with release order, then a
     * store-store fence so that no later row write can become visible before the record.
     *
     * @param shard shard
     * @param topicIndex topic index or NO_SOURCE
     * @param partition partition
     * @param offset the record's offset
     * @param prevOffset the shard's applied offset before it
     * @param longKey numeric key (LONG key type)
     * @param keyBytes UTF-8 key (TEXT key type) or null
     * @param keyLength its length
     * @param oldRow the row before the apply, or null when the key is new
     */
    public void recordUndo(int shard, int topicIndex, int partition, long offset, long prevOffset, long longKey,
        byte[] keyBytes, int keyLength, RowBuffer oldRow) {
        long u = undo(shard);
        UNSAFE.putInt(u + U_TOPIC, topicIndex);
        UNSAFE.putInt(u + U_PARTITION, partition);
        UNSAFE.putLong(u + U_OFFSET, offset);
        UNSAFE.putLong(u + U_PREV_OFFSET, prevOffset);
        UNSAFE.putLong(u + U_EXISTED, oldRow == null ? 0 : 1);
        if (keyBytes == null) {
            UNSAFE.putInt(u + U_KEY_LENGTH, -1);
            UNSAFE.putLong(u + U_LONG_KEY, longKey);
        } else {
            UNSAFE.putInt(u + U_KEY_LENGTH, keyLength);
            UNSAFE.copyMemory(keyBytes, UnsafeAccess.BYTE_ARRAY_BASE, null, u + U_KEY_BYTES, keyLength);
        }
        if (oldRow != null) {
            UNSAFE.copyMemory(oldRow.base(), oldRow.address(), null, u + U_KEY_BYTES + g.keyFieldBytes,
                g.rowSizeBytes);
        }
        UNSAFE.putOrderedLong(null, u + U_STATE, UNDO_ACTIVE);
        UNSAFE.storeFence();
    }

    /**
     * Ends an apply: marks the undo slot idle with release order (after the offset store that preceded it).
     *
     * @param shard shard
     */
    public void clearUndo(int shard) {
        UNSAFE.putOrderedLong(null, undo(shard) + U_STATE, UNDO_IDLE);
    }

    /**
     * @param shard shard
     * @return whether an apply was in flight when the last writer stopped
     */
    public boolean undoActive(int shard) {
        return UNSAFE.getLongVolatile(null, undo(shard) + U_STATE) == UNDO_ACTIVE;
    }

    /**
     * @param shard shard
     * @return the in-flight record's topic index
     */
    public int undoTopic(int shard) {
        return UNSAFE.getInt(undo(shard) + U_TOPIC);
    }

    /**
     * @param shard shard
     * @return the in-flight record's partition
     */
    public int undoPartition(int shard) {
        return UNSAFE.getInt(undo(shard) + U_PARTITION);
    }

    /**
     * @param shard shard
     * @return the in-flight record's offset
     */
    public long undoOffset(int shard) {
        return UNSAFE.getLong(undo(shard) + U_OFFSET);
    }

    /**
     * @param shard shard
     * @return the shard's applied offset before the in-flight record
     */
    public long undoPrevOffset(int shard) {
        return UNSAFE.getLong(undo(shard) + U_PREV_OFFSET);
    }

    /**
     * @param shard shard
     * @return whether the key had a row before the in-flight apply
     */
    public boolean undoExisted(int shard) {
        return UNSAFE.getLong(undo(shard) + U_EXISTED) != 0;
    }

    /**
     * @param shard shard
     * @return the key length in bytes, or -1 for a numeric key
     */
    public int undoKeyLength(int shard) {
        return UNSAFE.getInt(undo(shard) + U_KEY_LENGTH);
    }

    /**
     * @param shard shard
     * @return the numeric key
     */
    public long undoLongKey(int shard) {
        return UNSAFE.getLong(undo(shard) + U_LONG_KEY);
    }

    /**
     * @param shard shard
     * @param dst receives the text key's UTF-8 bytes
     * @return the key length
     */
    public int undoKeyBytes(int shard, byte[] dst) {
        int len = undoKeyLength(shard);
        if (len < 0 || len > g.maxKeyBytes || len > dst.length) {
            throw new StoreException(Reason.CORRUPT, path, "undo slot of shard=" + shard + " has keyLength=" + len
                + " outside 0.." + g.maxKeyBytes);
        }
        UNSAFE.copyMemory(null, undo(shard) + U_KEY_BYTES, dst, UnsafeAccess.BYTE_ARRAY_BASE, len);
        return len;
    }

    /**
     * @param shard shard
     * @param view wrapped over the row image saved in the undo slot
     * @return the view
     */
    public RowBuffer undoRowImage(int shard, RowBuffer view) {
        return view.wrap(undo(shard) + U_KEY_BYTES + g.keyFieldBytes, g.rowSizeBytes);
    }

    // ---- offsets ---------------------------------------------------------------------------------------------

    private long offsetAddress(int shard, int topicIndex, int partition) {
        if (shard < 0 || shard >= g.shards || topicIndex < 0 || topicIndex >= g.maxTopics || partition < 0
            || partition >= g.maxPartitions) {
            throw new IllegalArgumentException("shard=" + shard + " topicIndex=" + topicIndex + " partition="
                + partition + " outside shards=" + g.shards + " maxTopics=" + g.maxTopics + " maxPartitions="
                + g.maxPartitions);
        }
        return base + g.offsetsOffset + (long) shard * g.offsetsPerShardBytes
            + ((long) topicIndex * g.maxPartitions + partition) * 8;
    }

    /**
     * @param shard shard
     * @param topicIndex topic index
     * @param partition partition
     * @return the applied offset (acquire), or NO_OFFSET
     */
    public long appliedOffset(int shard, int topicIndex, int partition) {
        return UNSAFE.getLongVolatile(null, offsetAddress(shard, topicIndex, partition));
    }

    /**
     * Stores an applied offset with release order: every row write before it is visible first.
     *
     * @param shard shard
     * @param topicIndex topic index
     * @param partition partition
     * @param offset the offset
     */
    public void putAppliedOffset(int shard, int topicIndex, int partition, long offset) {
        UNSAFE.putOrderedLong(null, offsetAddress(shard, topicIndex, partition), offset);
    }

    // ---- topics ----------------------------------------------------------------------------------------------

    private long topicAddress(int index) {
        return base + g.topicsOffset + (long) index * TOPIC_ENTRY_BYTES;
    }

    private String topicAt(int index) {
        long a = topicAddress(index);
        int len = UNSAFE.getIntVolatile(null, a);
        if (len <= 0 || len > MAX_TOPIC_NAME_BYTES) {
            return null;
        }
        byte[] b = new byte[len];
        UNSAFE.copyMemory(null, a + 8, b, UnsafeAccess.BYTE_ARRAY_BASE, len);
        CRC32C crc = new CRC32C();
        crc.update(b);
        if ((int) crc.getValue() != UNSAFE.getInt(a + 4)) {
            return null;
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * @param topic topic name
     * @return its stable index, registered on first use (crash-safe: the length is published last)
     */
    public synchronized int topicIndex(String topic) {
        for (int i = 0; i < g.maxTopics; i++) {
            String t = topicAt(i);
            if (t == null) {
                checkWritable();
                byte[] b = topic.getBytes(StandardCharsets.UTF_8);
                if (b.length == 0 || b.length > MAX_TOPIC_NAME_BYTES) {
                    throw new IllegalArgumentException("topic name of " + b.length + " bytes is outside 1.."
                        + MAX_TOPIC_NAME_BYTES);
                }
                long a = topicAddress(i);
                UNSAFE.copyMemory(b, UnsafeAccess.BYTE_ARRAY_BASE, null, a + 8, b.length);
                CRC32C crc = new CRC32C();
                crc.update(b);
                UNSAFE.putInt(a + 4, (int) crc.getValue());
                UNSAFE.putOrderedInt(null, a, b.length);
                mapped.force((int) g.topicsOffset, g.maxTopics * TOPIC_ENTRY_BYTES);
                return i;
            }
            if (t.equals(topic)) {
                return i;
            }
        }
        throw new StoreException(Reason.CONFIG_MISMATCH, path, "the offset table holds maxTopics=" + g.maxTopics
            + " topics and is full; cannot add topic=" + topic + ": create the store with a larger maxTopics");
    }

    /** @return registered topics by index */
    public synchronized Map<Integer, String> topics() {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (int i = 0; i < g.maxTopics; i++) {
            String t = topicAt(i);
            if (t != null) {
                m.put(i, t);
            }
        }
        return m;
    }

    // ---- metadata --------------------------------------------------------------------------------------------

    private long metadataCopy(int copy) {
        return base + g.metadataOffset + (long) copy * METADATA_COPY_BYTES;
    }

    private String metadataText(int copy) {
        long a = metadataCopy(copy);
        int len = UNSAFE.getInt(a + 8);
        if (len < 0 || len > METADATA_COPY_BYTES - 16) {
            return null;
        }
        byte[] b = new byte[len];
        UNSAFE.copyMemory(null, a + 16, b, UnsafeAccess.BYTE_ARRAY_BASE, len);
        CRC32C crc = new CRC32C();
        crc.update(b);
        return (int) crc.getValue() == UNSAFE.getInt(a + 12) ? new String(b, StandardCharsets.UTF_8) : null;
    }

    private int currentCopy() {
        String a = metadataText(0);
        String b = metadataText(1);
        long ga = UNSAFE.getLongVolatile(null, metadataCopy(0));
        long gb = UNSAFE.getLongVolatile(null, metadataCopy(1));
        if (a == null && b == null) {
            return -1;
        }
        if (b == null) {
            return 0;
        }
        if (a == null) {
            return 1;
        }
        return ga >= gb ? 0 : 1;
    }

    /** @return every metadata entry */
    public synchronized Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        int c = currentCopy();
        if (c < 0) {
            return m;
        }
        for (String line : metadataText(c).split("\n", -1)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(unescape(line.substring(0, eq)), unescape(line.substring(eq + 1)));
            }
        }
        return m;
    }

    /**
     * Sets one metadata entry: the whole map is written into the older copy, published by its generation.
     *
     * @param key key
     * @param value value, or null to remove
     */
    public synchronized void putMetadata(String key, String value) {
        checkWritable();
        Map<String, String> m = metadata();
        if (value == null) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : m.entrySet()) {
            sb.append(escape(e.getKey())).append('=').append(escape(e.getValue())).append('\n');
        }
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (b.length > METADATA_COPY_BYTES - 16) {
            throw new IllegalArgumentException("metadata of " + b.length + " bytes exceeds "
                + (METADATA_COPY_BYTES - 16));
        }
        int cur = currentCopy();
        int target = cur == 0 ? 1 : 0;
        long gen = cur < 0 ? 1 : UNSAFE.getLong(metadataCopy(cur)) + 1;
        long a = metadataCopy(target);
        UNSAFE.putLong(a, 0);
        UNSAFE.putInt(a + 8, b.length);
        UNSAFE.copyMemory(b, UnsafeAccess.BYTE_ARRAY_BASE, null, a + 16, b.length);
        CRC32C crc = new CRC32C();
        crc.update(b);
        UNSAFE.putInt(a + 12, (int) crc.getValue());
        UNSAFE.putOrderedLong(null, a, gen);
        mapped.force((int) g.metadataOffset, 2 * METADATA_COPY_BYTES);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("=", "\\e");
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(n == 'n' ? '\n' : n == 'e' ? '=' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return closed;
    }

    /** Closes the channel; the mapping is released by the GC (unmapping under a reader would crash the JVM). */
    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to recover: the mapping stays valid until collected.
        }
    }
}
