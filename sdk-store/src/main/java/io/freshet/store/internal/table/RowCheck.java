package io.freshet.store.internal.table;

import static io.freshet.core.internal.Memory.MEMORY;

/**
 * The check word of a table slot under {@code StoreConfig.rowChecks} ({@link TableFormat}): a fold of the slot's key
 * and row bytes, computed by the shard's writer at each commit, so it must cost a few ns for a row of a few hundred
 * bytes.
 *
 * <p><b>Shape.</b> Four independent lanes take the 8-byte words in turn: {@code lane = rotl(lane, 29) + word * K},
 * K odd and different per lane. The multiply is off the lane's dependency chain (it depends on the loaded word only),
 * so the chain costs a rotate and an add per word, and four lanes run side by side: about one cycle per word on the
 * machines we measured, where a chained {@code h = (h + w) * K} costs the multiply's latency (3-4 cycles) per word.
 * The lanes are combined by {@code l0*M0 + l1*M1 + l2*M2 + l3*M3} (odd M) and a final avalanche.
 *
 * <p><b>What it detects.</b> Each step is a bijection of the word it takes (an odd multiplier is invertible mod
 * 2^64, and {@code rotl + c} is a bijection of the lane), every later step of a lane is a bijection of the lane, the
 * combination is a bijection of each lane with the others fixed, and the avalanche is a bijection: so any change
 * confined to one 8-byte word (every one-byte flip, every torn 8-byte store) changes the check with certainty; a
 * change to several words goes unseen with probability about 2^-64. The rotation makes the fold depend on word
 * order within a lane (a plain sum would miss two words swapped).
 *
 * <p><b>What it covers.</b> A numeric key's slot: the key (the seed of the first lane: a bijection of it) and the
 * row (the check word sits between them, {@link TableFormat}). A text key's slot: its length word and exactly its
 * bytes (the bytes of the key field past its length are masked off: they may hold an older, longer key), then the
 * row. A row whose size is not a multiple of 8 has its last word
 * masked to the row. A slot of all zeros (a freshly created, deleted or evicted slot) has a non-zero fold, and
 * carries the check 0: no index entry may name it.
 *
 * <p>Internal. Stateless; any thread; allocates nothing.
 */
final class RowCheck {
    private static final long K0 = 0x9E37_79B9_7F4A_7C15L;
    private static final long K1 = 0xC2B2_AE3D_27D4_EB4FL;
    private static final long K2 = 0x1656_67B1_9E37_79F9L;
    private static final long K3 = 0xD6E8_FEB8_6659_FD93L;
    private static final long M0 = 0xFF51_AFD7_ED55_8CCDL;
    private static final long M1 = 0xC4CE_B9FE_1A85_EC53L;
    private static final long M2 = 0x8CB9_2BA7_2F3D_8DD7L;
    private static final long M3 = 0xA076_1D64_78BD_642FL;
    private static final long S0 = 0x726f_7763_6865_636bL;
    private static final long S1 = 0x2545_F491_4F6C_DD1DL;
    private static final long S2 = 0x6A09_E667_F3BC_C909L;
    private static final long S3 = 0xBB67_AE85_84CA_A73BL;
    private static final int ROT = 29;

    private RowCheck() {
    }

    /**
     * @param mem the memory base of the slot (null under Unsafe)
     * @param slot the slot's address
     * @param textKeys whether the slot holds a text key (length u32, pad u32, bytes) rather than a u64
     * @param maxKeyBytes the longest text key (a damaged length is clamped to it: the length word is folded anyway)
     * @param rowOffset offset of the row in the slot
     * @param rowBytes bytes of the row
     * @return the check of the slot's key and row as they are now
     */
    static long of(Object mem, long slot, boolean textKeys, int maxKeyBytes, int rowOffset, int rowBytes) {
        if (!textKeys) {
            return finish(fold(mem, slot + rowOffset, rowBytes, MEMORY.getLong(mem, slot + TableFormat.S_KEY)));
        }
        int len = Math.min(Math.max(MEMORY.getInt(mem, slot + TableFormat.S_KEY), 0), maxKeyBytes);
        long key = fold(mem, slot + TableFormat.S_KEY, 8 + len, 0);
        return finish(fold(mem, slot + rowOffset, rowBytes, key));
    }

    /**
     * Folds {@code bytes} bytes from {@code a} into four lanes and combines them; the caller's memory holds whole
     * 8-byte words up to the next multiple of 8 (slots and key fields are padded to 8).
     */
    private static long fold(Object mem, long a, int bytes, long seed) {
        long l0 = S0 ^ seed;
        long l1 = S1;
        long l2 = S2;
        long l3 = S3;
        int i = 0;
        for (; i + 32 <= bytes; i += 32) {
            l0 = Long.rotateLeft(l0, ROT) + MEMORY.getLong(mem, a + i) * K0;
            l1 = Long.rotateLeft(l1, ROT) + MEMORY.getLong(mem, a + i + 8) * K1;
            l2 = Long.rotateLeft(l2, ROT) + MEMORY.getLong(mem, a + i + 16) * K2;
            l3 = Long.rotateLeft(l3, ROT) + MEMORY.getLong(mem, a + i + 24) * K3;
        }
        if (i + 8 <= bytes) {
            l0 = Long.rotateLeft(l0, ROT) + MEMORY.getLong(mem, a + i) * K0;
            i += 8;
            if (i + 8 <= bytes) {
                l1 = Long.rotateLeft(l1, ROT) + MEMORY.getLong(mem, a + i) * K1;
                i += 8;
                if (i + 8 <= bytes) {
                    l2 = Long.rotateLeft(l2, ROT) + MEMORY.getLong(mem, a + i) * K2;
                    i += 8;
                }
            }
        }
        if (i < bytes) {
            long tailMask = -1L >>> ((8 - (bytes - i)) << 3);
            l3 = Long.rotateLeft(l3, ROT) + (MEMORY.getLong(mem, a + i) & tailMask) * K3;
        }
        return l0 * M0 + l1 * M1 + l2 * M2 + l3 * M3;
    }

    private static long finish(long h) {
        h ^= h >>> 32;
        h *= K0;
        h ^= h >>> 29;
        return h;
    }
}
