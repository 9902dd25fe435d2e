package io.freshet.store.internal;

import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;

/**
 * The layout of the meta file ({@value #FILE_NAME}), described once: field offsets, the section geometry a config
 * implies, and the diagram below. Behaviour lives elsewhere: {@link MetaFile} (open, validate, map, lifecycle),
 * {@link UndoSlots}, {@link OffsetTable} and {@link MetadataMap} (topics and key/value metadata).
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
 * |   +16 offset u64  +24 reserved u64  +32 existed u64  +40 keyLength i32 (-1 LONG)     |
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
 * <p>The undo slot's word at +24 is reserved. Version 1 wrote the shard's previous applied offset there on every
 * apply, and nothing ever read it: recovery needs no such value, because the applied offset only moves at commit,
 * after the row is complete and before the slot goes idle, so an active slot finds the offset either at the
 * record's own offset (the apply completed: keep the row) or still where it was before the apply (roll the row
 * back; the offset is already right). It is no longer written (one store less per apply); files that hold a value
 * there open as before, and the word stays in the layout so that existing stores keep their geometry.
 *
 * <p>Internal: not part of the public API. Stateless.
 */
public final class MetaFileDescriptor {
    /** File name of the meta file in a store directory. */
    public static final String FILE_NAME = "meta.fst";
    /** "FRESHETM" read as a little-endian u64. */
    public static final long MAGIC = 0x4d54454853455246L;
    /** The format version this code writes and the highest it reads. */
    public static final int FORMAT_VERSION = 1;
    /** Bytes of the header, the offset of the first undo slot. */
    public static final int HEADER_BYTES = 4096;
    /** Header state: the last writer closed the store. */
    public static final long STATE_CLEAN = 1;
    /** Header state: a writer has the store open (or was killed with it open). */
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
    static final int SET_NAME_BYTES = 64;
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
    /** Reserved (see the class comment): written by format version 1 before this change, read by nobody. */
    static final int U_RESERVED = 24;
    static final int U_EXISTED = 32;
    static final int U_KEY_LENGTH = 40;
    static final int U_LONG_KEY = 48;
    static final int U_KEY_BYTES = 56;
    /** Undo slot state: no apply in flight. */
    public static final long UNDO_IDLE = 0;
    /** Undo slot state: an apply is in flight; the slot holds what rolls it back. */
    public static final long UNDO_ACTIVE = 1;

    static final int TOPIC_ENTRY_BYTES = 256;
    static final int MAX_TOPIC_NAME_BYTES = TOPIC_ENTRY_BYTES - 8;
    static final int METADATA_COPY_BYTES = 16384;
    /** Generation u64, length u32, crc u32 before each metadata copy's text. */
    static final int METADATA_TEXT_OFFSET = 16;

    private MetaFileDescriptor() {
    }

    static int align(int v, int a) {
        return (v + a - 1) & -a;
    }

    /** The geometry all sections derive from, as a config implies it. Immutable. */
    public static final class Geometry {
        /** Bytes of one row (and of an undo slot's row image). */
        public final int rowSizeBytes;
        /** Shards: one undo slot and one offset block each. */
        public final int shards;
        /** Longest text key in bytes (0 for numeric keys). */
        public final int maxKeyBytes;
        /** Topics the topic table holds. */
        public final int maxTopics;
        /** Partitions per topic in each shard's offset block. */
        public final int maxPartitions;
        /** {@link #maxKeyBytes} padded to 8. */
        public final int keyFieldBytes;
        /** Bytes of one undo slot (a multiple of 64). */
        public final int undoSlotBytes;
        /** Offset of the first undo slot. */
        public final long undoOffset;
        /** Offset of the offset table. */
        public final long offsetsOffset;
        /** Bytes of one shard's offset block (a multiple of 64). */
        public final int offsetsPerShardBytes;
        /** Offset of the topic table. */
        public final long topicsOffset;
        /** Offset of the first metadata copy. */
        public final long metadataOffset;
        /** Bytes of the whole file. */
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
}
