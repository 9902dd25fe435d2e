package io.freshet.store.chronicle.internal;

import static io.freshet.core.internal.UnsafeAccess.BYTE_ARRAY_BASE;
import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

import io.freshet.core.spi.RowBuffer;
import net.openhft.chronicle.algo.hashing.LongHashFunction;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.PointerBytesStore;
import net.openhft.chronicle.bytes.VanillaBytes;
import net.openhft.chronicle.core.io.IOTools;
import net.openhft.chronicle.hash.impl.BigSegmentHeader;
import net.openhft.chronicle.hash.impl.CompactOffHeapLinearHashTable;
import net.openhft.chronicle.hash.impl.HashSplitting;
import net.openhft.chronicle.hash.impl.TierCountersArea;
import net.openhft.chronicle.hash.impl.VanillaChronicleHash;
import net.openhft.chronicle.hash.serialization.SizeMarshaller;
import net.openhft.chronicle.map.VanillaChronicleMap;

/**
 * One reader thread's row look-up straight on a Chronicle Map's segment tiers, under the segment's read lock: the
 * route Chronicle's own {@code getUsing} takes ({@code VanillaChronicleMap.optimizedGet}), instead of a query
 * context. A query context costs 2-3x a {@code getUsing} here (measured: ~620-790 ns against ~200-400 ns at 1M
 * keys) because it drives Chronicle's generated state machine (context chain, lock bookkeeping, a dozen stage
 * init/close checks per call); the rows need none of it.
 *
 * <p>Same guarantees as the query-context read: the segment's read lock is held while the row is copied, so a
 * writer (which holds the write lock while it mutates a row in place) is never seen half-way; a lock left held by a
 * killed writer surfaces as Chronicle's {@code InterProcessDeadLockException} after its lock timeout. Chronicle's
 * read lock is not re-entrant against a write lock the same thread holds, so the caller must not use this while its
 * thread has an apply open on the store (Chronicle's own {@code getUsing} checks its context chain for the same
 * reason); {@link ChronicleRowStore} falls back to a query context then.
 *
 * <p>The key is hashed with Chronicle's hash ({@code xx_r39}) over the key's stored bytes: a numeric key's 8 bytes
 * in native order ({@code hashLong}, which that hash defines as equal to hashing those bytes), a text key's UTF-8
 * bytes. Entry sizes are read with the map's own size marshallers, so the layout is whatever the map's header says.
 *
 * <p>Internal. Confined to one thread (the thread that created it: Chronicle's {@link Bytes} are single-threaded).
 * Allocation: none per look-up.
 */
final class TierLookup {
    /** Chronicle Map's key hash function (the instance its query contexts ask a key {@code Data} for). */
    static final LongHashFunction HASH = LongHashFunction.xx_r39();

    private final VanillaChronicleMap<?, ?, ?> map;
    private final HashSplitting split;
    private final CompactOffHeapLinearHashTable slots;
    private final SizeMarshaller keySizes;
    private final long chunkSize;
    private final long tierSize;
    private final long tierCountersOffset;
    private final long entrySpaceOffset;
    private final int rowBytes;
    private final PointerBytesStore tier = new PointerBytesStore();
    private final Bytes<Void> cursor;
    private final RowBuffer view = new RowBuffer();

    TierLookup(VanillaChronicleMap<?, ?, ?> map, int rowBytes) {
        this.map = map;
        this.split = map.hashSplitting;
        this.slots = map.hashLookup;
        this.keySizes = map.keySizeMarshaller;
        this.chunkSize = map.chunkSize;
        this.tierSize = map.tierSize;
        this.tierCountersOffset = map.tierHashLookupOuterSize;
        this.entrySpaceOffset = map.tierHashLookupOuterSize + VanillaChronicleHash.TIER_COUNTERS_AREA_SIZE
            + map.tierFreeListOuterSize + map.tierEntrySpaceInnerOffset;
        this.rowBytes = rowBytes;
        this.cursor = VanillaBytes.wrap(tier);
        // A view over memory the map owns: nothing to release, so keep it out of Chronicle's resource tracing.
        IOTools.unmonitor(tier);
        IOTools.unmonitor(cursor);
    }

