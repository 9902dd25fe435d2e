package io.freshet.store.internal.table;

import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;

/**
 * The data file of the table engine, {@value #FILE_NAME}, format version {@value #FORMAT_VERSION}, and the geometry
 * every offset in it derives from. The store's {@code meta.fst} (undo slots, offsets, topics, metadata: see
 * {@code MetaFile}) lives beside it; this file holds only the rows and their index.
 *
 * <pre>
 * table.fst, little-endian; every region starts on a 4096-byte boundary
 * +-----------------------------------------------------------------------------------------------+ 0
 * | HEADER (4096 bytes)                                                                           |
 * |    0 magic u64 "FRESHETT"   8 formatVersion u32 (2)  12 headerBytes u32 (4096)               |
 * |   16 keyType u32            20 rowSizeBytes u32   24 fingerprint u64                          |
 * |   32 shards u32             36 maxKeyBytes u32    40 capacity u64                             |
 * |   48 slotBytes u32          52 keyFieldBytes u32  56 slotsPerShard u64                        |
 * |   64 indexEntriesPerShard u64                     72 controlOffset u64                        |
 * |   80 sealOffset u64         88 sealBlocks u32     96 sealBlockBytes u64                       |
 * |  104 indexOffset u64       112 indexBytesPerShard u64                                         |
 * |  120 rowsOffset u64        128 rowsBytesPerShard u64                                          |
 * |  136 fileBytes u64         144 storeId u64 (random; also in the meta file's metadata)         |
 * |  152 createdMs u64         160 slotBits u32      164 slotsPerVersion u32 (4)                  |
 * |  168 versionsOffset u64    176 versionBytesPerShard u64                                       |
 * |  184 generation u32 (1 = table.fst; n = table-n.fst; 0 in files written before growth: 1)      |
 * |  192 initialCapacity u64 (the store's configured capacity; 0 in older files: = capacity)        |
 * |  200 rowChecks u32 (2: each slot has a check word after its key, StoreConfig.rowChecks; 0: none;  |
 * |      1: the check word at the slot's end, written by earlier builds: refused as OLDER_FORMAT)      |
 * |  204 controlChecks u32 (1: the guarded control words below carry a check; 0 in older files)     |
 * |  248 staticCrc u64 = CRC32C of [0, 248)  -- written once                                      |
 * |  256 sealState u64 (1 SEALED: closed cleanly, checksums valid; 2 UNSEALED: a writer has it)   |
 * |  264 sealCount u64         272 controlCrc u64 = CRC32C of [controlOffset, indexOffset)        |
 * | 4088 dynamicCrc u64 = CRC32C of [256, 4088), valid while SEALED                               |
 * +-----------------------------------------------------------------------------------------------+ 4096
 * | SHARD CONTROL: shards x 64 bytes                                                              |
 * |   +0 count u64 (rows)   +8 structVersion u64 (seqlock: odd while index entries move)          |
 * |   +16 shiftHole g64 (index position + 1 of an unfinished backward-shift deletion; 0 = none)   |
 * |   +24 supersededBy g64 (growth: the generation this shard's rows moved to; 0 = none)          |
 * |   +32 growState g64 (growth, in the new file: 0 NOT_STARTED, 1 MIGRATING, 2 DONE)             |
 * |   +40 migrateCursor g64 (next index position of the old shard to copy)                        |
 * |   +48 rowsWhileGrowing u64 (rows here + rows of the old shard not yet copied; for size())      |
 * |   g64 (controlChecks): value u32 in the low half, its check u32 in the high half, 0 for 0      |
 * +-----------------------------------------------------------------------------------------------+ sealOffset
 * | SEAL TABLE: sealBlocks x u64 CRC32C, block b covers [indexOffset + b*sealBlockBytes, +block)  |
 * +-----------------------------------------------------------------------------------------------+ indexOffset
 * | INDEX of shard 0 .. shards-1, indexBytesPerShard each: indexEntriesPerShard x u32 entries     |
 * |   entry = tag &lt;&lt; slotBits | (slot + 1); 0 = empty. tag = the top 32 - slotBits bits of the     |
 * |   hash's low half ((int) hash &gt;&gt;&gt; slotBits). Linear probing from the home position             |
 * |   ((hash &gt;&gt;&gt; 32) * indexEntries) &gt;&gt;&gt; 32, backward-shift deletion, load &lt;= 0.8                |
 * +-----------------------------------------------------------------------------------------------+ versionsOffset
 * | VERSIONS of shard 0 .. shards-1, versionBytesPerShard each: ceil(slots / 4) x u64 seqlock     |
 * |   words; word w guards row slots 4w .. 4w+3 (odd while the writer changes one of them)        |
 * +-----------------------------------------------------------------------------------------------+ rowsOffset
 * | ROW SLOTS of shard 0 .. shards-1, rowsBytesPerShard each: slotsPerShard x slotBytes, dense    |
 * |   +0 key: LONG key u64 | TEXT keyLength u32, pad u32, UTF-8 bytes (maxKeyBytes, padded to 8)  |
 * |   rowChecks only: +keyFieldBytes check u64 = RowCheck of the key and the row (0: no row)       |
 * |   +rowOffsetInSlot row (rowSizeBytes, the compiled layout's row), padded to 8                  |
 * +-----------------------------------------------------------------------------------------------+ fileBytes
 * </pre>
 *
 * <p>Why this shape (format 2; format 1 had 8-byte index entries and a version word in every slot, 26 bytes per key
 * beyond the row): the bytes per key beyond the row are 4 / 0.8 = 5 of index at full capacity, 8 / 4 = 2 of version
 * words and 8 of key, 15 in all. The 4-byte index entry keeps a 1.25M-key index in 5 MB, so it stays in the CPU
 * caches where the 8-byte one did not; a tag of at least one bit (eight when a shard has fewer than 2^24 slots)
 * filters almost every probe that is not the key before its row is touched. Because the entry no longer holds the
 * hash's high half, a backward-shift deletion rehashes the keys of the entries after the hole, to the end of the
 * cluster, to find their home positions (the writer's rare path). A version word guards four adjacent slots: a reader
 * retries when the writer changes any of the four (a window of tens of ns per apply), in exchange for a version array
 * of 2 bytes per key that a 1M-key store keeps in 2 MB of cache instead of a word in every row. It is 64 bits, so it
 * never wraps in practice.
 *
 * <p>Rules that make it safe (see {@code TableStore}): a key is present iff an index entry points at its slot, so
 * inserting publishes with one ordered 4-byte store of the entry, after the slot is complete; free slots are not
 * recorded in the file (the index is the truth; the free set is rebuilt at open). The file is written full of zeros
 * at creation (no holes: a write fault on a full disk would otherwise kill the JVM with SIGBUS). At a clean close
 * the writer computes the seal (a CRC32C per block of the index and rows, the control CRC and the dynamic CRC) and
 * an open of a cleanly closed store verifies all of it before serving, so a flipped byte anywhere is a typed error.
 * After a kill there is no seal: the open checks the index (slots in range, none named twice) and that each used
 * slot's key hashes to its entry's tag, reading the rows once in slot order (sequential, on all cores), and makes
 * every version word even after the in-flight applies are rolled back. A file whose header says SEALED is verified
 * as sealed whatever the meta file says (a kill between the seal and the meta file's CLEAN leaves exactly that).
 * What a kill leaves unguarded by default: a row byte damaged while the store was down after a kill (rows carry no
 * check of their own between seals; one costs the apply path), stated as such in the damage battery. With
 * {@code StoreConfig.rowChecks} each slot holds a check word after its key ({@link RowCheck}) that every path
 * writing the slot keeps true: an apply's commit (before the version goes even and before its offset is stored), a
 * growth or snapshot copy (the word is copied with the slot), the rollback of an in-flight apply (the undo image
 * carries the image's own check word, verified before the image is put back), and a delete or TTL eviction (the word
 * is zeroed, or marked before the entry goes: a slot no entry names never passes). The recovery after a kill
 * verifies every slot an index entry names; a mismatch is refused ({@code CORRUPT}, naming the shard, slot and
 * key) unless the slot is the one a rolled-back apply rewrote (see {@link ShardIndexScan}).
 *
 * <p>Control words after a kill: {@code count} and {@code rowsWhileGrowing} are recounted from the index at every
 * writer open, and {@code structVersion} is only compared by readers (the open makes it even), so damage to them is
 * harmless. The four others steer recovery and growth (where an unfinished deletion resumes, where the copy of a
 * growing shard resumes, which generation holds a shard's rows) and are written one at a time by single 8-byte
 * stores (atomic under a kill): in a file with {@code controlChecks} each holds its value and a 32-bit check of the
 * value, the shard and the field ({@link #guardControl}) in that one word, so a torn word cannot exist and a damaged
 * one fails its check at the open ({@code CORRUPT}, naming the shard and the field), a flip of any one byte with
 * certainty. Files written before the field exist hold plain values and are read as before.
 *
 * <p>Index entries damaged while a killed store was down: a key's entry is reachable from its home position (no empty
 * entry between them: the invariant of linear probing with backward-shift deletion), checked for every entry by the
 * open's scan, so an entry zeroed inside a cluster is refused rather than leaving the keys after it unreachable. An
 * entry zeroed at the end of its cluster leaves only its own key unnamed: with row checks, every slot no entry names
 * must carry a check word that does not hold (0, or the marker of an interrupted eviction), so a named-looking free
 * slot is refused unless it is explained by the one operation a kill interrupted (see {@link ShardIndexScan}).
 *
 * <p>Growth ({@code TableGrowth}): a store grows by generations. The next generation is a complete file of this
 * format, {@code table-<n>.fst}, of twice the capacity, created zero-filled by a background thread and adopted by the
 * meta file's {@value TableStore#LAYOUT_KEY} entry; each shard's writer then switches to it at an apply boundary
 * (growState MIGRATING in the new file, then supersededBy in the old) and copies the old shard's rows into it, a
 * key being applied first and a bounded number more per apply. The old shard is never written after the switch, so
 * a reader that looks in the new shard and then in the old one reads a row as it was at some instant of its read.
 * When every shard is DONE the meta file names the new generation alone and the old file is deleted.
 *
 * <p>Where to put it: tmpfs ({@code /dev/shm}) is the recommended location for the lowest apply latency (a store
 * there survives a process crash, not a reboot; with {@code OsCrashPolicy.REBUILD} it rebuilds from Kafka after a
 * reboot). On a disk-backed file system the first write to each clean page after writeback takes a page fault, and
 * the kernel's writeback of a multi-GB dirty mapping competes with the applier: measured figures are in the
 * engine's report and {@code benchmarks/RESULTS.md}.
 *
 * <p>Internal: not part of the public API. Immutable.
 */
