package io.freshet.store.internal.table;

import static io.freshet.core.internal.Memory.MEMORY;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import java.util.stream.IntStream;

/**
 * The open-time scan of one shard's index ({@link Shard#rebuild}): checks every entry (slot in range, no slot named
 * twice, and optionally the slot's key hashes to the entry's tag and the entry is reachable from the key's home
 * position), and builds the free-slot bitmap and the row count. The key check is skipped after a verified seal, whose
 * checksums already cover every byte; after a kill it is the only check of the rows, so it runs, arranged so that no
 * pass touches the rows in random order: the index pass, which builds the bitmap, also notes the index position that
 * names each used slot (4 bytes per slot), then the rows are read in slot order, split over the cores, and each key's
 * hash is compared with the tag of its entry, and every position from the key's home to its entry must be occupied (a
 * look-up stops at the first empty one: an entry zeroed inside a cluster would make the keys after it read as
 * absent). Shards of more than {@value #POSITION_WINDOW_SLOTS} slots note positions one window of slots at a time
 * (one more index pass per window).
 *
 * <p>With row checks ({@code StoreConfig.rowChecks}) the same slot-order pass also verifies each used slot's check
 * word ({@link RowCheck}). The scan runs before the rollback of in-flight applies, and the one slot per shard whose
 * apply a kill interrupted may fail its check legitimately (its row half written, its check not yet): so a failing
 * slot is noted, not refused, and {@link Shard#verifySuspects} re-checks the noted slots after the rollback, which
 * rewrote that slot's row and check from the undo record (or freed it). Why that is sound: the writer writes a slot's
 * check before its version goes even, before a new key's entry is published and before the apply's offset is stored,
 * so after a kill every named slot's check holds except the slot of the apply its shard's undo record names, and the
 * rollback rewrites exactly that slot when the apply did not complete. More than {@value #MAX_SUSPECTS} failing
 * slots in a shard cannot come from one in-flight apply and are refused at once.
 *
 * <p>Also with row checks, the pass reads the check word of every free slot: a free slot carries 0 (never written,
 * deleted, or evicted) or the marker of an eviction, never a check that holds. One that holds is a row whose index
 * entry is gone: damage (an entry zeroed at the end of its cluster, which no reachability check can see), or the one
 * operation per shard a kill interrupted between its slot's check and its entry (an insert before its entry was
 * published, a delete before its slot was wiped, a growth copy, a recovery's own rollback). Such slots are noted, at
 * most {@value #MAX_ORPHANS} per shard, and {@link Shard#resolveOrphans} decides after the rollback.
 *
 * <p>Used once per shard by the opening thread; reads the mapped file only.
 */
final class ShardIndexScan {
    /** Slots whose naming index positions the key check holds in memory at once (4 bytes each). */
    private static final int POSITION_WINDOW_SLOTS = 1 << 24;
    /** Failing row checks a shard may have before the rollback: one in-flight apply rewrites one slot. */
    static final int MAX_SUSPECTS = 1;
    /** Free slots with a holding check a shard may have: one interrupted operation leaves one. */
    static final int MAX_ORPHANS = 1;

    private final Shard shard;
    /** The free-slot bitmap built by {@link #run}: bit set = slot in use. */
    long[] used;
    /** Used slots found by {@link #run}. */
    long count;
    /** Used slots whose row check failed (row checks only), in no particular order; guarded by itself. */
    private final java.util.List<Long> failedChecks = new java.util.ArrayList<>();
    /** Free slots whose row check holds (row checks only); guarded by itself. */
    private final java.util.List<Long> orphans = new java.util.ArrayList<>();

    ShardIndexScan(Shard shard) {
        this.shard = shard;
    }

