package io.freshet.store.internal;

import static io.freshet.core.internal.Memory.MEMORY;
import static io.freshet.store.internal.MetaFileDescriptor.U_CHECK;
import static io.freshet.store.internal.MetaFileDescriptor.U_EXISTED;
import static io.freshet.store.internal.MetaFileDescriptor.U_KEY_BYTES;
import static io.freshet.store.internal.MetaFileDescriptor.U_KEY_LENGTH;
import static io.freshet.store.internal.MetaFileDescriptor.U_LONG_KEY;
import static io.freshet.store.internal.MetaFileDescriptor.U_OFFSET;
import static io.freshet.store.internal.MetaFileDescriptor.U_PARTITION;
import static io.freshet.store.internal.MetaFileDescriptor.U_STATE;
import static io.freshet.store.internal.MetaFileDescriptor.U_TOPIC;
import static io.freshet.store.internal.MetaFileDescriptor.UNDO_ACTIVE;
import static io.freshet.store.internal.MetaFileDescriptor.UNDO_ADVANCE;
import static io.freshet.store.internal.MetaFileDescriptor.UNDO_IDLE;

import io.freshet.core.spi.RowBuffer;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The meta file's undo slots, one per shard ({@link MetaFileDescriptor}, "UNDO SLOTS"): the record that rolls back
 * the one apply a shard's writer may have in flight (DESIGN.md, "Crash safety without replaying Kafka"), or the one
 * offset advance (which changes no row, only an applied offset and its check: see {@link OffsetTable}).
 *
 * <p><b>The check.</b> A record's fields (topic, partition, offset, existed, key length, and the key: the numeric
 * key, or the text key's bytes) are folded into one word, {@link #check}, written with them before the state is
 * published: {@code h = (h + field) * K} per field, K odd, so that a change to any one field alone, or to the check,
 * is always detected (each step is a bijection of that field). A text key enters as its own fold of the same form
 * over its bytes, eight at a time ({@link #textKeyWord}; the last word masked to the key's length), so a change
 * confined to one 8-byte word of the key is detected with certainty too, and any other with probability 1 - 2^-64.
 * The state words {@code UNDO_ACTIVE} and {@code UNDO_ADVANCE} are patterns with every byte non-zero, so that a flip
 * cannot make an idle slot look active, or the reverse, and a slot in any other state is refused. A kill cannot tear
 * a record: the fields and the check are all written before the ordered store of the state, so a slot that says
 * ACTIVE has them all. The row image is not folded in: folding its bytes costs the apply several times the budget of
 * the checks (measured: see {@link MetaFileDescriptor}). With {@code StoreConfig.rowChecks} the image carries the
 * row's own check word instead ({@link #imageCheck}), which the rollback verifies.
 *
 * <p>Threading: a shard's slot is written only by that shard's writer thread (or by the opener during recovery).
 * Allocation: none.
 */
public final class UndoSlots {
    private final Path path;
    /** The meta file's memory base (null for absolute addresses). */
    private final Object mem;
    private final long base;
    private final int slotBytes;
    private final int maxKeyBytes;
    private final int rowImageOffset;
    private final int rowSizeBytes;
    /** Bytes an image copies from the slot: the row, or (row checks) the padded row and the slot's check word. */
    private final int imageBytes;
    /** Offset of an image's check word in an undo slot (row checks), else -1. */
    private final int imageCheckOffset;
    /** Bytes before the row in an image: the check word (row checks, as in the table's slot), else none. */
    private final int imageLead;

    UndoSlots(Path path, Object mem, long fileAddress, MetaFileDescriptor.Geometry g) {
        this.mem = mem;
        this.path = path;
        this.base = fileAddress + g.undoOffset;
        this.slotBytes = g.undoSlotBytes;
        this.maxKeyBytes = g.maxKeyBytes;
        this.rowImageOffset = U_KEY_BYTES + g.keyFieldBytes;
        this.rowSizeBytes = g.rowSizeBytes;
        this.imageBytes = g.imageBytes;
        this.imageCheckOffset = g.rowChecks ? rowImageOffset : -1;
        this.imageLead = g.rowChecks ? 8 : 0;
    }

    /** @return the meta file */
    public Path path() {
        return path;
    }

    /**
     * @param shard shard
     * @return the check word the row image was saved with (row checks only: the slot's check when the apply began)
     */
    public long imageCheck(int shard) {
        return MEMORY.getLong(mem, slot(shard) + imageCheckOffset);
    }

    /** @return address of the shard's undo slot */
    private long slot(int shard) {
        return base + (long) shard * slotBytes;
    }

    /**
     * Publishes the undo record of an apply: every field plain, then the state ACTIVE with release order, then a
     * store-store fence so that no later row write can become visible before the record.
     *
     * @param shard shard
     * @param topicIndex topic index or NO_SOURCE
     * @param partition partition
     * @param offset the record's offset
     * @param longKey numeric key (LONG key type)
     * @param keyBytes UTF-8 key (TEXT key type) or null
     * @param keyLength its length
     * @param oldRow the row before the apply, or null when the key is new
     */
    public void record(int shard, int topicIndex, int partition, long offset, long longKey, byte[] keyBytes,
        int keyLength, RowBuffer oldRow) {
        long u = slot(shard);
        MEMORY.putInt(mem, u + U_TOPIC, topicIndex);
        MEMORY.putInt(mem, u + U_PARTITION, partition);
        MEMORY.putLong(mem, u + U_OFFSET, offset);
        MEMORY.putLong(mem, u + U_EXISTED, oldRow == null ? 0 : 1);
        if (keyBytes == null) {
            MEMORY.putInt(mem, u + U_KEY_LENGTH, -1);
            MEMORY.putLong(mem, u + U_LONG_KEY, longKey);
        } else {
            MEMORY.putInt(mem, u + U_KEY_LENGTH, keyLength);
            MEMORY.copyFromBytes(keyBytes, 0, mem, u + U_KEY_BYTES, keyLength);
        }
        if (ApplyChecks.enabled) {
            MEMORY.putLong(mem, u + U_CHECK, check(topicIndex, partition, offset, oldRow == null ? 0 : 1,
                keyBytes == null ? -1 : keyLength, keyBytes == null ? longKey : textKeyWord(u, keyLength)));
        }
        if (oldRow != null) {
            // With row checks the copy starts at the slot's check word, just before the row: the image's check.
            MEMORY.copy(oldRow.base(), oldRow.address() - imageLead, mem, u + rowImageOffset, imageBytes);
        }
        MEMORY.putLongRelease(mem, u + U_STATE, UNDO_ACTIVE);
        VarHandle.releaseFence();
    }

    /**
     * Publishes an offset advance (no row changes) before the offset is stored, so that recovery can tell an entry
     * torn by a kill from a damaged one ({@link OffsetTable}).
     *
     * @param shard shard
     * @param topicIndex topic index
     * @param partition partition
     * @param offset the new applied offset
     */
    public void recordAdvance(int shard, int topicIndex, int partition, long offset) {
        long u = slot(shard);
        MEMORY.putInt(mem, u + U_TOPIC, topicIndex);
        MEMORY.putInt(mem, u + U_PARTITION, partition);
        MEMORY.putLong(mem, u + U_OFFSET, offset);
        // An advance names no key: the key length says "numeric", so that its check folds no text key bytes.
        MEMORY.putInt(mem, u + U_KEY_LENGTH, -1);
        MEMORY.putLong(mem, u + U_CHECK, check(topicIndex, partition, offset, MEMORY.getLong(mem, u + U_EXISTED), -1,
            MEMORY.getLong(mem, u + U_LONG_KEY)));
        MEMORY.putLongRelease(mem, u + U_STATE, UNDO_ADVANCE);
    }

    private static final long SEED = 0x756e_646f_6368_6b31L;
    private static final long MIX = 0x9E37_79B9_7F4A_7C15L;

    private static final long KEY_SEED = 0x7465_7874_6b65_7931L;

    /**
     * The text key's part of the check, folded from the key bytes as the slot holds them: whole 8-byte words, then
     * the last partial word with the bytes past the key's length masked off (they may hold an older, longer key).
     *
     * @param u the slot's address
     * @param keyLength the key's length, 0..maxKeyBytes (the key field is a whole number of words)
     * @return the fold
     */
    private long textKeyWord(long u, int keyLength) {
        long h = KEY_SEED;
        long a = u + U_KEY_BYTES;
        int i = 0;
        for (; i + 8 <= keyLength; i += 8) {
            h = (h + MEMORY.getLong(mem, a + i)) * MIX;
        }
        if (i < keyLength) {
            long tailMask = -1L >>> ((8 - (keyLength - i)) << 3);
            h = (h + (MEMORY.getLong(mem, a + i) & tailMask)) * MIX;
        }
        return h;
    }

    /** The record's check: each field folded in by a bijective step (see the class comment). */
    static long check(int topicIndex, int partition, long offset, long existed, int keyLength, long longKey) {
        long h = (SEED + (((long) topicIndex << 32) | (partition & 0xffff_ffffL))) * MIX;
        h = (h + offset) * MIX;
        h = (h + ((existed << 32) | (keyLength & 0xffff_ffffL))) * MIX;
        return (h + longKey) * MIX;
    }

    /**
     * Checks a killed writer's slot: its state is one of the three, and an in-flight record matches its check.
     *
     * @param shard shard
     * @throws StoreException CORRUPT naming the shard
     */
    public void verify(int shard) {
        long u = slot(shard);
        long state = MEMORY.getLongVolatile(mem, u + U_STATE);
        if (state == UNDO_IDLE) {
            return;
        }
        if (state != UNDO_ACTIVE && state != UNDO_ADVANCE) {
            throw new StoreException(Reason.CORRUPT, path, "undo slot of shard=" + shard + " has state=0x"
                + Long.toHexString(state) + ": damaged; delete the store directory to rebuild it from Kafka");
        }
        int keyLength = MEMORY.getInt(mem, u + U_KEY_LENGTH);
        if (keyLength < -1 || keyLength > maxKeyBytes) {
            throw new StoreException(Reason.CORRUPT, path, "undo slot of shard=" + shard + " has keyLength="
                + keyLength + " outside -1.." + maxKeyBytes + ": damaged; delete the store directory to rebuild it "
                + "from Kafka");
        }
        long key = keyLength < 0 ? MEMORY.getLong(mem, u + U_LONG_KEY) : textKeyWord(u, keyLength);
        if (MEMORY.getLong(mem, u + U_CHECK) != check(MEMORY.getInt(mem, u + U_TOPIC),
            MEMORY.getInt(mem, u + U_PARTITION), MEMORY.getLong(mem, u + U_OFFSET), MEMORY.getLong(mem, u + U_EXISTED),
            keyLength, key)) {
            throw new StoreException(Reason.CORRUPT, path, "undo slot of shard=" + shard + " fails its check: "
                + "damaged; delete the store directory to rebuild it from Kafka");
        }
    }

    /**
     * @param shard shard
     * @return whether an offset advance was in flight when the last writer stopped
     */
    public boolean advancing(int shard) {
        return MEMORY.getLongVolatile(mem, slot(shard) + U_STATE) == UNDO_ADVANCE;
    }

    /**
     * @return whether the shard's slot is in flight (ACTIVE or ADVANCE) for this topic, partition and offset: the
     *     one entry a kill may have left with its offset stored and its check not yet
     */
    boolean names(int shard, int topicIndex, int partition, long offset) {
        long u = slot(shard);
        long state = MEMORY.getLongVolatile(mem, u + U_STATE);
        return (state == UNDO_ACTIVE || state == UNDO_ADVANCE) && MEMORY.getInt(mem, u + U_TOPIC) == topicIndex
            && MEMORY.getInt(mem, u + U_PARTITION) == partition && MEMORY.getLong(mem, u + U_OFFSET) == offset;
    }

    /**
     * Ends an apply: marks the undo slot idle with release order (after the offset store that preceded it).
     *
     * @param shard shard
     */
    public void clear(int shard) {
        MEMORY.putLongRelease(mem, slot(shard) + U_STATE, UNDO_IDLE);
    }

    /**
     * Zeroes the key and the row image of an idle slot (after a delete: the deleted entity's key and last row must not
     * stay in the meta file until the shard's next apply overwrites them). Nothing reads an idle slot's fields.
     *
     * @param shard shard
     */
    public void wipe(int shard) {
        long u = slot(shard);
        MEMORY.putLong(mem, u + U_LONG_KEY, 0);
        MEMORY.fill(mem, u + U_KEY_BYTES, rowImageOffset - U_KEY_BYTES + imageBytes, (byte) 0);
    }

    /**
     * @param shard shard
     * @return whether an apply was in flight when the last writer stopped
     */
    public boolean active(int shard) {
        return MEMORY.getLongVolatile(mem, slot(shard) + U_STATE) == UNDO_ACTIVE;
    }

    /**
     * @param shard shard
     * @return the in-flight record's topic index
     */
    public int topic(int shard) {
        return MEMORY.getInt(mem, slot(shard) + U_TOPIC);
    }

    /**
     * @param shard shard
     * @return the in-flight record's partition
     */
    public int partition(int shard) {
        return MEMORY.getInt(mem, slot(shard) + U_PARTITION);
    }

    /**
     * @param shard shard
     * @return the in-flight record's offset
     */
    public long offset(int shard) {
        return MEMORY.getLong(mem, slot(shard) + U_OFFSET);
    }

    /**
     * @param shard shard
     * @return whether the key had a row before the in-flight apply
     */
    public boolean existed(int shard) {
        return MEMORY.getLong(mem, slot(shard) + U_EXISTED) != 0;
    }

    /**
     * @param shard shard
     * @return the numeric key
     */
    public long longKey(int shard) {
        return MEMORY.getLong(mem, slot(shard) + U_LONG_KEY);
    }

    /**
     * @param shard shard
     * @param dst receives the text key's UTF-8 bytes
     * @return the key length
     * @throws StoreException CORRUPT when the stored length is out of range
     */
    public int keyBytes(int shard, byte[] dst) {
        int len = MEMORY.getInt(mem, slot(shard) + U_KEY_LENGTH);
        if (len < 0 || len > maxKeyBytes || len > dst.length) {
            throw new StoreException(Reason.CORRUPT, path, "undo slot of shard=" + shard + " has keyLength=" + len
                + " outside 0.." + maxKeyBytes);
        }
        MEMORY.copyToBytes(mem, slot(shard) + U_KEY_BYTES, dst, 0, len);
        return len;
    }

    /**
     * @param shard shard
     * @param view wrapped over the row image saved in the undo slot
     * @return the view
     */
    public RowBuffer rowImage(int shard, RowBuffer view) {
        return view.wrap(mem, slot(shard) + rowImageOffset + imageLead, rowSizeBytes);
    }
}