public final class TableFormat {
    /** File name of the data file in a store directory. */
    public static final String FILE_NAME = "table.fst";
    /** "FRESHETT" little-endian. */
    public static final long MAGIC = 0x5454454853455246L;
    /** Current format version. */
    public static final int FORMAT_VERSION = 2;
    /** Header size. */
    public static final int HEADER_BYTES = 4096;
    /** The meta file's engine id of this engine. */
    public static final int ENGINE_ID = io.freshet.store.internal.MetaFileDescriptor.ENGINE_ID_TABLE;
    /** Maximum load factor of a shard's index when its slots are all used. */
    public static final double MAX_LOAD_FACTOR = 0.8;
    /** Bytes of one shard's control block. */
    public static final int CONTROL_BYTES = 64;
    /** Most seal blocks a file has. */
    static final int MAX_SEAL_BLOCKS = 4096;
    /** Smallest seal block. */
    static final long MIN_SEAL_BLOCK_BYTES = 4L << 20;
    /** Largest number of slots of one shard (slot + 1 must fit an index entry beside a tag of at least one bit). */
    public static final long MAX_SLOTS_PER_SHARD = (1L << 31) - 1;
    /** Fewest bits of an index entry that hold slot + 1: shards below 2^24 slots get an 8-bit tag. */
    static final int MIN_SLOT_BITS = 24;
    /** Bytes of one index entry. */
    static final int INDEX_ENTRY_BYTES = 4;
    /** Row slots guarded by one version word. */
    public static final int SLOTS_PER_VERSION = 4;
    /** log2 of {@link #SLOTS_PER_VERSION}. */
    static final int SLOTS_PER_VERSION_SHIFT = 2;

