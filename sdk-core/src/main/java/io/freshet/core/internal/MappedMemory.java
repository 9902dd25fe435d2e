package io.freshet.core.internal;

/**
 * One mapped file region, as {@link Memory#map} returns it: the ({@code base}, {@code address}) of its first byte in
 * that memory's terms and its length. The mapping stays valid while this object is reachable: it is never unmapped
 * explicitly, because unmapping under a concurrent reader would crash the JVM (Unsafe) or fail its reads.
 *
 * <p>Internal: not part of the public API. Immutable; thread-safe.
 */
public final class MappedMemory {
    private final Object base;
    private final long address;
    private final long sizeBytes;
    private final Object mapping;

    /**
     * For the {@link Memory} implementations.
     *
     * @param base the base every access passes
     * @param address the offset of the first byte
     * @param sizeBytes the length in bytes
     * @param mapping the object that owns the mapping (a buffer or a segment), kept reachable
     */
    public MappedMemory(Object base, long address, long sizeBytes, Object mapping) {
        this.base = base;
        this.address = address;
        this.sizeBytes = sizeBytes;
        this.mapping = mapping;
    }

    /** @return the base to pass with every offset into this mapping (null for absolute addresses) */
    public Object base() {
        return base;
    }

    /** @return the offset of the mapping's first byte (an absolute address when {@link #base()} is null) */
    public long address() {
        return address;
    }

    /** @return the length in bytes */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** @return the object that owns the mapping, for {@link Memory#force} */
    public Object mapping() {
        return mapping;
    }
}
