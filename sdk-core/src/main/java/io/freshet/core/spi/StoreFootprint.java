package io.freshet.core.spi;

/**
 * What a store of given options costs before it exists, as its engine lays it out: bytes on disk, bytes of files the
 * engine maps into memory (resident in the page cache once touched: at full capacity, all of it), and bytes the
 * engine keeps on the Java heap for a writer. From {@link StoreEngine#footprint}. Immutable.
 */
public final class StoreFootprint {
    private final long diskBytes;
    private final long mappedBytes;
    private final long heapBytes;

    /**
     * @param diskBytes bytes the store's files take on disk (their lengths; written in full at creation)
     * @param mappedBytes bytes of those files the engine maps (page cache once touched)
     * @param heapBytes bytes an open writer keeps on the heap, beyond per-thread buffers
     */
    public StoreFootprint(long diskBytes, long mappedBytes, long heapBytes) {
        if (diskBytes < 0 || mappedBytes < 0 || heapBytes < 0) {
            throw new IllegalArgumentException("diskBytes=" + diskBytes + " mappedBytes=" + mappedBytes
                + " heapBytes=" + heapBytes + ": none may be negative");
        }
        this.diskBytes = diskBytes;
        this.mappedBytes = mappedBytes;
        this.heapBytes = heapBytes;
    }

    /** @return bytes the store's files take on disk */
    public long diskBytes() {
        return diskBytes;
    }

    /** @return bytes of the store's files mapped into memory */
    public long mappedBytes() {
        return mappedBytes;
    }

    /** @return bytes a writer keeps on the Java heap */
    public long heapBytes() {
        return heapBytes;
    }

    @Override
    public String toString() {
        return "StoreFootprint{diskBytes=" + diskBytes + ", mappedBytes=" + mappedBytes + ", heapBytes=" + heapBytes
            + "}";
    }
}
