package io.freshet.benchmarks;

import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

import io.freshet.core.internal.UnsafeAccess;
import io.freshet.store.internal.table.TableFormat;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Shard 0 of a one-shard table store's data file, mapped a second time by a floor harness ({@link TableReadFloor},
 * {@link TableApplyFloor}) beside the open engine: the addresses the engine's probe works with, so that a harness can
 * write the engine's steps out on the same memory and time them without the engine's code around them.
 *
 * <p>Threading: the harness's one thread. Not a benchmark; the mapping lives as long as the process.
 */
final class MappedShard {
    final long entries;
    final int slotBits;
    final long slotBytes;
    final long indexBase;
    final long versionBase;
    final long rowBase;
    final int rowOffset;
    final int rowBytes;

    private MappedShard(long fileBase, TableFormat f) {
        if (UNSAFE.getLong(fileBase) != TableFormat.MAGIC) {
            throw new IllegalStateException("not a table data file: no magic at its start");
        }
        this.entries = f.indexEntriesPerShard;
        this.slotBits = f.slotBits;
        this.slotBytes = f.slotBytes;
        this.indexBase = fileBase + f.indexOffset;
        this.versionBase = fileBase + f.versionsOffset;
        this.rowBase = fileBase + f.rowsOffset;
        this.rowOffset = f.rowOffsetInSlot;
        this.rowBytes = f.rowSizeBytes;
    }

    /**
     * @param dataFile the store's {@code table.fst}
     * @param format its geometry
     * @param writable whether the harness writes through the mapping
     * @return the mapped shard
     * @throws IOException when the file cannot be mapped
     */
    static MappedShard map(Path dataFile, TableFormat format, boolean writable) throws IOException {
        MappedByteBuffer file;
        try (RandomAccessFile f = new RandomAccessFile(dataFile.toFile(), writable ? "rw" : "r")) {
            file = f.getChannel().map(writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, 0,
                f.length());
        }
        return new MappedShard(UnsafeAccess.addressOf(file), format);
    }

    /** @return the home index position of a key of this hash, as the engine computes it */
    long home(long hash) {
        return (((hash >>> 32) & 0xFFFFFFFFL) * entries) >>> 32;
    }

    /** @return the slot an index entry names (no range check) */
    long slotOf(int entry) {
        return (entry & ((1 << slotBits) - 1)) - 1L;
    }

    /** @return the address of a slot (its key word first) */
    long slotAddress(long slot) {
        return rowBase + slot * slotBytes;
    }

    /** @return the address of the seqlock word that guards a slot */
    long versionAddress(long slot) {
        return versionBase + ((slot >>> 2) << 3);
    }

    /** @return whether an index entry carries the tag of this hash */
    boolean tagMatches(int entry, long hash) {
        return ((entry ^ (int) hash) >>> slotBits) == 0;
    }

    /** @return the next index position after {@code p}, wrapping */
    long next(long p) {
        return p + 1 == entries ? 0 : p + 1;
    }

    /** @return the median of a harness's per-round figures */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