    /**
     * @param checkKeys whether to check that each slot's key hashes to its entry's tag
     * @throws StoreException CORRUPT on the first broken invariant
     */
    void run(boolean checkKeys) {
        final Shard s = shard;
        final long slots = s.slots;
        used = new long[TableFormat.bitmapWords(slots)];
        boolean oneWindow = checkKeys && slots <= POSITION_WINDOW_SLOTS;
        // Positions are below 2^32 (at most ceil((2^31 - 1) / 0.8) entries): an int holds one, read unsigned.
        int[] positions = oneWindow ? new int[(int) slots] : null;
        long n = 0;
        for (long p = 0; p < s.entries; p++) {
            int e = MEMORY.getInt(s.indexMem(), s.indexAddress(p));
            if (e == 0) {
                continue;
            }
            long slot = s.slotOf(e);
            int w = (int) (slot >>> 6);
            long bit = 1L << (slot & 63);
            if ((used[w] & bit) != 0) {
                throw new StoreException(Reason.CORRUPT, s.path, "shard=" + s.id + " slot=" + slot
                    + " is named by two index entries");
            }
            used[w] |= bit;
            if (oneWindow) {
                positions[(int) slot] = (int) p;
            }
            n++;
        }
        // With row checks the free slots are read too (a free slot must not carry a check that holds).
        boolean scanSlots = n > 0 || s.rowChecks;
        if (oneWindow && scanSlots) {
            checkSlots(positions, 0, slots);
        } else if (checkKeys && scanSlots) {
            positions = new int[POSITION_WINDOW_SLOTS];
            for (long first = 0; first < slots; first += POSITION_WINDOW_SLOTS) {
                long last = Math.min(slots, first + POSITION_WINDOW_SLOTS);
                for (long p = 0; p < s.entries; p++) {
                    int e = MEMORY.getInt(s.indexMem(), s.indexAddress(p));
                    long slot = e == 0 ? -1 : s.slotOf(e);
                    if (slot >= first && slot < last) {
                        positions[(int) (slot - first)] = (int) p;
                    }
                }
                checkSlots(positions, first, last);
            }
        }
        count = n;
    }

    private void noteFailedCheck(long slot) {
        synchronized (failedChecks) {
            failedChecks.add(slot);
            if (failedChecks.size() > MAX_SUSPECTS) {
                throw new StoreException(Reason.CORRUPT, shard.path, "shard=" + shard.id + " slot=" + slot + " ("
                    + shard.describeKey(slot) + ") fails its row check, and so do slots " + failedChecks.subList(0,
                    MAX_SUSPECTS) + ": rows were damaged while the store was down; delete the store directory to "
                    + "rebuild it from Kafka");
            }
        }
    }

    private void noteOrphan(long slot) {
        synchronized (orphans) {
            orphans.add(slot);
            if (orphans.size() > MAX_ORPHANS) {
                throw new StoreException(Reason.CORRUPT, shard.path, "shard=" + shard.id + " slots " + orphans
                    + " hold rows whose checks hold but no index entry names them: the index was damaged while the "
                    + "store was down; delete the store directory to rebuild it from Kafka");
            }
        }
    }

    /** @return the free slots whose row check holds, for {@link Shard#resolveOrphans} */
    long[] orphans() {
        synchronized (orphans) {
            return orphans.stream().mapToLong(Long::longValue).toArray();
        }
    }

    /** @return the used slots whose row check failed, for {@link Shard#verifySuspects} */
    long[] suspects() {
        synchronized (failedChecks) {
            return failedChecks.stream().mapToLong(Long::longValue).toArray();
        }
    }

    /**
     * Checks the used slots in {@code [first, last)} against the entries at their noted positions (tag, reachability,
     * row check), and with row checks that no free slot carries a check that holds; on all cores in slot-order chunks.
     */
    private void checkSlots(int[] positions, long first, long last) {
        final Shard s = shard;
        final long[] bitmap = used;
        final long chunk = 1L << 20;
        int chunks = (int) ((last - first + chunk - 1) / chunk);
        IntStream.range(0, chunks).parallel().forEach(c -> {
            long from = first + c * chunk;
            long to = Math.min(last, from + chunk);
            for (long slot = from; slot < to; slot++) {
                if ((bitmap[(int) (slot >>> 6)] & (1L << (slot & 63))) == 0) {
                    if (s.rowChecks && s.checkWord(slot) != 0 && s.checkHolds(slot)) {
                        noteOrphan(slot);
                    }
                    continue;
                }
                long hash = s.hashOfSlot(slot);
                long p = positions[(int) (slot - first)] & 0xFFFF_FFFFL;
                int e = s.entryAt(p);
                if (((e ^ (int) hash) >>> s.slotBits) != 0) {
                    throw new StoreException(Reason.CORRUPT, s.path, "shard=" + s.id + " slot=" + slot
                        + " holds a key whose hash does not match the tag of the index entry that names it");
                }
                long q = Shard.home((int) (hash >>> 32), s.entries);
                for (; q != p; q = q + 1 == s.entries ? 0 : q + 1) {
                    if (s.entryAt(q) == 0) {
                        throw new StoreException(Reason.CORRUPT, s.path, "shard=" + s.id + " slot=" + slot + " ("
                            + s.describeKey(slot) + ") is named by the index entry at position " + p + ", which a "
                            + "look-up cannot reach: the entry at position " + q + " on its way is empty (an index "
                            + "entry was damaged while the store was down); delete the store directory to rebuild it "
                            + "from Kafka");
                    }
                }
                if (s.rowChecks && !s.checkHolds(slot)) {
                    noteFailedCheck(slot);
                }
            }
        });
    }
}
