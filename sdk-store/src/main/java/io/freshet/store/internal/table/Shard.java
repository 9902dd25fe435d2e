package io.freshet.store.internal.table;

import static io.freshet.core.internal.Memory.MEMORY;

import io.freshet.core.KeyType;
import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowVisitor;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * One shard's sub-table: a compact open-addressing index of 4-byte entries (a hash tag above slot + 1) in front of
 * dense row slots and an array of seqlock version words, one per four slots, all in the mapped data file.
 *
 * <p>Readers (any thread, any process) probe without locks: an entry is read with acquire, a slot under the seqlock
 * word that guards it (version acquire, key and row plain, load fence, version again). Entries move only during a
 * backward-shift deletion, which the writer brackets with the shard's structure seqlock: a reader that found nothing
 * re-checks it and retries when it changed, so a key that moved past it during its probe is never reported absent.
 * A found row needs no such check: its own seqlock and key prove it.
 *
 * <p>Writer side (the shard's single writer thread, or the opener during recovery): probes with plain loads and
 * publishes with ordered stores; keeps the free-slot bitmap on the heap (rebuilt from the index at open).
 *
 * <p>Allocation: none on the read and apply paths.
 */
final class Shard {
    static final int ABSENT = 0;
    static final int FOUND = 1;
    static final int BUSY = 2;


    final int id;
    final long control;
    final long entries;
    final long slots;
    final int rowOffset;
    final int rowBytes;
    final int slotBits;
    private final int slotMask;
    private final boolean textKeys;
    private final int maxKeyBytes;
    private final MappedRegion index;
    private final MappedRegion versions;
    private final MappedRegion rows;
    /*
     * Base addresses of the regions when each is a single mapping (-1 otherwise: a region over 1 GiB): an address is
     * then one field load and a multiply-add, instead of a walk through the region's table of mappings, which on a
     * cached look-up cost as much as the probe itself.
     */
    private final long indexBase;
    /* The memory bases of the control block and the three regions (null under Unsafe, a segment otherwise). */
    private final Object head;
    private final Object indexMem;
    private final Object versionMem;
    private final Object rowMem;
    private final long versionBase;
    private final long rowBase;
    private final long slotBytes;
    /** Whether slots end with a check word ({@link RowCheck}), and its offset in a slot. */
    final boolean rowChecks;
    private final int checkOffset;
    /** Bytes a copy of a slot moves: key and row, and the check word with row checks. */
    private final int copyBytes;
    /** Whether the guarded control words carry their check ({@link TableFormat#guardControl}). */
    private final boolean controlChecks;
    final Path path;

    // Writer-side state, owned by the shard's writer thread.
    private long[] used;
    private long cursor;
    private long count;
    private long foundSlot;
    /** The snapshot copying this shard's rows, or null: a deletion copies the row to it first. */
    private ShardSnapshot snapshot;
    /** Slots whose check failed at the open's scan, re-checked after the rollback of in-flight applies (opener). */
    private long[] suspects = new long[0];
    /** Slots no entry names whose check holds, found by the open's scan, resolved after the rollback (opener). */
    private long[] orphans = new long[0];

    Shard(TableFile file, int id) {
        TableFormat f = file.format();
        this.id = id;
        this.control = file.control(id);
        this.entries = f.indexEntriesPerShard;
        this.slots = f.slotsPerShard;
        this.rowOffset = f.rowOffsetInSlot;
        this.rowBytes = f.rowSizeBytes;
        this.slotBits = f.slotBits;
        this.slotMask = (int) ((1L << f.slotBits) - 1);
        this.textKeys = f.keyType == KeyType.TEXT;
        this.maxKeyBytes = f.maxKeyBytes;
        this.index = file.index(id);
        this.versions = file.versions(id);
        this.rows = file.rows(id);
        this.head = file.headMem();
        this.indexMem = index.base();
        this.versionMem = versions.base();
        this.rowMem = rows.base();
        this.indexBase = singleBase(index);
        this.versionBase = singleBase(versions);
        this.rowBase = singleBase(rows);
        this.slotBytes = f.slotBytes;
        this.rowChecks = f.rowChecks;
        this.checkOffset = f.checkOffsetInSlot;
        this.copyBytes = f.rowChecks ? f.slotBytes : f.rowOffsetInSlot + f.rowSizeBytes;
        this.controlChecks = file.controlChecks();
        this.path = file.path();
    }

    private static long singleBase(MappedRegion r) {
        return r.chunks() == 1 ? r.address(0) : -1;
    }

    long indexAddress(long p) {
        return indexBase >= 0 ? indexBase + (p << 2) : index.address(p);
    }

    static long home(int h32, long entries) {
        return ((h32 & 0xFFFFFFFFL) * entries) >>> 32;
    }

    private long next(long p) {
        long n = p + 1;
        return n == entries ? 0 : n;
    }

    /** @return the memory base of {@link #slotAddress} (null under Unsafe) */
    Object rowMem() {
        return rowMem;
    }

    /** @return the memory base of {@link #versionAddress} */
    Object versionMem() {
        return versionMem;
    }

    /** @return the memory base of {@link #indexAddress} */
    Object indexMem() {
        return indexMem;
    }

    long slotAddress(long slot) {
        return rowBase >= 0 ? rowBase + slot * slotBytes : rows.address(slot);
    }

    /** @return the address of the seqlock word that guards a slot */
    long versionAddress(long slot) {
        long w = slot >>> TableFormat.SLOTS_PER_VERSION_SHIFT;
        return versionBase >= 0 ? versionBase + (w << 3) : versions.address(w);
    }

    /** @return the index entry of a key of this hash in a slot */
    int entry(long hash, long slot) {
        return ((int) hash >>> slotBits) << slotBits | (int) (slot + 1);
    }

    /** @return whether the entry's tag is the one of this hash */
    private boolean tagMatches(int e, long hash) {
        return ((e ^ (int) hash) >>> slotBits) == 0;
    }

    long slotOf(int e) {
        long slot = (e & slotMask) - 1L;
        if (slot < 0 || slot >= slots) {
            throw new StoreException(Reason.CORRUPT, path, "shard=" + id + " index entry 0x" + Integer.toHexString(e)
                + " names slot=" + slot + " outside 0.." + (slots - 1));
        }
        return slot;
    }

    /** @return the structure version (acquire) */
    long structVersion() {
        return MEMORY.getLongVolatile(head, control + TableFormat.C_STRUCT_VERSION);
    }

    /** @return the row count as last published by the writer (acquire) */
    long publishedCount() {
        return MEMORY.getLongVolatile(head, control + TableFormat.C_COUNT);
    }

    // ---- growth control words (TableFormat: supersededBy in the old file, the rest in the new) ---------------------

    /** @return the word of a guarded control field to store for {@code value} */
    private long guarded(long value, int field) {
        return controlChecks ? TableFormat.guardControl(value, id, field) : value;
    }

    /** @return the generation this shard's rows moved to, or 0 (acquire) */
    long supersededBy() {
        return TableFormat.controlValue(MEMORY.getLongVolatile(head, control + TableFormat.C_SUPERSEDED_BY));
    }

    /** Records that this shard's writer moved to another generation (release; its writer never writes here again). */
    void markSuperseded(int generation) {
        MEMORY.putLongRelease(head, control + TableFormat.C_SUPERSEDED_BY,
            guarded(generation, TableFormat.C_SUPERSEDED_BY));
    }

    /** @return this shard's growState: GROW_NOT_STARTED, GROW_MIGRATING or GROW_DONE (acquire) */
    long growState() {
        return TableFormat.controlValue(MEMORY.getLongVolatile(head, control + TableFormat.C_GROW_STATE));
    }

    /** Sets this shard's growState (release). */
    void setGrowState(long state) {
        MEMORY.putLongRelease(head, control + TableFormat.C_GROW_STATE, guarded(state, TableFormat.C_GROW_STATE));
    }

    /** @return the next index position of the previous generation's shard to copy (writer or opener) */
    long migrateCursor() {
        return TableFormat.controlValue(MEMORY.getLong(head, control + TableFormat.C_MIGRATE_CURSOR));
    }

    /**
     * Opener, before anything reads the control words: each guarded word must hold its check (a file with
     * controlChecks). A kill cannot tear one (each is one 8-byte store), so a failing word was damaged.
     *
     * @throws StoreException CORRUPT naming the shard and the field
     */
    void verifyControlWords() {
        if (!controlChecks) {
            return;
        }
        verifyControlWord(TableFormat.C_SHIFT_HOLE, "shiftHole");
        verifyControlWord(TableFormat.C_SUPERSEDED_BY, "supersededBy");
        verifyControlWord(TableFormat.C_GROW_STATE, "growState");
        verifyControlWord(TableFormat.C_MIGRATE_CURSOR, "migrateCursor");
    }

    private void verifyControlWord(int field, String name) {
        long word = MEMORY.getLongVolatile(head, control + field);
        if (TableFormat.guardControl(TableFormat.controlValue(word), id, field) != word) {
            throw new StoreException(Reason.CORRUPT, path, "shard=" + id + " control word " + name + "=0x"
                + Long.toHexString(word) + " fails its check: the data file was damaged while the store was down; "
                + "delete the store directory to rebuild it from Kafka");
        }
    }

    /**
     * Records migration progress (release): the rows of this shard's key set (its own plus the old shard's not yet
     * copied) as one word, then the copy cursor. One word, because {@code size()} in another thread must not add two
     * counts published apart: a copy moves a row from one to the other.
     */
    void recordMigration(long cursor, long oldPending) {
        publishRowsWhileGrowing(oldPending);
        MEMORY.putLongRelease(head, control + TableFormat.C_MIGRATE_CURSOR,
            guarded(cursor, TableFormat.C_MIGRATE_CURSOR));
    }

    /** Publishes the rows of this shard's key set while it grows (writer: after an insert, a copy changes nothing). */
    void publishRowsWhileGrowing(long oldPending) {
        MEMORY.putLongRelease(head, control + TableFormat.C_ROWS_WHILE_GROWING, count + oldPending);
    }

    /** @return rows of this shard's key set while it grows, as last published by the writer (acquire) */
    long publishedRowsWhileGrowing() {
        return MEMORY.getLongVolatile(head, control + TableFormat.C_ROWS_WHILE_GROWING);
    }

    /**
     * Finds, in this shard, the key stored in a slot of another generation's shard (writer or opener).
     *
     * @param other the previous generation's shard
     * @param otherSlot the slot holding the key there
     * @param hash the key's hash
     * @return the index position of the key, or {@code -(emptyPosition + 1)} when absent
     */
    long findKeyOf(Shard other, long otherSlot, long hash) {
        long src = other.slotAddress(otherSlot);
        long p = home((int) (hash >>> 32), entries);
        while (true) {
            int e = MEMORY.getInt(indexMem, indexAddress(p));
            if (e == 0) {
                return -(p + 1);
            }
            if (tagMatches(e, hash)) {
                long slot = slotOf(e);
                if (sameKey(slotAddress(slot), other.rowMem, src)) {
                    foundSlot = slot;
                    return p;
                }
            }
            p = next(p);
        }
    }

    private boolean sameKey(long a, Object otherMem, long b) {
        if (!textKeys) {
            return MEMORY.getLong(rowMem, a + TableFormat.S_KEY) == MEMORY.getLong(otherMem, b + TableFormat.S_KEY);
        }
        int len = MEMORY.getInt(rowMem, a + TableFormat.S_KEY);
        if (len != MEMORY.getInt(otherMem, b + TableFormat.S_KEY)) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (MEMORY.getByte(rowMem, a + TableFormat.S_KEY + 8 + i) != MEMORY.getByte(otherMem,
                b + TableFormat.S_KEY + 8 + i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Copies a row (key and row bytes) of the previous generation's shard into a free slot of this one and publishes
     * it at the empty index position a look-up of its key ended on: the same one ordered store that inserts a key,
     * so a kill leaves the copy either absent or complete. The slot's version word is odd while its bytes change,
     * for a reader still holding the slot's former entry. (Writer, or opener; the caller checked for room.)
     *
     * @param other the previous generation's shard (never written after its writer moved)
     * @param otherSlot the row's slot there
     * @param hash its key's hash
     * @param negativePosition what {@link #findKeyOf} returned
     * @return the index position of the copy; {@link #foundSlot()} is its slot
     */
    long copyIn(Shard other, long otherSlot, long hash, long negativePosition) {
        long position = -negativePosition - 1;
        long slot = allocate();
        long va = versionAddress(slot);
        long v = MEMORY.getLong(versionMem, va) | 1;
        MEMORY.putLong(versionMem, va, v);
        VarHandle.releaseFence();
        // With row checks the check word comes along: the old generation's rows are never written again, so it holds.
        MEMORY.copy(other.rowMem, other.slotAddress(otherSlot), rowMem, slotAddress(slot), copyBytes);
        MEMORY.putLongRelease(versionMem, va, v + 1);
        publish(position, entry(hash, slot));
        foundSlot = slot;
        return position;
    }

    // ---- readers ---------------------------------------------------------------------------------------------

    // One bulk copy (a C2 intrinsic) instead of a loop of 8-byte moves: fewer instructions per read leave the CPU room
    // to overlap the cache misses of successive reads (measured by TableReadFloor: about 5% on uniform reads). Its
    // moves need not be atomic: the seqlock re-check after it discards a copy the writer changed.
    private void copyRow(long src, RowBuffer into, int rowBytes) {
        MEMORY.copy(rowMem, src, into.base(), into.address(), rowBytes);
    }

    /** Copies the row of the slot at {@code a} into {@code into}, or shows it in place to a visitor. */
    private void show(long a, RowBuffer into, RowVisitor visitor) {
        if (visitor == null) {
            copyRow(a + rowOffset, into, rowBytes);
        } else {
            visitor.visit(visitor.view().wrap(rowMem, a + rowOffset, rowBytes));
        }
    }

    /**
     * One lock-free probe for a numeric key: FOUND, ABSENT, or BUSY (retry). A found row is copied into {@code into}
     * or, when {@code visitor} is not null, shown to the visitor in place; either runs between the two version loads,
     * so a row a writer changed meanwhile is copied or visited again by the caller's retry.
     */
    int readLong(long key, long hash, RowBuffer into, RowVisitor visitor) {
        long p = home((int) (hash >>> 32), entries);
        for (long probes = 0; probes < entries; probes++) {
            int e = MEMORY.getIntVolatile(indexMem, indexAddress(p));
            if (e == 0) {
                return ABSENT;
            }
            if (tagMatches(e, hash)) {
                long slot = slotOf(e);
                long va = versionAddress(slot);
                long a = slotAddress(slot);
                long v = MEMORY.getLongVolatile(versionMem, va);
                if ((v & 1) != 0) {
                    return BUSY;
                }
                boolean match = MEMORY.getLong(rowMem, a + TableFormat.S_KEY) == key;
                if (match) {
                    show(a, into, visitor);
                }
                VarHandle.acquireFence();
                if (MEMORY.getLong(versionMem, va) != v) {
                    return BUSY;
                }
                if (match) {
                    return FOUND;
                }
            }
            p = next(p);
        }
        return ABSENT;
    }

    /** {@link #readLong} for a text key of {@code utf8Length} bytes. */
    int readText(CharSequence key, int utf8Length, long hash, RowBuffer into, RowVisitor visitor) {
        long p = home((int) (hash >>> 32), entries);
        for (long probes = 0; probes < entries; probes++) {
            int e = MEMORY.getIntVolatile(indexMem, indexAddress(p));
            if (e == 0) {
                return ABSENT;
            }
            if (tagMatches(e, hash)) {
                long slot = slotOf(e);
                long va = versionAddress(slot);
                long a = slotAddress(slot);
                long v = MEMORY.getLongVolatile(versionMem, va);
                if ((v & 1) != 0) {
                    return BUSY;
                }
                boolean match = MEMORY.getInt(rowMem, a + TableFormat.S_KEY) == utf8Length
                    && Utf8.equals(key, rowMem, a + TableFormat.S_KEY + 8, utf8Length);
                if (match) {
                    show(a, into, visitor);
                }
                VarHandle.acquireFence();
                if (MEMORY.getLong(versionMem, va) != v) {
                    return BUSY;
                }
                if (match) {
                    return FOUND;
                }
            }
            p = next(p);
        }
        return ABSENT;
    }

    // ---- writer: lookups ---------------------------------------------------------------------------------------

    /** @return the index position of the key, or {@code -(emptyPosition + 1)} when absent */
    long findLong(long key, long hash) {
        long p = home((int) (hash >>> 32), entries);
        while (true) {
            int e = MEMORY.getInt(indexMem, indexAddress(p));
            if (e == 0) {
                return -(p + 1);
            }
            if (tagMatches(e, hash)) {
                long slot = slotOf(e);
                if (MEMORY.getLong(rowMem, slotAddress(slot) + TableFormat.S_KEY) == key) {
                    foundSlot = slot;
                    return p;
                }
            }
            p = next(p);
        }
    }

    /**
     * Reads what a look-up of a key of this hash reads first: its home index entry, and when that entry carries the
     * hash's tag, the slot's version word and every cache line of the slot. Changes nothing and never throws (a
     * damaged entry is left for the look-up to report). An applier calls it for each key of a batch before applying
     * any, so that the batch's cache misses overlap instead of following one another.
     *
     * @param hash the key's hash
     * @return a value of the memory read, which the caller must consume so that the reads are kept
     */
    long touch(long hash) {
        return touchSlot(touchEntry(hash), hash);
    }

    /**
     * The first half of {@link #touch}: reads the key's home index entry only. A batch reader calls it for every key
     * first, so that the index misses overlap, then {@link #touchSlot} for every key, so that the row misses do.
     * Changes nothing and never throws; callable from any thread while the shard is mapped.
     *
     * @param hash the key's hash
     * @return the home entry
     */
    int touchEntry(long hash) {
        return MEMORY.getInt(indexMem, indexAddress(home((int) (hash >>> 32), entries)));
    }

    /**
     * The second half of {@link #touch}: when the entry carries the hash's tag, reads the slot's version word and
     * every cache line of the slot. Changes nothing and never throws; callable from any thread while the shard is
     * mapped.
     *
     * @param e the key's home entry, as {@link #touchEntry} returned it
     * @param hash the key's hash
     * @return a value of the memory read, which the caller must consume so that the reads are kept
     */
    long touchSlot(int e, long hash) {
        long slot = (e & slotMask) - 1L;
        if (e == 0 || !tagMatches(e, hash) || slot < 0 || slot >= slots) {
            return e;
        }
        long v = MEMORY.getLong(versionMem, versionAddress(slot));
        long a = slotAddress(slot);
        long end = a + rowOffset + rowBytes;
        // Whole lines from the one holding the slot's first byte: that line lies in the same mapped page range.
        for (long line = a & ~63L; line < end; line += 64) {
            v += MEMORY.getLong(rowMem, line);
        }
        return v;
    }

    /** @return the index position of the UTF-8 key, or {@code -(emptyPosition + 1)} when absent */
    long findText(byte[] key, int length, long hash) {
        long p = home((int) (hash >>> 32), entries);
        while (true) {
            int e = MEMORY.getInt(indexMem, indexAddress(p));
            if (e == 0) {
                return -(p + 1);
            }
            if (tagMatches(e, hash)) {
                long slot = slotOf(e);
                if (textKeyEquals(slotAddress(slot), key, length)) {
                    foundSlot = slot;
                    return p;
                }
            }
            p = next(p);
        }
    }

    private boolean textKeyEquals(long slot, byte[] key, int length) {
        if (MEMORY.getInt(rowMem, slot + TableFormat.S_KEY) != length) {
            return false;
        }
        long a = slot + TableFormat.S_KEY + 8;
        for (int i = 0; i < length; i++) {
            if (MEMORY.getByte(rowMem, a + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    /** @return the slot of the key the last successful {@code findLong}/{@code findText} found (writer) */
    long foundSlot() {
        return foundSlot;
    }

    /** @return the slot named by the entry at index position {@code p} */
    long slotAt(long p) {
        return slotOf(MEMORY.getInt(indexMem, indexAddress(p)));
    }

    /**
     * @param p index position
     * @return the entry there (plain: the writer's view, or a quiescent store's)
     */
    int entryAt(long p) {
        return MEMORY.getInt(indexMem, indexAddress(p));
    }

    /** Writes a text key into a slot (writer, slot unpublished or its version word odd). */
    void putTextKey(long slot, byte[] key, int length) {
        MEMORY.putInt(rowMem, slot + TableFormat.S_KEY, length);
        MEMORY.putInt(rowMem, slot + TableFormat.S_KEY + 4, 0);
        MEMORY.copyFromBytes(key, 0, rowMem, slot + TableFormat.S_KEY + 8, length);
    }

    /**
     * The hash of the key stored in a slot (writer or opener). Entries hold only a tag of it, so moving an entry
     * during a deletion, and the open-time check, recompute it from the key.
     */
    long hashOfSlot(long slot) {
        long a = slotAddress(slot);
        if (!textKeys) {
            return Keys.hash(MEMORY.getLong(rowMem, a + TableFormat.S_KEY));
        }
        int len = MEMORY.getInt(rowMem, a + TableFormat.S_KEY);
        if (len < 0 || len > maxKeyBytes) {
            throw new StoreException(Reason.CORRUPT, path, "shard=" + id + " slot=" + slot + " keyLength=" + len
                + " outside 0.." + maxKeyBytes);
        }
        return Utf8.hash(rowMem, a + TableFormat.S_KEY + 8, len);
    }

    // ---- writer: structure ---------------------------------------------------------------------------------

    /** @return whether every slot is in use */
    boolean full() {
        return count >= slots;
    }

    /** @return rows (writer's count) */
    long count() {
        return count;
    }

    /**
     * Copies the writer's bitmap of used slots into {@code into} (a snapshot's rows to copy, taken at its point).
     *
     * @param into at least {@code ceil(slots / 64)} words
     */
    void copyUsedSlots(long[] into) {
        System.arraycopy(used, 0, into, 0, used.length);
    }

    /** @return words of the used-slot bitmap */
    int usedWords() {
        return TableFormat.bitmapWords(slots);
    }

    /** Sets or clears the snapshot a deletion must copy its row to first (the shard's writer thread). */
    void snapshot(ShardSnapshot s) {
        snapshot = s;
    }

    /** @return a free slot, marked used (the caller checked {@link #full()}) */
    long allocate() {
        final long words = used.length;
        long w = cursor;
        for (long scanned = 0; scanned <= words; scanned++) {
            long bits = used[(int) w];
            if (bits != -1L) {
                int bit = Long.numberOfTrailingZeros(~bits);
                long slot = (w << 6) + bit;
                if (slot < slots) {
                    used[(int) w] = bits | (1L << bit);
                    cursor = w;
                    return slot;
                }
            }
            w = w + 1 == words ? 0 : w + 1;
        }
        throw new IllegalStateException("shard=" + id + " has no free slot although count=" + count + " < slots="
            + slots);
    }

    /** Returns a slot that was allocated but never published (an aborted insert), or one that was deleted. */
    void release(long slot) {
        used[(int) (slot >>> 6)] &= ~(1L << (slot & 63));
    }

    /** Publishes a complete slot under an empty index position: the one atomic store that inserts a key. */
    void publish(long emptyPosition, int entry) {
        MEMORY.putIntRelease(indexMem, indexAddress(emptyPosition), entry);
        count++;
        MEMORY.putLongRelease(head, control + TableFormat.C_COUNT, count);
    }

    /**
     * Deletes the entry at index position {@code p} by backward shift, under the structure seqlock, logging the
     * moving hole so that a kill at any instruction is finished by {@link #finishInterruptedShift()}.
     */
    void deleteAt(long p) {
        long slot = slotAt(p);
        if (snapshot != null) {
            // Every deletion path (TTL, deletes) goes through here: the snapshot keeps the row as it was at its point.
            snapshot.beforeChange(slot);
        }
        long sv = MEMORY.getLong(head, control + TableFormat.C_STRUCT_VERSION);
        MEMORY.putLong(head, control + TableFormat.C_STRUCT_VERSION, sv | 1);
        MEMORY.putLong(head, control + TableFormat.C_SHIFT_HOLE, guarded(p + 1, TableFormat.C_SHIFT_HOLE));
        VarHandle.releaseFence();
        shiftFrom(p);
        MEMORY.putLongRelease(head, control + TableFormat.C_STRUCT_VERSION, (sv | 1) + 1);
        release(slot);
        count--;
        MEMORY.putLongRelease(head, control + TableFormat.C_COUNT, count);
    }

    /**
     * Zeroes a slot whose key was deleted (its index entry gone, the slot released, not yet reused): key and row bytes,
     * so that a deleted entity's data does not linger in the file until the slot is reused. Under the slot's seqlock
     * word, odd while the bytes change, for a reader that still holds the slot's former entry (it then finds another
     * key and goes on probing). Writer only.
     *
     * @param slot the slot
     */
    void wipeSlot(long slot) {
        long va = versionAddress(slot);
        long v = MEMORY.getLong(versionMem, va) | 1;
        MEMORY.putLong(versionMem, va, v);
        VarHandle.releaseFence();
        MEMORY.fill(rowMem, slotAddress(slot), copyBytes, (byte) 0);
        MEMORY.putLongRelease(versionMem, va, v + 1);
    }

    // ---- row checks (StoreConfig.rowChecks; RowCheck) -----------------------------------------------------------

    /** @return the check of the key and row of the slot at address {@code a} as they are now */
    long computeCheck(long a) {
        return RowCheck.of(rowMem, a, textKeys, maxKeyBytes, rowOffset, rowBytes);
    }

    /** Writes the check of the slot at address {@code a} (writer or opener, the slot's version word odd). */
    void writeCheck(long a) {
        MEMORY.putLong(rowMem, a + checkOffset, computeCheck(a));
    }

    /** Writes a given check word into the slot at address {@code a} (recovery, after verifying it). */
    void putCheck(long a, long check) {
        MEMORY.putLong(rowMem, a + checkOffset, check);
    }

    /** Zeroes the check word of a slot no entry names any more (a TTL eviction, a rolled-back insert). */
    void clearCheck(long slot) {
        MEMORY.putLong(rowMem, slotAddress(slot) + checkOffset, 0);
    }

    /**
     * Before a TTL eviction removes the slot's entry: its check word becomes the complement of the check, so that a
     * slot no entry names never carries a check that holds (a kill between the removal and {@link #clearCheck} would
     * otherwise leave one, indistinguishable from a key whose entry was damaged away), and a kill before the removal
     * leaves a named slot that {@link #verifySuspects} recognises as an interrupted eviction and heals.
     */
    void markEvicting(long slot) {
        long a = slotAddress(slot);
        MEMORY.putLong(rowMem, a + checkOffset, ~computeCheck(a));
    }

    /** @return the slot's check word as stored */
    long checkWord(long slot) {
        return MEMORY.getLong(rowMem, slotAddress(slot) + checkOffset);
    }

    /** @return whether the slot's check word matches its key and row */
    boolean checkHolds(long slot) {
        long a = slotAddress(slot);
        return MEMORY.getLong(rowMem, a + checkOffset) == computeCheck(a);
    }

    /** @return the slot's key for an error message: the number, or the length of a text key (never its bytes) */
    String describeKey(long slot) {
        long a = slotAddress(slot);
        return textKeys ? "a text key of " + MEMORY.getInt(rowMem, a + TableFormat.S_KEY) + " bytes"
            : "key=" + MEMORY.getLong(rowMem, a + TableFormat.S_KEY);
    }

    /**
     * Recovery, after every in-flight apply was rolled back: each slot whose check failed at the scan must now be
     * free (its insert rolled back) or hold (its row restored from the undo image, which rewrote the check). Any
     * other is a row damaged on disk.
     *
     * @throws StoreException CORRUPT naming the shard, slot and key
     */
    void verifySuspects() {
        for (long slot : suspects) {
            boolean inUse = (used[(int) (slot >>> 6)] & (1L << (slot & 63))) != 0;
            long a = slotAddress(slot);
            if (inUse && MEMORY.getLong(rowMem, a + checkOffset) == ~computeCheck(a)) {
                // A TTL eviction the kill interrupted before it removed the entry: the row stays (TTL evicts it
                // again), with its check back.
                writeCheck(a);
            } else if (inUse && !checkHolds(slot)) {
                throw new StoreException(Reason.CORRUPT, path, "shard=" + id + " slot=" + slot + " ("
                    + describeKey(slot) + ") fails its row check: the row was damaged while the store was down; "
                    + "delete the store directory to rebuild it from Kafka");
            }
        }
        suspects = new long[0];
    }

    /**
     * Recovery, after every in-flight apply was rolled back and before the undo records are cleared: each slot that no
     * index entry named at the scan although its check held must be explained by the one operation a kill
     * interrupted, and then loses its check (so that a later recovery does not meet it again): its key is named now
     * (a delete rolled back into another slot, a growth copy whose source is still in the other generation, a
     * restore's slot), or it is the key whose apply the rollback just undid (an insert killed before its entry was
     * published). Any other is a key whose index entry was damaged while the store was down.
     *
     * @param other the shard of the same number in the other generation during a growth, else null
     * @param rolledBack whether a slot of this shard holds the key of the apply rolled back in this shard
     * @throws StoreException CORRUPT naming the shard, slot and key
     */
    void resolveOrphans(Shard other, java.util.function.LongPredicate rolledBack) {
        for (long slot : orphans) {
            boolean inUse = (used[(int) (slot >>> 6)] & (1L << (slot & 63))) != 0;
            if (inUse || !checkHolds(slot)) {
                continue;
            }
            long hash = hashOfSlot(slot);
            boolean named = findKeyOf(this, slot, hash) >= 0
                || (other != null && other.findKeyOf(this, slot, hash) >= 0);
            if (!named && !rolledBack.test(slot)) {
                throw new StoreException(Reason.CORRUPT, path, "shard=" + id + " slot=" + slot + " ("
                    + describeKey(slot) + ") holds a row whose check holds but no index entry names it: the index "
                    + "was damaged while the store was down; delete the store directory to rebuild it from Kafka");
            }
            clearCheck(slot);
        }
        orphans = new long[0];
    }

    /** @return whether the slot's key is the given numeric key, or the given UTF-8 text key */
    boolean slotHoldsKey(long slot, long longKey, byte[] textKey, int textKeyLength) {
        long a = slotAddress(slot);
        return textKeys ? textKey != null && textKeyEquals(a, textKey, textKeyLength)
            : MEMORY.getLong(rowMem, a + TableFormat.S_KEY) == longKey;
    }

    /**
     * Moves the hole at {@code hole} forward to the end of its cluster (Knuth's algorithm R for linear probing). An
     * entry after the hole whose home is cyclically in {@code (hole, its position]} stays where it is: in the hole it
     * would sit before its home. The scan goes on past it, because an entry further on may still have its home at or
     * before the hole, and would be cut off from its home by the empty entry if the shift ended early. Any other entry
     * moves into the hole, and the hole to where it was. Each move copies the entry into the hole before the logged
     * hole moves on, so re-running from the logged hole after a kill skips the same entries again and repeats at most
     * one copy of the same entry.
     */
    private void shiftFrom(long hole) {
        long i = hole;
        long j = next(i);
        while (true) {
            int e = MEMORY.getInt(indexMem, indexAddress(j));
            if (e == 0) {
                break;
            }
            long h = home((int) (hashOfSlot(slotOf(e)) >>> 32), entries);
            long distJ = j >= h ? j - h : j + entries - h;
            long distHole = j >= i ? j - i : j + entries - i;
            if (distJ >= distHole) {
                MEMORY.putInt(indexMem, indexAddress(i), e);
                VarHandle.releaseFence();
                MEMORY.putLong(head, control + TableFormat.C_SHIFT_HOLE, guarded(j + 1, TableFormat.C_SHIFT_HOLE));
                VarHandle.releaseFence();
                i = j;
            }
            j = next(j);
        }
        MEMORY.putInt(indexMem, indexAddress(i), 0);
        VarHandle.releaseFence();
        MEMORY.putLongRelease(head, control + TableFormat.C_SHIFT_HOLE, 0);
    }

    /**
     * Recovery: finishes a backward shift a killed writer left half done (idempotent) and makes the structure
     * version even.
     *
     * @return whether a shift was finished
     */
    boolean finishInterruptedShift() {
        long hole = TableFormat.controlValue(MEMORY.getLong(head, control + TableFormat.C_SHIFT_HOLE));
        boolean finished = false;
        if (hole != 0) {
            if (hole < 1 || hole > entries) {
                throw new StoreException(Reason.CORRUPT, path, "shard=" + id + " shiftHole=" + hole + " outside 1.."
                    + entries);
            }
            shiftFrom(hole - 1);
            finished = true;
        }
        long sv = MEMORY.getLong(head, control + TableFormat.C_STRUCT_VERSION);
        if ((sv & 1) != 0) {
            MEMORY.putLongRelease(head, control + TableFormat.C_STRUCT_VERSION, sv + 1);
        }
        return finished;
    }

    /**
     * Recovery, after every in-flight apply was rolled back: makes each version word that a killed writer left odd
     * even again (a word can stay odd over a slot whose insert never got published, and it also guards three other
     * rows, whose readers would otherwise wait forever). Sequential over 2 bytes per slot.
     *
     * @return how many words were odd
     */
    long evenOutVersions() {
        long odd = 0;
        long words = versions.elements();
        for (long w = 0; w < words; w++) {
            long a = versions.address(w);
            long v = MEMORY.getLong(versionMem, a);
            if ((v & 1) != 0) {
                MEMORY.putLongRelease(versionMem, a, v + 1);
                odd++;
            }
        }
        return odd;
    }

    /**
     * Scans the whole index at open ({@link ShardIndexScan}): checks every entry, and the keys unless a verified seal
     * already covers them, then adopts the free-slot bitmap and the count the scan built and publishes the count.
     *
     * @param checkKeys whether to check that each slot's key hashes to its entry's tag
     * @throws StoreException CORRUPT on the first broken invariant
     */
    void rebuild(boolean checkKeys) {
        ShardIndexScan scan = new ShardIndexScan(this);
        scan.run(checkKeys);
        used = scan.used;
        count = scan.count;
        suspects = scan.suspects();
        orphans = scan.orphans();
        cursor = 0;
        MEMORY.putLongRelease(head, control + TableFormat.C_COUNT, count);
    }
}
