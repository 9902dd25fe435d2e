package io.freshet.core.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Raw memory access for the row kernels and the stores: one abstract contract with two final implementations, of
 * which exactly one is loaded in a JVM and held in {@link #MEMORY} (a static final, so the JIT calls it directly and
 * inlines it):
 * <ul>
 *   <li>{@code UnsafeMemory}: {@code sun.misc.Unsafe}; the default on JDK 17 to 21.</li>
 *   <li>{@code SegmentMemory}: {@code java.lang.foreign.MemorySegment}; compiled for Java 22 into
 *       {@code META-INF/versions/22} of the multi-release jar and the default on JDK 22+, where Unsafe memory access
 *       prints a warning (JDK 24+) and is scheduled for removal. It calls no restricted method, so it needs no
 *       {@code --enable-native-access} either.</li>
 * </ul>
 * The system property {@value #PROP_NAME} forces the choice: {@code unsafe}, {@code segment} or {@code auto} (the
 * default).
 *
 * <p>Memory is addressed as ({@code base}, {@code offset}), like Unsafe: {@code base} is what {@link #map} returned in
 * {@link MappedMemory#base()} (null for Unsafe, where offsets are absolute addresses; the segment for
 * SegmentMemory, where offsets count from the mapping's first byte), or a {@code long[]} heap row at
 * {@link #heapOffset()}. A {@code null} base with an absolute address is also accepted by both implementations, for
 * engines whose own library hands out addresses (Chronicle Map); SegmentMemory then falls back to Unsafe for those
 * accesses only. Values are little-endian and native-order (Freshet refuses big-endian platforms).
 *
 * <p>Threading: stateless and thread-safe; the memory order is in each method's name ({@code Volatile} reads,
 * {@code Release} writes), plain otherwise. Allocation: none. Offsets are not bounds-checked beyond what the
 * implementation itself does (SegmentMemory checks against the mapping; Unsafe does not check).
 *
 * <p>Internal: not part of the public API.
 */
public abstract class Memory {
    /** System property that forces the implementation: {@code unsafe}, {@code segment} or {@code auto}. */
    public static final String PROP_NAME = "freshet.memory";
    /** Name of the Unsafe implementation, as {@link #name()} returns it and {@value #PROP_NAME} accepts it. */
    public static final String UNSAFE_NAME = "unsafe";
    /** Name of the MemorySegment implementation. */
    public static final String SEGMENT_NAME = "segment";
    /** The one implementation this JVM uses. */
    public static final Memory MEMORY = select(System.getProperty(PROP_NAME, "auto"), Runtime.version().feature());

    private static final String UNSAFE_CLASS = "io.freshet.core.internal.UnsafeMemory";
    private static final String SEGMENT_CLASS = "io.freshet.core.internal.SegmentMemory";
    private static final int SEGMENT_MIN_JDK = 22;

    /** For the two implementations only. */
    protected Memory() {
    }

    static Memory select(String choice, int jdk) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("Freshet needs a little-endian platform: nativeOrder="
                + ByteOrder.nativeOrder());
        }
        switch (choice) {
            case UNSAFE_NAME:
                return load(UNSAFE_CLASS);
            case SEGMENT_NAME: {
                Memory m = jdk >= SEGMENT_MIN_JDK ? tryLoad(SEGMENT_CLASS) : null;
                if (m == null) {
                    throw new IllegalStateException(PROP_NAME + "=" + SEGMENT_NAME + " needs JDK " + SEGMENT_MIN_JDK
                        + "+ and the Java 22 part of the freshet-core jar (META-INF/versions/22): running JDK " + jdk
                        + (jdk >= SEGMENT_MIN_JDK ? " without that part" : "") + "; use " + PROP_NAME + "="
                        + UNSAFE_NAME + " or run on JDK " + SEGMENT_MIN_JDK + "+ with the multi-release jar");
                }
                return m;
            }
            case "auto": {
                // Only the chosen class is ever loaded: the segment class is tried first on JDK 22+, and the Unsafe
                // class is loaded only when it is absent (a jar built without a JDK 22+) or on older JDKs.
                Memory m = jdk >= SEGMENT_MIN_JDK ? tryLoad(SEGMENT_CLASS) : null;
                return m != null ? m : load(UNSAFE_CLASS);
            }
            default:
                throw new IllegalStateException(PROP_NAME + "=" + choice + " is not known: use " + UNSAFE_NAME + ", "
                    + SEGMENT_NAME + " or auto");
        }
    }

    private static Memory tryLoad(String className) {
        try {
            Class.forName(className, false, Memory.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return null;
        }
        return load(className);
    }

    private static Memory load(String className) {
        try {
            return (Memory) Class.forName(className).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the memory implementation " + className + ": " + e, e);
        }
    }

    /** @return {@value #UNSAFE_NAME} or {@value #SEGMENT_NAME} */
    public abstract String name();

    /**
     * Maps a file region.
     *
     * @param ch the file, open for reading (and writing for {@code READ_WRITE})
     * @param mode {@code READ_ONLY} or {@code READ_WRITE}
     * @param position file offset of the region's first byte
     * @param sizeBytes length of the region; SegmentMemory accepts any length, Unsafe at most 2 GiB - 1
     * @return the mapping; it stays mapped while it is reachable
     * @throws IOException when mapping fails
     */
    public abstract MappedMemory map(FileChannel ch, FileChannel.MapMode mode, long position, long sizeBytes)
        throws IOException;

    /**
     * Views a direct or mapped buffer that the caller also uses as a {@code ByteBuffer} (header checksums).
     *
     * @param buffer a direct or mapped buffer, kept reachable by the result
     * @return the same memory as a mapping of this memory (a segment view of the buffer, or its address)
     */
    public abstract MappedMemory wrap(ByteBuffer buffer);

    /**
     * Views a mapped buffer at its absolute address ({@link MappedMemory#base()} null), for engines whose own code
     * reads it with Unsafe (Chronicle Map). SegmentMemory then uses Unsafe for accesses to it.
     *
     * @param buffer a direct or mapped buffer, kept reachable by the result
     * @return the buffer's memory at its absolute address
     */
    public abstract MappedMemory wrapAbsolute(ByteBuffer buffer);

    /**
     * Maps a file region that one thread at a time uses (handed from one to the next with a happens-before, e.g. a
     * volatile) and that the last one unmaps with {@link #unmapOwned}, so that its memory (and
     * a deleted file's pages) is released at once rather than when the garbage collector finds the mapping
     * unreachable (the served-feature log's lanes, whose hot path allocates nothing and so may never see a GC).
     *
     * @param ch the file, open for reading and writing
     * @param sizeBytes length of the region from the file's start, at most 2 GiB - 1
     * @return the mapping: one thread at a time may access it
     * @throws IOException when mapping fails
     */
    public abstract MappedMemory mapOwned(FileChannel ch, long sizeBytes) throws IOException;

    /**
     * Unmaps a mapping of {@link #mapOwned}, on the thread that used it last; any later access to it would crash.
     *
     * @param m the mapping
     */
    public abstract void unmapOwned(MappedMemory m);

    /**
     * Writes a mapping's changes to the storage device.
     *
     * @param m a mapping of this memory
     */
    public abstract void force(MappedMemory m);

    /**
     * Writes part of a mapping's changes to the storage device.
     *
     * @param m a mapping of this memory
     * @param offset first byte, counted from the mapping's start
     * @param lengthBytes number of bytes
     */
    public abstract void force(MappedMemory m, long offset, long lengthBytes);

    /**
     * @return whether {@link #map} maps any length at once (segments); Unsafe maps at most 2 GiB - 1 per mapping
     */
    public abstract boolean mapsAnyLength();

    /** @return the offset of the first byte of a {@code long[]} used as a base */
    public abstract long heapOffset();

    /**
     * @param base base
     * @param offset offset
     * @return the byte there
     */
    public abstract byte getByte(Object base, long offset);

    /**
     * @param base base
     * @param offset offset
     * @param value value to write
     */
    public abstract void putByte(Object base, long offset, byte value);

    /**
     * @param base base
     * @param offset offset
     * @return the int there
     */
    public abstract int getInt(Object base, long offset);

    /**
     * @param base base
     * @param offset offset
     * @param value value to write
     */
    public abstract void putInt(Object base, long offset, int value);

    /**
     * @param base base
     * @param offset offset, 4-byte aligned
     * @return the int there, read with acquire-or-stronger (volatile) semantics
     */
    public abstract int getIntVolatile(Object base, long offset);

    /**
     * @param base base
     * @param offset offset, 4-byte aligned
     * @param value value to write with release semantics
     */
    public abstract void putIntRelease(Object base, long offset, int value);

    /**
     * @param base base
     * @param offset offset
     * @return the long there
     */
    public abstract long getLong(Object base, long offset);

    /**
     * @param base base
     * @param offset offset
     * @param value value to write
     */
    public abstract void putLong(Object base, long offset, long value);

    /**
     * @param base base
     * @param offset offset, 8-byte aligned
     * @return the long there, read with volatile semantics
     */
    public abstract long getLongVolatile(Object base, long offset);

    /**
     * @param base base
     * @param offset offset, 8-byte aligned
     * @param value value to write with volatile semantics
     */
    public abstract void putLongVolatile(Object base, long offset, long value);

    /**
     * @param base base
     * @param offset offset, 8-byte aligned
     * @param value value to write with release semantics
     */
    public abstract void putLongRelease(Object base, long offset, long value);

    /**
     * @param base base
     * @param offset offset
     * @return the double there
     */
    public abstract double getDouble(Object base, long offset);

    /**
     * @param base base
     * @param offset offset
     * @param value value to write
     */
    public abstract void putDouble(Object base, long offset, double value);

    /**
     * Copies bytes (plain accesses; the ranges must not overlap).
     *
     * @param srcBase source base
     * @param srcOffset source offset
     * @param dstBase destination base
     * @param dstOffset destination offset
     * @param lengthBytes number of bytes
     */
    public abstract void copy(Object srcBase, long srcOffset, Object dstBase, long dstOffset, long lengthBytes);

    /**
     * @param src source array
     * @param srcIndex first byte of the source
     * @param dstBase destination base
     * @param dstOffset destination offset
     * @param lengthBytes number of bytes
     */
    public abstract void copyFromBytes(byte[] src, int srcIndex, Object dstBase, long dstOffset, int lengthBytes);

    /**
     * @param srcBase source base
     * @param srcOffset source offset
     * @param dst destination array
     * @param dstIndex first byte of the destination
     * @param lengthBytes number of bytes
     */
    public abstract void copyToBytes(Object srcBase, long srcOffset, byte[] dst, int dstIndex, int lengthBytes);

    /**
     * @param base base
     * @param offset offset
     * @param lengthBytes number of bytes
     * @param value the byte to write into each
     */
    public abstract void fill(Object base, long offset, long lengthBytes, byte value);
}
