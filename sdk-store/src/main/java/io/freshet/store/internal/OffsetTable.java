package io.freshet.store.internal;

import static io.freshet.core.internal.Memory.MEMORY;
import static io.freshet.store.internal.MetaFileDescriptor.OFFSET_ENTRY_BYTES;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.spi.ShardWriter;
import java.nio.file.Path;

/**
 * The meta file's applied offsets ({@link MetaFileDescriptor}, "OFFSETS"): per shard, per topic index and partition,
 * the offset of the last record whose apply committed, or {@code ShardWriter.NO_OFFSET}, each followed by its check.
 *
 * <p><b>The check.</b> {@link #check(long, long)} is a bijective 64-bit mix of the offset and the entry's index
 * (add, multiply by an odd constant, xor-shift: each step is invertible). Bijective in the offset means that any
 * change to the offset word alone, or to the check word alone, is detected with certainty, not merely with high
 * probability; the index makes an entry copied to another place fail too, and the additive constant makes an all-zero
 * entry invalid. It costs two multiplies and a shift on the apply path, where a CRC32C call over 16 bytes would cost
 * a JNI-free intrinsic but still a call and a buffer. (This check and the undo record's, together, measured 13 ns per
 * apply at 100k keys: see {@link MetaFileDescriptor}.)
 *
 * <p><b>Torn by a kill, or damaged.</b> {@link #put} writes the offset, then the check; a process killed between
 * the two leaves the new offset with the old offset's check, and the page cache keeps exactly that (program order
 * survives a kill). Every put happens while the shard's undo slot names it: an apply's commit puts the offset before
 * it clears the ACTIVE slot, and {@code advanceOffset} records an ADVANCE slot first. So after a kill a mismatched
 * entry is legitimate only when the shard's slot is ACTIVE or ADVANCE for that very topic and partition and the
 * offset word equals the slot's offset: the offset landed, its check did not (the apply had completed; recovery
 * writes the check). Any other mismatch is damage, refused with CORRUPT naming the shard, topic and partition.
 *
 * <p>Threading: a shard's offsets are written only by its writer thread (release), read from any thread (acquire).
 * Allocation: none.
 */
public final class OffsetTable {
    private static final long SEED = 0x6f66_6673_6574_7321L;
    private static final long INDEX_MIX = 0x9E37_79B9_7F4A_7C15L;
    private static final long OFFSET_MIX = 0xBF58_476D_1CE4_E5B9L;

    private final Path path;
    /** The meta file's memory base (null for absolute addresses). */
    private final Object mem;
    private final long base;
    private final int shards;
    private final int maxTopics;
    private final int maxPartitions;
    private final int perShardBytes;

    OffsetTable(Path path, Object mem, long fileAddress, MetaFileDescriptor.Geometry g) {
        this.mem = mem;
        this.path = path;
        this.base = fileAddress + g.offsetsOffset;
        this.shards = g.shards;
        this.maxTopics = g.maxTopics;
        this.maxPartitions = g.maxPartitions;
        this.perShardBytes = g.offsetsPerShardBytes;
    }

    /**
     * @param offset an applied offset
     * @param entry the entry's position in the offset section, in 16-byte units
     * @return its check word
     */
    static long check(long offset, long entry) {
        long h = (offset + SEED + entry * INDEX_MIX) * OFFSET_MIX;
        return h ^ (h >>> 31);
    }

    private void checkRange(int shard, int topicIndex, int partition) {
        if (shard < 0 || shard >= shards || topicIndex < 0 || topicIndex >= maxTopics || partition < 0
            || partition >= maxPartitions) {
            throw new IllegalArgumentException("shard=" + shard + " topicIndex=" + topicIndex + " partition="
                + partition + " outside shards=" + shards + " maxTopics=" + maxTopics + " maxPartitions="
                + maxPartitions);
        }
    }

    private long address(int shard, int topicIndex, int partition) {
        checkRange(shard, topicIndex, partition);
        return base + (long) shard * perShardBytes
            + ((long) topicIndex * maxPartitions + partition) * OFFSET_ENTRY_BYTES;
    }