    static final int H_MAGIC = 0;
    static final int H_VERSION = 8;
    static final int H_HEADER_BYTES = 12;
    static final int H_KEY_TYPE = 16;
    static final int H_ROW_BYTES = 20;
    static final int H_FINGERPRINT = 24;
    static final int H_SHARDS = 32;
    static final int H_MAX_KEY_BYTES = 36;
    static final int H_CAPACITY = 40;
    static final int H_SLOT_BYTES = 48;
    static final int H_KEY_FIELD_BYTES = 52;
    static final int H_SLOTS_PER_SHARD = 56;
    static final int H_INDEX_ENTRIES = 64;
    static final int H_CONTROL_OFFSET = 72;
    static final int H_SEAL_OFFSET = 80;
    static final int H_SEAL_BLOCKS = 88;
    static final int H_SEAL_BLOCK_BYTES = 96;
    static final int H_INDEX_OFFSET = 104;
    static final int H_INDEX_BYTES_PER_SHARD = 112;
    static final int H_ROWS_OFFSET = 120;
    static final int H_ROWS_BYTES_PER_SHARD = 128;
    static final int H_FILE_BYTES = 136;
    static final int H_STORE_ID = 144;
    static final int H_CREATED_MS = 152;
    static final int H_SLOT_BITS = 160;
    static final int H_SLOTS_PER_VERSION = 164;
    static final int H_VERSIONS_OFFSET = 168;
    static final int H_VERSION_BYTES_PER_SHARD = 176;
    static final int H_GENERATION = 184;
    static final int H_INITIAL_CAPACITY = 192;
    static final int H_ROW_CHECKS = 200;
    static final int H_CONTROL_CHECKS = 204;
    /** Header rowChecks: the slot's check word sits after the key (on the cache line the apply already writes). */
    static final int ROW_CHECKS_AFTER_KEY = 2;
    /** Header rowChecks of earlier builds: the check word at the slot's end (not read by this build). */
    static final int ROW_CHECKS_AT_END = 1;
    static final int H_STATIC_CRC = 248;
    static final int H_SEAL_STATE = 256;
    static final int H_SEAL_COUNT = 264;
    static final int H_CONTROL_CRC = 272;
    static final int H_DYNAMIC_CRC = 4088;

