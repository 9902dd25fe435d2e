package io.freshet.store.internal;

import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;

/**
 * The layout of the meta file ({@value #FILE_NAME}), described once: field offsets, the section geometry a config
 * implies, and the diagram below. Behaviour lives elsewhere: {@link MetaFile} (open, validate, map, lifecycle),
 * {@link UndoSlots}, {@link OffsetTable} and {@link MetadataMap} (topics and key/value metadata).
 *
 * <pre>
 * meta.fst, format version 2, little-endian
 * +--------------------------------------------------------------------------------------+ 0
 * | HEADER (4096 bytes)                                                                  |
 * |    0 magic u64 "FRESHETM"   8 formatVersion u32   12 headerBytes u32 (4096)          |
 * |   16 engineId u32           20 keyType u32 (0 LONG, 1 TEXT)                          |
 * |   24 fingerprint u64        32 rowSizeBytes u32   36 shards u32                      |
 * |   40 capacity u64           48 maxKeyBytes u32    52 maxTopics u32                   |
 * |   56 maxPartitions u32      60 undoSlotBytes u32  64 fileBytes u64                   |
 * |   72 setName 64 bytes UTF-8, zero padded          136 createdMs u64                  |
 * |  144 options u32: bit 0 rowChecks (0 in files written before the option existed)    |
 * |  248 staticCrc u64 = CRC32C of bytes [0, 248)  -- everything above is written once   |
 * |  256 LIFECYCLE copy 0 (64 bytes)   320 LIFECYCLE copy 1 (64 bytes), each:            |
 * |      +0 sequence u64  +8 state u64 (1 CLEAN, 2 OPEN)  +16 openGeneration u64         |
 * |      +24 bootId u64   +32 lastOpenMs u64   +40 lastCloseMs u64                        |
 * |      +48 bodyCrc u64: CRC32C of bytes [4096, fileBytes), valid while state is CLEAN   |
 * |      +56 crc u64 = CRC32C of the copy's bytes [+0, +56)                               |
 * |  384..4096 unused (zero; read by nothing)                                             |
 * +--------------------------------------------------------------------------------------+ 4096
 * | UNDO SLOTS: shards x undoSlotBytes (multiple of 64)                                  |
 * |   +0 state u64 (0 IDLE, UNDO_ACTIVE, UNDO_ADVANCE)  +8 topicIndex i32                 |
 * |   +12 partition i32  +16 offset u64  +24 check u64  +32 existed u64                  |
 * |   +40 keyLength i32 (-1 LONG)  +48 longKey u64  +56 key bytes (maxKeyBytes, padded   |
 * |   to 8)  then the row image (rowChecks: the slot's check word as it was before the   |
 * |   apply, the image's own check, then the row padded to 8: the slot's own order)      |
 * +--------------------------------------------------------------------------------------+
 * | OFFSETS: shards x align64(maxTopics x maxPartitions x 16): per partition             |
 * |   offset u64 (-1 = none), check u64 = OffsetTable.check(offset, entry index)         |
 * +--------------------------------------------------------------------------------------+
 * | TOPICS: maxTopics x 256 bytes: length u32, crc u32 (CRC32C of the name), UTF-8 name  |
 * +--------------------------------------------------------------------------------------+
 * | METADATA: two copies of 16384 bytes: generation u64, length u32, crc u32, UTF-8 text |
 * |   of "key=value\n" lines; the valid copy with the higher generation is current       |
 * |   (key freshet.set.canonicalForm: the set's canonical form, recorded at creation)    |
 * +--------------------------------------------------------------------------------------+
 * </pre>
 *
 * <p><b>What guards each byte.</b>
 * <ul>
 * <li><b>[0, 256)</b>: magic (FOREIGN), formatVersion (NEWER_FORMAT / OLDER_FORMAT, read before the checksum so that
 * the reason is right), then staticCrc over all of [0, 248) (CORRUPT "header checksum"), so no byte of the
 * written-once fields (engine, key type, fingerprint, sizes, set name, creation time, the padding up to 248) changes
 * unseen; each field is then also compared with the config (FINGERPRINT_MISMATCH, CONFIG_MISMATCH) and fileBytes
 * with the file's length (TRUNCATED / CORRUPT). [248, 256) is the checksum itself (a flip: CORRUPT).
 * <li><b>[256, 384), the lifecycle</b>: everything that changes at open and close (state, openGeneration, bootId,
 * the times, bodyCrc) lives in two copies, each with its own CRC32C. A writer writes the copy that is not current,
 * with the next sequence number and its CRC, then forces the page: a kill at any instruction leaves the current copy
 * whole, and a torn copy fails its CRC, so it is never read. The valid copy with the higher sequence is current. A
 * damaged copy falls back to the other one, which is the store's previous lifecycle step, never a made-up one: a
 * cleanly closed store may look killed (recovery then finds idle undo slots and checked offsets, and a data file
 * that says it is sealed is verified as sealed: nothing changes), a killed store may look clean (then the bodyCrc,
 * and the table engine's seal, refuse it), and a store may look as it did one step earlier in the same boot. The
 * open generation is never 0 in a valid copy (a store is created with generation 1). Both copies damaged, or a
 * state other than CLEAN/OPEN: CORRUPT naming the field.
 * <li><b>[384, 4096)</b>: unused; no code reads it, so a flip there is harmless.
 * <li><b>undo slots and offsets</b>: at rest (state CLEAN) the bodyCrc covers them whole. After a kill each undo
 * record has its {@code check} and each applied offset its own; {@link UndoSlots} and {@link OffsetTable} give the
 * argument that tells a write torn by a kill from damage. The undo states are patterns with every byte non-zero, so
 * no one-byte change turns one into another. A text key's bytes are folded into its record's check (a flip of one
 * of them is refused; a byte of the key field past the key's length is never read, so a flip there is harmless). Not
 * covered after a kill by default: the row image of an active undo slot. Folding its bytes into the record's check
 * (one chained multiply per word) was measured ({@code ApplyCheckCostHarness} as it then was, same JVM, alternating
 * batches, CPU time): +23 ns per apply at 100k keys and +137 ns at 1M keys (144-byte rows), on top of the two checks'
 * own 13 ns (100k) and 32 ns (1M). With {@code StoreConfig.rowChecks} (the {@link #OPTION_ROW_CHECKS} bit of the
 * header's options) the image is preceded by the row's check word as the slot held it when the apply began, copied
 * with the image in one move, and the rollback verifies the image against it before putting it back (CORRUPT
 * otherwise): the image is covered then, at the price of the option (README "Every byte checked").
 * <li><b>topics, metadata</b>: each entry / copy has its own CRC32C (and the bodyCrc at rest).
 * </ul>
 *
 * <p>Version 1 kept one unchecked copy of the lifecycle fields and unchecked offsets: such a file is refused with
 * OLDER_FORMAT (delete the store directory to rebuild it from Kafka).
 *
 * <p>Internal: not part of the public API. Stateless.
 */
