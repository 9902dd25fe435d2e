package io.freshet.store.internal.table;

import static io.freshet.core.internal.Memory.MEMORY;

import io.freshet.core.internal.MappedMemory;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * An array of fixed-size elements in a file, mapped as one or more mappings (a mapping holds at most 2 GiB) of a
 * power-of-two number of whole elements each, so that no element crosses a mapping boundary and the address of
 * element {@code i} is two array reads, a shift and a mask. Only Unsafe memory needs the split: a memory that maps any
 * length ({@code java.lang.foreign} segments) maps the region as one mapping whatever {@value #CHUNK_PROP_NAME} says.
 * Every mapping of a region has the same {@link #base()}: null (absolute addresses) when there are several.
 *
 * <p>Internal. Immutable after construction; thread-safe. The mappings stay valid while this object is reachable
 * (they are never unmapped explicitly: unmapping under a concurrent reader would crash the JVM).
 */
final class MappedRegion {
    /** Default largest mapping; the system property {@value #CHUNK_PROP_NAME} lowers it (tests of the split). */
    static final long DEFAULT_CHUNK_BYTES = 1L << 30;
    static final String CHUNK_PROP_NAME = "freshet.table.mapChunkBytes";

    private final MappedMemory[] mappings;
    private final Object base;
    private final long[] bases;
    private final int shift;
    private final long mask;
    private final long elementBytes;
    private final long elements;

    private MappedRegion(MappedMemory[] mappings, long[] bases, int shift, long elementBytes, long elements) {
        this.mappings = mappings;
        this.base = mappings[0].base();
        this.bases = bases;
        this.shift = shift;
        this.mask = (1L << shift) - 1;
        this.elementBytes = elementBytes;
        this.elements = elements;
    }

    static long chunkBytes() {
        return Long.getLong(CHUNK_PROP_NAME, DEFAULT_CHUNK_BYTES);
    }

    /**
     * @param ch the file
     * @param mode read-only or read-write
     * @param offset file offset of element 0
     * @param elements number of elements
     * @param elementBytes bytes per element
     * @param maxChunkBytes largest mapping
     * @return the mapped region
     * @throws IOException when mapping fails
     */
    static MappedRegion map(FileChannel ch, FileChannel.MapMode mode, long offset, long elements, int elementBytes,
        long maxChunkBytes) throws IOException {
        long maxBytes = MEMORY.mapsAnyLength() ? Long.MAX_VALUE : Math.min(Integer.MAX_VALUE, maxChunkBytes);
        long perChunk = Long.highestOneBit(Math.max(1, maxBytes / elementBytes));
        int shift = Long.numberOfTrailingZeros(perChunk);
        int chunks = (int) Math.max(1, (elements + perChunk - 1) / perChunk);
        MappedMemory[] mappings = new MappedMemory[chunks];
        long[] bases = new long[chunks];
        for (int c = 0; c < chunks; c++) {
            long first = c * perChunk;
            long n = Math.min(perChunk, elements - first);
            mappings[c] = MEMORY.map(ch, mode, offset + first * elementBytes, Math.max(0, n) * elementBytes);
            bases[c] = mappings[c].address();
        }
        return new MappedRegion(mappings, bases, shift, elementBytes, elements);
    }

    /** @return the memory base of every address of this region */
    Object base() {
        return base;
    }

    /**
     * @param i element index, {@code 0 <= i < elements()}
     * @return its address (with {@link #base()})
     */
    long address(long i) {
        return bases[(int) (i >>> shift)] + (i & mask) * elementBytes;
    }

    /** @return number of elements */
    long elements() {
        return elements;
    }

    /** @return number of mappings */
    int chunks() {
        return mappings.length;
    }

    /**
     * Reads one byte of every page of every mapping, so that this process's page tables map them before a writer or a
     * reader first touches them (a growth's next file, on its background thread, before it is adopted).
     *
     * @param pageBytes the page size
     * @return the sum of the bytes read (zero for a zero-filled file; returned so that the reads are not elided)
     */
    long touchPages(int pageBytes) {
        long sum = 0;
        for (MappedMemory m : mappings) {
            Object b = m.base();
            long end = m.address() + m.sizeBytes();
            for (long a = m.address(); a < end; a += pageBytes) {
                sum += MEMORY.getByte(b, a);
            }
        }
        return sum;
    }

    /** Forces every mapping to the storage device. */
    void force() {
        for (MappedMemory m : mappings) {
            MEMORY.force(m);
        }
    }
}