    static final long SEALED = 1;
    static final long UNSEALED = 2;

    static final int C_COUNT = 0;
    static final int C_STRUCT_VERSION = 8;
    static final int C_SHIFT_HOLE = 16;
    static final int C_SUPERSEDED_BY = 24;
    static final int C_GROW_STATE = 32;
    static final int C_MIGRATE_CURSOR = 40;
    static final int C_ROWS_WHILE_GROWING = 48;

    /**
     * The word a guarded control field holds in a file with {@code controlChecks}: the value (below 2^32) in the low
     * half and a check of the value, the shard and the field in the high half; 0 for the value 0 (a zero-filled file
     * starts valid). The check is never 0 for a value other than 0, so a flip of either half of a zero word fails it.
     *
     * @param value the field's value, {@code 0 <= value < 2^32}
     * @param shard the shard whose control block holds the word
     * @param field the field's offset in the control block ({@code C_...})
     * @return the word to store
     */
    static long guardControl(long value, int shard, int field) {
        if (value == 0) {
            return 0;
        }
        long h = (value ^ ((long) shard << 40) ^ ((long) field << 32)) * 0x9E37_79B9_7F4A_7C15L;
        h ^= h >>> 31;
        h *= 0xBF58_476D_1CE4_E5B9L;
        h ^= h >>> 29;
        return (h | 1) << 32 | value;
    }

    /** @return the value of a guarded control word, whether or not its check holds (readers; the open checks) */
    static long controlValue(long word) {
        return word & 0xFFFF_FFFFL;
    }