public final class MetaFileDescriptor {
    /** File name of the meta file in a store directory. */
    public static final String FILE_NAME = "meta.fst";
    /** "FRESHETM" read as a little-endian u64. */
    public static final long MAGIC = 0x4d54454853455246L;
    /** The format version this code writes and the highest it reads. */
    public static final int FORMAT_VERSION = 2;
    /** Bytes of the header, the offset of the first undo slot. */
    public static final int HEADER_BYTES = 4096;
    /** Engine id of the Chronicle Map engine in the header. */
    public static final int ENGINE_ID_CHRONICLE = 1;
    /** Engine id of the table engine in the header. */
    public static final int ENGINE_ID_TABLE = 2;
    /**
     * Metadata key of the feature set's canonical form, recorded when the store is created (from format 2 stores
     * made by 0.1.0 on; older stores lack it), so that tools can name the features and open the store read-only
     * without the set's class. Reserved: users cannot set it.
     */
    public static final String DEFINITION_KEY = "freshet.set.canonicalForm";
    /** Longest canonical form recorded (UTF-8 bytes); a longer one is not recorded, leaving room for the rest. */
    public static final int MAX_DEFINITION_BYTES = 8192;
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
    /** Options fixed at creation, a bit set ({@link #OPTION_ROW_CHECKS}); inside the static checksum. */
    static final int H_OPTIONS = 144;
    /** {@link #H_OPTIONS} bit: the store's rows carry check words ({@code StoreConfig.rowChecks()}). */
    static final int OPTION_ROW_CHECKS = 1;
    static final int H_STATIC_CRC = 248;
    /** Offset of lifecycle copy 0; copy 1 follows at {@code + LIFECYCLE_BYTES}. */
    static final int H_LIFECYCLE = 256;
    static final int LIFECYCLE_BYTES = 64;
    static final int L_SEQUENCE = 0;
    static final int L_STATE = 8;
    static final int L_OPEN_GENERATION = 16;
    static final int L_BOOT_ID = 24;
    static final int L_LAST_OPEN_MS = 32;
    static final int L_LAST_CLOSE_MS = 40;
    static final int L_BODY_CRC = 48;
    static final int L_CRC = 56;