    /**
     * @param key a numeric key
     * @return Chronicle's hash of it (equal to the hash of its 8 native-order bytes)
     */
    static long hash(long key) {
        return HASH.hashLong(key);
    }

    /**
     * @param key UTF-8 bytes of a text key
     * @param length their number
     * @return Chronicle's hash of them
     */
    static long hash(byte[] key, int length) {
        return HASH.hashBytes(key, 0, length);
    }

    /**
     * Copies the row of a key into {@code into} under the segment's read lock.
     *
     * @param hash {@link #hash} of the key
     * @param key the key's stored bytes (a numeric key's 8 native-order bytes)
     * @param keyLength their number
     * @param into the caller's row
     * @return whether the key has a row
     * @throws IllegalStateException when the file's structures are inconsistent (Chronicle's own look-up fails the
     *     same way)
     */
    boolean read(long hash, byte[] key, int keyLength, RowBuffer into) {
        int segment = split.segmentIndex(hash);
        long header = map.segmentHeaderAddress(segment);
        long searchKey = slots.maskUnsetKey(split.segmentHash(hash));
        long start = slots.hlPos(searchKey);
        BigSegmentHeader.INSTANCE.readLock(header);
        try {
            long tierBase = map.segmentBaseAddr(segment);
            boolean first = true;
            while (true) {
                long value = valueAddress(tierBase, searchKey, start, key, keyLength);
                if (value != 0) {
                    into.copyFrom(view.wrap(value, rowBytes), rowBytes);
                    return true;
                }
                long next = first ? BigSegmentHeader.INSTANCE.nextTierIndex(header)
                    : TierCountersArea.nextTierIndex(tierBase + tierCountersOffset);
                if (next == 0) {
                    return false;
                }
                first = false;
                tierBase = map.tierIndexToBaseAddr(next);
            }
        } finally {
            BigSegmentHeader.INSTANCE.readUnlock(header);
        }
    }

    /** Probes one tier's hash slots from {@code start}; returns the address of the key's value, or 0. */
    private long valueAddress(long tierBase, long searchKey, long start, byte[] key, int keyLength) {
        tier.set(tierBase, tierSize);
        cursor.clear();
        cursor.readLimitToCapacity();
        long pos = start;
        while (true) {
            long slot = slots.readEntryVolatile(tierBase, pos);
            if (slots.empty(slot)) {
                return 0;
            }
            pos = slots.step(pos);
            if (pos == start) {
                throw new IllegalStateException("hash lookup of a segment tier has no free slot: Chronicle keeps "
                    + "one free at all times, so the tier is damaged");
            }
            if (slots.key(slot) != searchKey) {
                continue;
            }
            cursor.readPosition(entrySpaceOffset + slots.value(slot) * chunkSize);
            long storedKeyLength = keySizes.readSize(cursor);
            long keyOffset = cursor.readPosition();
            if (storedKeyLength != keyLength || !sameBytes(tierBase + keyOffset, key, keyLength)) {
                continue;
            }
            cursor.readPosition(keyOffset + storedKeyLength);
            long valueLength = map.readValueSize(cursor);
            if (valueLength != rowBytes) {
                throw new IllegalStateException("entry value of " + valueLength + " bytes where every row has "
                    + rowBytes + ": the tier is damaged");
            }
            return tierBase + cursor.readPosition();
        }
    }

    private static boolean sameBytes(long address, byte[] key, int length) {
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            if (UNSAFE.getLong(address + i) != UNSAFE.getLong(key, BYTE_ARRAY_BASE + i)) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (UNSAFE.getByte(address + i) != UNSAFE.getByte(key, BYTE_ARRAY_BASE + i)) {
                return false;
            }
        }
        return true;
    }
}