    /** growState: the shard's writer still writes the previous generation. */
    static final long GROW_NOT_STARTED = 0;
    /** growState: the shard writes this generation and copies the previous one's rows into it. */
    static final long GROW_MIGRATING = 1;
    /** growState: every row of the previous generation's shard is in this one. */
    static final long GROW_DONE = 2;

    /** Offset of the key in a slot. */
    static final int S_KEY = 0;

    /** Key type of the store. */
    public final KeyType keyType;
    /** Row size. */
    public final int rowSizeBytes;
    /** Shards. */
    public final int shards;
    /** Maximum text key bytes (0 for numeric keys). */
    public final int maxKeyBytes;
    /** Configured capacity (rows). */
    public final long capacity;
    /** Bytes of a slot's key field. */
    public final int keyFieldBytes;
    /** Bytes of one slot: key, row. */
    public final int slotBytes;
    /** Offset of the row inside a slot. */
    public final int rowOffsetInSlot;
    /** Whether each slot holds a check word after its key ({@code StoreConfig.rowChecks}). */
    public final boolean rowChecks;
    /** Offset of the slot's check word (rowChecks), right after the key field; -1 without row checks. */
    public final int checkOffsetInSlot;
    /** Row slots per shard. */
    public final long slotsPerShard;
    /** Index entries per shard. */
    public final long indexEntriesPerShard;
    /** Low bits of an index entry that hold slot + 1; the rest is the hash tag. */
    public final int slotBits;
    /** Version words per shard. */
    public final long versionWordsPerShard;
    /** Offset of the first version array. */
    public final long versionsOffset;
    /** Bytes per shard version array (aligned). */
    public final long versionBytesPerShard;
    /** Offset of the control blocks. */
    public final long controlOffset;
    /** Offset of the seal table. */
    public final long sealOffset;
    /** Seal blocks. */
    public final int sealBlocks;
    /** Bytes per seal block. */
    public final long sealBlockBytes;
    /** Offset of the first index. */
    public final long indexOffset;
    /** Bytes per shard index (aligned). */
    public final long indexBytesPerShard;
    /** Offset of the first row region. */
    public final long rowsOffset;
    /** Bytes per shard row region (aligned). */
    public final long rowsBytesPerShard;
    /** File size. */
    public final long fileBytes;

    TableFormat(KeyType keyType, int rowSizeBytes, int shards, int maxKeyBytes, long capacity, boolean rowChecks) {
        this.keyType = keyType;
        this.rowSizeBytes = rowSizeBytes;
        this.shards = shards;
        this.maxKeyBytes = keyType == KeyType.TEXT ? maxKeyBytes : 0;
        this.capacity = capacity;
        this.keyFieldBytes = keyType == KeyType.TEXT ? 8 + align(this.maxKeyBytes, 8) : 8;
        this.rowChecks = rowChecks;
        // The check word between the key and the row: the apply dirties the row's first line (its header, the
        // last-apply time), which with 8-byte-aligned slots always also holds the word, so writing it at each commit
        // dirties no line of its own (at the slot's end it dirtied one more line per apply in most slots).
        this.checkOffsetInSlot = rowChecks ? S_KEY + keyFieldBytes : -1;
        this.rowOffsetInSlot = S_KEY + keyFieldBytes + (rowChecks ? 8 : 0);
        this.slotBytes = rowOffsetInSlot + align(rowSizeBytes, 8);
        this.slotsPerShard = slotsPerShard(capacity, shards);
        this.indexEntriesPerShard = Math.max(slotsPerShard + 1, (long) Math.ceil(slotsPerShard / MAX_LOAD_FACTOR));
        this.controlOffset = HEADER_BYTES;
        this.slotBits = Math.max(MIN_SLOT_BITS, 64 - Long.numberOfLeadingZeros(slotsPerShard));
        this.versionWordsPerShard = (slotsPerShard + SLOTS_PER_VERSION - 1) >>> SLOTS_PER_VERSION_SHIFT;
        this.indexBytesPerShard = align(indexEntriesPerShard * INDEX_ENTRY_BYTES, 4096);
        this.versionBytesPerShard = align(versionWordsPerShard * 8, 4096);
        this.rowsBytesPerShard = align(slotsPerShard * slotBytes, 4096);
        long body = shards * (indexBytesPerShard + versionBytesPerShard + rowsBytesPerShard);
        long block = Math.max(MIN_SEAL_BLOCK_BYTES, align((body + MAX_SEAL_BLOCKS - 1) / MAX_SEAL_BLOCKS, 4096));
        this.sealBlockBytes = block;
        this.sealBlocks = (int) ((body + block - 1) / block);
        this.sealOffset = controlOffset + (long) shards * CONTROL_BYTES;
        this.indexOffset = align(sealOffset + (long) sealBlocks * 8, 4096);
        this.versionsOffset = indexOffset + shards * indexBytesPerShard;
        this.rowsOffset = versionsOffset + shards * versionBytesPerShard;
        this.fileBytes = rowsOffset + shards * rowsBytesPerShard;
    }