    static final int U_STATE = 0;
    static final int U_TOPIC = 8;
    static final int U_PARTITION = 12;
    static final int U_OFFSET = 16;
    /** The record's check ({@link UndoSlots}). */
    static final int U_CHECK = 24;
    static final int U_EXISTED = 32;
    static final int U_KEY_LENGTH = 40;
    static final int U_LONG_KEY = 48;
    static final int U_KEY_BYTES = 56;
    /** Undo slot state: no apply in flight. */
    public static final long UNDO_IDLE = 0;
    /**
     * Undo slot state: an apply is in flight; the slot holds what rolls it back. A pattern with every byte non-zero
     * and different from {@link #UNDO_ADVANCE}'s, so that no one-byte change makes an idle slot active or back.
     */
    public static final long UNDO_ACTIVE = 0x5541_4354_4956_4531L;
    /** Undo slot state: an offset advance without a row is in flight (only the offset and its check change). */
    public static final long UNDO_ADVANCE = 0x5541_4456_414e_4332L;
    /** Bytes of one applied-offset entry: the offset and its check. */
    static final int OFFSET_ENTRY_BYTES = 16;

    static final int TOPIC_ENTRY_BYTES = 256;
    static final int MAX_TOPIC_NAME_BYTES = TOPIC_ENTRY_BYTES - 8;
    static final int METADATA_COPY_BYTES = 16384;
    /** Generation u64, length u32, crc u32 before each metadata copy's text. */
    static final int METADATA_TEXT_OFFSET = 16;

    private MetaFileDescriptor() {
    }

    /**
     * @param engineId an engine id from a header
     * @return the engine's name ({@code StoreEngines.byName}), or null for an id this version does not know
     */
    public static String engineName(int engineId) {
        switch (engineId) {
            case ENGINE_ID_CHRONICLE:
                return "chronicle";
            case ENGINE_ID_TABLE:
                return "table";
            default:
                return null;
        }
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
        /** Whether rows carry check words: then an undo record's row image is followed by the image's check word. */
        public final boolean rowChecks;
        /** Bytes an undo record's image copies from the row slot: the row, or (rowChecks) the padded row and check. */
        public final int imageBytes;
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

        Geometry(int rowSizeBytes, int shards, int maxKeyBytes, int maxTopics, int maxPartitions, boolean rowChecks) {
            this.rowSizeBytes = rowSizeBytes;
            this.rowChecks = rowChecks;
            this.imageBytes = rowChecks ? align(rowSizeBytes, 8) + 8 : rowSizeBytes;
            this.shards = shards;
            this.maxKeyBytes = maxKeyBytes;
            this.maxTopics = maxTopics;
            this.maxPartitions = maxPartitions;
            this.keyFieldBytes = align(maxKeyBytes, 8);
            this.undoSlotBytes = align(U_KEY_BYTES + keyFieldBytes + imageBytes, 64);
            this.undoOffset = HEADER_BYTES;
            this.offsetsOffset = undoOffset + (long) shards * undoSlotBytes;
            this.offsetsPerShardBytes = align(maxTopics * maxPartitions * OFFSET_ENTRY_BYTES, 64);
            this.topicsOffset = offsetsOffset + (long) shards * offsetsPerShardBytes;
            this.metadataOffset = topicsOffset + (long) maxTopics * TOPIC_ENTRY_BYTES;
            this.fileBytes = metadataOffset + 2L * METADATA_COPY_BYTES;
        }

        /**
         * @param c a store's options
         * @return the geometry of that store's meta file
         */
        public static Geometry of(StoreConfig c) {
            int keyBytes = c.layout().keyType() == KeyType.TEXT ? c.maxKeyBytes() : 0;
            return new Geometry(c.layout().rowSizeBytes(), c.shards(), keyBytes, c.maxTopics(), c.maxPartitions(),
                c.rowChecks());
        }
    }
}