    /**
     * @param shard shard
     * @param topicIndex topic index
     * @param partition partition
     * @return the applied offset (acquire), or NO_OFFSET
     */
    public long get(int shard, int topicIndex, int partition) {
        return MEMORY.getLongVolatile(mem, address(shard, topicIndex, partition));
    }

    /**
     * Stores an applied offset with release order (every row write before it is visible first), then its check.
     * The caller's undo slot names this entry meanwhile (see the class comment).
     *
     * @param shard shard
     * @param topicIndex topic index
     * @param partition partition
     * @param offset the offset
     */
    public void put(int shard, int topicIndex, int partition, long offset) {
        putAt(entryAddress(shard, topicIndex, partition), offset);
    }

    /**
     * The address of one entry, checked against the table's bounds once, for a writer that applies many records of
     * the same partition in a row ({@link #getAt}, {@link #putAt}): the look-up's range check and multiplications
     * then stay off its per-record path.
     *
     * @param shard shard
     * @param topicIndex topic index
     * @param partition partition
     * @return the entry's address in the meta file's memory
     * @throws IllegalArgumentException when an index is outside the table
     */
    public long entryAddress(int shard, int topicIndex, int partition) {
        return address(shard, topicIndex, partition);
    }

    /**
     * @param entryAddress from {@link #entryAddress}
     * @return the entry's applied offset (volatile read)
     */
    public long getAt(long entryAddress) {
        return MEMORY.getLongVolatile(mem, entryAddress);
    }

    /**
     * {@link #put} at an address from {@link #entryAddress}.
     *
     * @param entryAddress the entry
     * @param offset the offset
     */
    public void putAt(long entryAddress, long offset) {
        MEMORY.putLongRelease(mem, entryAddress, offset);
        if (ApplyChecks.enabled) {
            MEMORY.putLongRelease(mem, entryAddress + 8, check(offset, (entryAddress - base) >>> 4));
        }
    }

    /** Sets every entry to NO_OFFSET with its check (a new file). */
    void clear() {
        for (int s = 0; s < shards; s++) {
            for (int t = 0; t < maxTopics; t++) {
                for (int p = 0; p < maxPartitions; p++) {
                    put(s, t, p, ShardWriter.NO_OFFSET);
                }
            }
        }
    }

    /**
     * Checks every entry of a shard whose writer was killed; repairs the one mismatch a kill may leave.
     *
     * @param shard the shard
     * @param undo the undo slots, as the killed writer left them (checked first)
     * @throws StoreException CORRUPT naming the shard, topic and partition of a damaged entry
     */
    void verify(int shard, UndoSlots undo) {
        check(shard, undo, true);
    }

    /**
     * Checks every entry of a shard without writing (tools): an entry torn by a kill, which the shard's undo slot
     * names, passes.
     *
     * @param shard the shard
     * @param undo the undo slots
     * @throws StoreException CORRUPT naming the shard, topic and partition of a damaged entry
     */
    void check(int shard, UndoSlots undo) {
        check(shard, undo, false);
    }

    private void check(int shard, UndoSlots undo, boolean repair) {
        for (int t = 0; t < maxTopics; t++) {
            for (int p = 0; p < maxPartitions; p++) {
                long a = address(shard, t, p);
                long offset = MEMORY.getLongVolatile(mem, a);
                long expected = check(offset, (a - base) >>> 4);
                if (MEMORY.getLongVolatile(mem, a + 8) == expected) {
                    continue;
                }
                if (undo.names(shard, t, p, offset)) {
                    // Torn by the kill between the offset and its check: the offset had landed, write its check.
                    if (repair) {
                        MEMORY.putLongRelease(mem, a + 8, expected);
                    }
                    continue;
                }
                throw new StoreException(Reason.CORRUPT, path, "applied offset of shard=" + shard + " topicIndex="
                    + t + " partition=" + p + " fails its check (offset=" + offset + "): damaged; delete the store "
                    + "directory to rebuild it from Kafka");
            }
        }
    }
}