    /**
     * Slots each shard gets: its share of the capacity plus room for the imbalance of hashing (about four standard
     * deviations of a binomial share), so that a store holds its configured capacity before any shard is full.
     */
    static long slotsPerShard(long capacity, int shards) {
        if (shards == 1) {
            return capacity;
        }
        long share = (capacity + shards - 1) / shards;
        return share + (long) Math.ceil(4 * Math.sqrt(share)) + 8;
    }

    /**
     * @param c a store's configuration
     * @return the geometry of that store's first data file (what its header records)
     * @throws IllegalArgumentException when a shard would hold more than {@link #MAX_SLOTS_PER_SHARD} rows
     */
    public static TableFormat of(StoreConfig c) {
        return of(c, c.capacity());
    }

    /**
     * @param c a store's configuration
     * @param capacity the capacity of one generation of its data file
     * @return the geometry of that generation
     * @throws IllegalArgumentException when a shard would hold more than {@link #MAX_SLOTS_PER_SHARD} rows
     */
    static TableFormat of(StoreConfig c, long capacity) {
        TableFormat f = new TableFormat(c.layout().keyType(), c.layout().rowSizeBytes(), c.shards(), c.maxKeyBytes(),
            capacity, c.rowChecks());
        if (f.slotsPerShard > MAX_SLOTS_PER_SHARD) {
            throw new IllegalArgumentException("capacity=" + capacity + " shards=" + c.shards() + " gives "
                + f.slotsPerShard + " rows per shard > " + MAX_SLOTS_PER_SHARD + ": use more shards");
        }
        return f;
    }

    /**
     * @param generation a data file's generation, from 1
     * @return its file name: {@value #FILE_NAME} for the first, {@code table-<n>.fst} after growth
     */
    public static String fileName(int generation) {
        return generation <= 1 ? FILE_NAME : "table-" + generation + ".fst";
    }

    /**
     * @param name a file name in a store directory
     * @return the generation it names, or 0 when it is not a data file's name
     */
    static int generationOf(String name) {
        if (FILE_NAME.equals(name)) {
            return 1;
        }
        if (name.startsWith("table-") && name.endsWith(".fst")) {
            try {
                int g = Integer.parseInt(name.substring(6, name.length() - 4));
                return g > 1 ? g : 0;
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    static long align(long v, long a) {
        return (v + a - 1) / a * a;
    }

    static int align(int v, int a) {
        return (v + a - 1) / a * a;
    }

    /**
     * @param slots a shard's row slots
     * @return longs of the writer's free-slot bitmap of that shard (one bit per slot)
     */
    static int bitmapWords(long slots) {
        return (int) ((slots + 63) >>> 6);
    }

    /** @return bytes an open writer keeps on the heap: every shard's free-slot bitmap */
    public long writerHeapBytes() {
        return shards * 8L * bitmapWords(slotsPerShard);
    }

    /** @return offset of a shard's index */
    long indexOffset(int shard) {
        return indexOffset + shard * indexBytesPerShard;
    }

    /** @return offset of a shard's version words */
    long versionsOffset(int shard) {
        return versionsOffset + shard * versionBytesPerShard;
    }

    /** @return offset of a shard's rows */
    long rowsOffset(int shard) {
        return rowsOffset + shard * rowsBytesPerShard;
    }
}
