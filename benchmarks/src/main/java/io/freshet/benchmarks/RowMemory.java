package io.freshet.benchmarks;

import io.freshet.core.internal.MappedMemory;
import io.freshet.core.internal.Memory;
import io.freshet.core.spi.RowBuffer;
import java.nio.ByteBuffer;

/**
 * One feature row for a benchmark, either on the heap ({@link RowBuffer#allocateHeap}) or off it (a direct buffer
 * aligned to a cache line, as a memory-mapped store's slot would be, viewed through {@link RowBuffer#wrap(Object,
 * long, int)} as the JVM's memory implementation names it). Suites take the kind as a JMH {@code @Param} of
 * {@link #HEAP} / {@link #OFF_HEAP} so both run in one report.
 *
 * <p>Threading: as {@link RowBuffer}, one thread at a time. Allocation: only in {@link #allocate}. The off-heap
 * memory lives as long as this object (the direct buffer is released by the GC afterwards).
 */
public final class RowMemory {
    /** {@code @Param} value for a heap row. */
    public static final String HEAP = "heap";
    /** {@code @Param} value for an off-heap row. */
    public static final String OFF_HEAP = "offheap";

    private static final int CACHE_LINE_BYTES = 64;

    private final ByteBuffer offHeap;
    private final RowBuffer row;

    private RowMemory(ByteBuffer offHeap, RowBuffer row) {
        this.offHeap = offHeap;
        this.row = row;
    }

    /**
     * @param kind {@link #HEAP} or {@link #OFF_HEAP}
     * @param lengthBytes row length in bytes
     * @return zeroed memory of that kind
     * @throws IllegalArgumentException for another kind
     */
    public static RowMemory allocate(String kind, int lengthBytes) {
        if (HEAP.equals(kind)) {
            return new RowMemory(null, RowBuffer.allocateHeap(lengthBytes));
        }
        if (OFF_HEAP.equals(kind)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(lengthBytes + CACHE_LINE_BYTES)
                .alignedSlice(CACHE_LINE_BYTES);
            // Viewed through the JVM's memory (a segment on JDK 22+), as a store's mapped row is.
            MappedMemory m = Memory.MEMORY.wrap(buffer);
            return new RowMemory(buffer, new RowBuffer().wrap(m.base(), m.address(), lengthBytes));
        }
        throw new IllegalArgumentException("memory=" + kind + " is unknown: use " + HEAP + " or " + OFF_HEAP);
    }

    /** @return the row; on {@link #OFF_HEAP}, valid while this object is reachable */
    public RowBuffer row() {
        return row;
    }

    /** @return true when the row lives outside the Java heap */
    public boolean isOffHeap() {
        return offHeap != null;
    }
}
