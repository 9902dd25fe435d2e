package io.freshet.store.internal.table;

import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

import io.freshet.core.internal.Fingerprint;
import io.freshet.core.internal.UnsafeAccess;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.StoreException;
import io.freshet.core.spi.StoreException.Reason;
import java.nio.file.Path;

/**
 * One shard's sub-table: a compact open-addressing index of 8-byte entries ({@code hash >>> 32} in the high half,
 * slot + 1 in the low half) in front of dense row slots, both in the mapped data file.
 *
 * <p>Readers (any thread, any process) probe without locks: an entry is read with acquire, a slot with the per-slot
 * seqlock (version acquire, key and row plain, load fence, version again). Entries move only during a
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

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    final int id;
    final long control;
    final long entries;
    final long slots;
    final int rowOffset;
    final int rowBytes;
    private final MappedRegion index;
    private final MappedRegion rows;
    private final Path path;

    // Writer-side state, owned by the shard's writer thread.
    private long[] used;
    private long cursor;
    private long count;

    Shard(TableFile file, int id) {
        TableFormat f = file.format();
        this.id = id;
        this.control = file.control(id);
        this.entries = f.indexEntriesPerShard;
        this.slots = f.slotsPerShard;
        this.rowOffset = f.rowOffsetInSlot;
        this.rowBytes = f.rowSizeBytes;
        this.index = file.index(id);
        this.rows = file.rows(id);
        this.path = file.path();
    }

    static long home(int h32, long entries) {
        return ((h32 & 0xFFFFFFFFL) * entries) >>> 32;
    }

    private long next(long p) {
        long n = p + 1;
        return n == entries ? 0 : n;
    }

    long slotAddress(long slot) {
        return rows.address(slot);
    }

    static long entry(long hash, long slot) {
        return (hash >>> 32) << 32 | (slot + 1);
    }

    private long slotOf(long e) {
        long slot = (e & 0xFFFFFFFFL) - 1;
        if (slot < 0 || slot >= slots) {
            throw new StoreException(Reason.CORRUPT, path, "shard=" + id + " index entry 0x" + Long.toHexString(e)
                + " names slot=" + slot + " outside 0.." + (slots - 1));
        }
        return slot;
    }

    /** @return the structure version (acquire) */
    long structVersion() {
        return UNSAFE.getLongVolatile(null, control + TableFormat.C_STRUCT_VERSION);
    }

    /** @return the row count as last published by the writer (acquire) */
    long publishedCount() {
        return UNSAFE.getLongVolatile(null, control + TableFormat.C_COUNT);
    }

    // ---- readers ---------------------------------------------------------------------------------------------

    private static void copyRow(long src, RowBuffer into, int rowBytes) {
        Object base = into.base();
        long dst = into.address();
        for (int i = 0; i < rowBytes; i += 8) {
            UNSAFE.putLong(base, dst + i, UNSAFE.getLong(src + i));
        }
    }

    /** One lock-free probe for a numeric key: FOUND (row copied), ABSENT, or BUSY (retry). */
    int readLong(long key, long hash, RowBuffer into) {
        final int h32 = (int) (hash >>> 32);
        long p = home(h32, entries);
        for (long probes = 0; probes < entries; probes++) {
            long e = UNSAFE.getLongVolatile(null, index.address(p));
            if (e == 0) {
                return ABSENT;
            }
            if ((int) (e >>> 32) == h32) {
                long a = rows.address(slotOf(e));
                long v = UNSAFE.getLongVolatile(null, a);
                if ((v & 1) != 0) {
                    return BUSY;
                }
                boolean match = UNSAFE.getLong(a + TableFormat.S_KEY) == key;
                if (match) {
                    copyRow(a + rowOffset, into, rowBytes);
                }
                UNSAFE.loadFence();
                if (UNSAFE.getLong(a) != v) {
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

    /** One lock-free probe for a text key of {@code utf8Length} bytes. */
    int readText(CharSequence key, int utf8Length, long hash, RowBuffer into) {
        final int h32 = (int) (hash >>> 32);
        long p = home(h32, entries);
        for (long probes = 0; probes < entries; probes++) {
            long e = UNSAFE.getLongVolatile(null, index.address(p));
            if (e == 0) {
                return ABSENT;
            }
            if ((int) (e >>> 32) == h32) {
                long a = rows.address(slotOf(e));
                long v = UNSAFE.getLongVolatile(null, a);
                if ((v & 1) != 0) {
                    return BUSY;
                }
                boolean match = UNSAFE.getInt(a + TableFormat.S_KEY) == utf8Length
                    && Utf8.equals(key, a + TableFormat.S_KEY + 8, utf8Length);
                if (match) {
                    copyRow(a + rowOffset, into, rowBytes);
                }
                UNSAFE.loadFence();
                if (UNSAFE.getLong(a) != v) {
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
        final int h32 = (int) (hash >>> 32);
        long p = home(h32, entries);
        while (true) {
            long e = UNSAFE.getLong(index.address(p));
            if (e == 0) {
                return -(p + 1);
            }
            if ((int) (e >>> 32) == h32 && UNSAFE.getLong(rows.address(slotOf(e)) + TableFormat.S_KEY) == key) {
                return p;
            }
            p = next(p);
        }
    }

    /** @return the index position of the UTF-8 key, or {@code -(emptyPosition + 1)} when absent */
    long findText(byte[] key, int length, long hash) {
        final int h32 = (int) (hash >>> 32);
        long p = home(h32, entries);
        while (true) {
            long e = UNSAFE.getLong(index.address(p));
            if (e == 0) {
                return -(p + 1);
            }
            if ((int) (e >>> 32) == h32 && textKeyEquals(rows.address(slotOf(e)), key, length)) {
                return p;
            }
            p = next(p);
        }
    }

    private static boolean textKeyEquals(long slot, byte[] key, int length) {
        if (UNSAFE.getInt(slot + TableFormat.S_KEY) != length) {
            return false;
        }
        long a = slot + TableFormat.S_KEY + 8;
        for (int i = 0; i < length; i++) {
            if (UNSAFE.getByte(a + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    /** @return the slot named by the entry at index position {@code p} */
    long slotAt(long p) {
        return slotOf(UNSAFE.getLong(index.address(p)));
    }

    /**
     * @param p index position
     * @return the entry there (plain: the writer's view, or a quiescent store's)
     */
    long entryAt(long p) {
        return UNSAFE.getLong(index.address(p));
    }

    /** Writes a text key into a slot (writer, slot unpublished or odd). */
    static void putTextKey(long slot, byte[] key, int length) {
        UNSAFE.putInt(slot + TableFormat.S_KEY, length);
        UNSAFE.putInt(slot + TableFormat.S_KEY + 4, 0);
        UNSAFE.copyMemory(key, UnsafeAccess.BYTE_ARRAY_BASE, null, slot + TableFormat.S_KEY + 8, length);
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
    void publish(long emptyPosition, long entry) {
        UNSAFE.putOrderedLong(null, index.address(emptyPosition), entry);
        count++;
        UNSAFE.putOrderedLong(null, control + TableFormat.C_COUNT, count);
    }

    /**
     * Deletes the entry at index position {@code p} by backward shift, under the structure seqlock, logging the
     * moving hole so that a kill at any instruction is finished by {@link #finishInterruptedShift()}.
     */
    void deleteAt(long p) {
        long slot = slotAt(p);
        long sv = UNSAFE.getLong(control + TableFormat.C_STRUCT_VERSION);
        UNSAFE.putLong(control + TableFormat.C_STRUCT_VERSION, sv | 1);
        UNSAFE.putLong(control + TableFormat.C_SHIFT_HOLE, p + 1);
        UNSAFE.storeFence();
        shiftFrom(p);
        UNSAFE.putOrderedLong(null, control + TableFormat.C_STRUCT_VERSION, (sv | 1) + 1);
        release(slot);
        count--;
        UNSAFE.putOrderedLong(null, control + TableFormat.C_COUNT, count);
    }

    /**
     * Moves the hole at {@code hole} forward until an empty entry or an entry at its home ends the cluster. Each step
     * copies the next entry into the hole before the logged hole moves on, so re-running from the logged hole after a
     * kill repeats at most one copy of the same entry.
     */
    private void shiftFrom(long hole) {
        long i = hole;
        long j = next(i);
        while (true) {
            long e = UNSAFE.getLong(index.address(j));
            if (e == 0) {
                break;
            }
            long h = home((int) (e >>> 32), entries);
            long distJ = j >= h ? j - h : j + entries - h;
            long distHole = j >= i ? j - i : j + entries - i;
            if (distJ < distHole) {
                break;
            }
            UNSAFE.putLong(index.address(i), e);
            UNSAFE.storeFence();
            UNSAFE.putLong(control + TableFormat.C_SHIFT_HOLE, j + 1);
            UNSAFE.storeFence();
            i = j;
            j = next(j);
        }
        UNSAFE.putLong(index.address(i), 0);
        UNSAFE.storeFence();
        UNSAFE.putOrderedLong(null, control + TableFormat.C_SHIFT_HOLE, 0);
    }

    /**
     * Recovery: finishes a backward shift a killed writer left half done (idempotent) and makes the structure
     * version even.
     *
     * @return whether a shift was finished
     */
    boolean finishInterruptedShift() {
        long hole = UNSAFE.getLong(control + TableFormat.C_SHIFT_HOLE);
        boolean finished = false;
        if (hole != 0) {
            if (hole < 1 || hole > entries) {
                throw new StoreException(Reason.CORRUPT, path, "shard=" + id + " shiftHole=" + hole + " outside 1.."
                    + entries);
            }
            shiftFrom(hole - 1);
            finished = true;
        }
        long sv = UNSAFE.getLong(control + TableFormat.C_STRUCT_VERSION);
        if ((sv & 1) != 0) {
            UNSAFE.putOrderedLong(null, control + TableFormat.C_STRUCT_VERSION, sv + 1);
        }
        return finished;
    }

    /**
     * Scans the whole index at open: checks every entry (slot in range, no slot named twice, the slot's key hashes
     * to the entry), builds the free-slot bitmap and the count, and publishes the count. The key check reads every
     * row slot; it is skipped after a verified seal, whose checksums already cover every byte.
     *
     * @param textKeys whether keys are text
     * @param maxKeyBytes longest text key
     * @param checkKeys whether to check that each slot's key hashes to its entry
     * @throws StoreException CORRUPT on the first broken invariant
     */
    void rebuild(boolean textKeys, int maxKeyBytes, boolean checkKeys) {
        used = new long[(int) ((slots + 63) >>> 6)];
        long n = 0;
        for (long p = 0; p < entries; p++) {
            long e = UNSAFE.getLong(index.address(p));
            if (e == 0) {
                continue;
            }
            long slot = slotOf(e);
            int w = (int) (slot >>> 6);
            long bit = 1L << (slot & 63);
            if ((used[w] & bit) != 0) {
                throw new StoreException(Reason.CORRUPT, path, "shard=" + id + " slot=" + slot
                    + " is named by two index entries");
            }
            used[w] |= bit;
            n++;
            if (!checkKeys) {
                continue;
            }
            long a = rows.address(slot);
            long hash;
            if (textKeys) {
                int len = UNSAFE.getInt(a + TableFormat.S_KEY);
                if (len < 0 || len > maxKeyBytes) {
                    throw new StoreException(Reason.CORRUPT, path, "shard=" + id + " slot=" + slot + " keyLength="
                        + len + " outside 0.." + maxKeyBytes);
                }
                hash = hashUtf8(a + TableFormat.S_KEY + 8, len);
            } else {
                hash = Keys.hash(UNSAFE.getLong(a + TableFormat.S_KEY));
            }
            if ((int) (hash >>> 32) != (int) (e >>> 32)) {
                throw new StoreException(Reason.CORRUPT, path, "shard=" + id + " slot=" + slot
                    + " holds a key whose hash does not match its index entry at position=" + p);
            }
        }
        count = n;
        cursor = 0;
        UNSAFE.putOrderedLong(null, control + TableFormat.C_COUNT, n);
    }

    /** The same hash as {@code Keys.hash(CharSequence)}, over UTF-8 bytes already encoded in memory. */
    static long hashUtf8(long address, int length) {
        long h = FNV_OFFSET;
        for (int i = 0; i < length; i++) {
            h = (h ^ (UNSAFE.getByte(address + i) & 0xFF)) * FNV_PRIME;
        }
        return Fingerprint.mix64(h);
    }

    /** The same hash over a heap array. */
    static long hashUtf8(byte[] key, int length) {
        long h = FNV_OFFSET;
        for (int i = 0; i < length; i++) {
            h = (h ^ (key[i] & 0xFF)) * FNV_PRIME;
        }
        return Fingerprint.mix64(h);
    }
}
