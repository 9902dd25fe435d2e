package io.freshet.store.internal.table;

import static io.freshet.core.internal.Memory.MEMORY;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import java.util.stream.IntStream;

/**
 * The open-time scan of one shard's index ({@link Shard#rebuild}): checks every entry (slot in range, no slot named
 * twice, and optionally the slot's key hashes to the entry's tag), and builds the free-slot bitmap and the row count.
 * The key check is skipped after a verified seal, whose checksums already cover every byte; after a kill it is the
 * only check of the rows, so it runs, arranged so that no pass touches the rows in random order: the index pass,
 * which builds the bitmap, also notes each used slot's tag (one byte per slot), then the rows are read in slot order,
 * split over the cores, and each key's hash is compared with the noted tag. Shards of more than
 * {@value #TAG_WINDOW_SLOTS} slots note tags one window of slots at a time (one more index pass per window).
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
 * <p>Used once per shard by the opening thread; reads the mapped file only.
 */
final class ShardIndexScan {
    /** Slots whose index tags the key check holds in memory at once. */
    private static final int TAG_WINDOW_SLOTS = 1 << 26;
    /** Failing row checks a shard may have before the rollback: one in-flight apply rewrites one slot. */
    static final int MAX_SUSPECTS = 1;

    private final Shard shard;
    /** The free-slot bitmap built by {@link #run}: bit set = slot in use. */
    long[] used;
    /** Used slots found by {@link #run}. */
    long count;
    /** Used slots whose row check failed (row checks only), in no particular order; guarded by itself. */
    private final java.util.List<Long> failedChecks = new java.util.ArrayList<>();

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
        boolean oneWindow = checkKeys && slots <= TAG_WINDOW_SLOTS;
        // Tags have at most 8 bits (slotBits >= 24), so one byte per slot holds them.
        byte[] tags = oneWindow ? new byte[(int) slots] : null;
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
                tags[(int) slot] = (byte) (e >>> s.slotBits);
            }
            n++;
        }
        if (oneWindow && n > 0) {
            checkKeyTags(tags, 0, slots);
        } else if (checkKeys && n > 0) {
            tags = new byte[TAG_WINDOW_SLOTS];
            for (long first = 0; first < slots; first += TAG_WINDOW_SLOTS) {
                long last = Math.min(slots, first + TAG_WINDOW_SLOTS);
                for (long p = 0; p < s.entries; p++) {
                    int e = MEMORY.getInt(s.indexMem(), s.indexAddress(p));
                    long slot = e == 0 ? -1 : s.slotOf(e);
                    if (slot >= first && slot < last) {
                        tags[(int) (slot - first)] = (byte) (e >>> s.slotBits);
                    }
                }
                checkKeyTags(tags, first, last);
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

    /** @return the used slots whose row check failed, for {@link Shard#verifySuspects} */
    long[] suspects() {
        synchronized (failedChecks) {
            return failedChecks.stream().mapToLong(Long::longValue).toArray();
        }
    }

    /** Checks the used slots in {@code [first, last)} against their noted tags, on all cores in slot-order chunks. */
    private void checkKeyTags(byte[] tags, long first, long last) {
        final Shard s = shard;
        final long[] bitmap = used;
        final long chunk = 1L << 20;
        int chunks = (int) ((last - first + chunk - 1) / chunk);
        IntStream.range(0, chunks).parallel().forEach(c -> {
            long from = first + c * chunk;
            long to = Math.min(last, from + chunk);
            for (long slot = from; slot < to; slot++) {
                if ((bitmap[(int) (slot >>> 6)] & (1L << (slot & 63))) == 0) {
                    continue;
                }
                int tag = (int) s.hashOfSlot(slot) >>> s.slotBits;
                if (tag != (tags[(int) (slot - first)] & 0xFF)) {
                    throw new StoreException(Reason.CORRUPT, s.path, "shard=" + s.id + " slot=" + slot
                        + " holds a key whose hash does not match the tag of the index entry that names it");
                }
                if (s.rowChecks && !s.checkHolds(slot)) {
                    noteFailedCheck(slot);
                }
            }
        });
    }
}
