package io.freshet.core.spi;

import static io.freshet.core.internal.Memory.MEMORY;

/**
 * A reusable flyweight over the bytes of one feature row, on the heap or off it (a memory-mapped store).
 *
 * <p>Kernels read and write rows only through this class, so one compiled layout serves heap rows (tests,
 * {@code FeatureTestDriver}) and mapped rows (stores) with a single, monomorphic code path.
 * Accessors are plain (no ordering); stores add the ordering their protocols need around them.
 * Values are little-endian (the store refuses other platforms). Memory is accessed through the JVM's one internal
 * memory implementation ({@code sun.misc.Unsafe} before JDK 22, {@code java.lang.foreign} from JDK 22).
 *
 * <p>Threading: not thread-safe; a buffer belongs to one thread at a time. Allocation: {@code wrap} allocates
 * nothing. Offsets are in bytes from the start of the row and are bounds-checked against the wrapped length unless
 * the system property {@value #DISABLE_BOUNDS_CHECKS_PROP_NAME} is {@code true}.
 */
public final class RowBuffer {
    /** Set to {@code true} to skip bounds checks on row access (only for benchmarked, trusted layouts). */
    public static final String DISABLE_BOUNDS_CHECKS_PROP_NAME = "freshet.disable.bounds.checks";
    private static final boolean BOUNDS_CHECKS = !Boolean.getBoolean(DISABLE_BOUNDS_CHECKS_PROP_NAME);

    private Object base;
    private long address;
    private int lengthBytes;

    /** Creates an unwrapped buffer; call a {@code wrap} method before use. */
    public RowBuffer() {
    }

    /**
     * Creates a buffer over a new zeroed heap array of the given length (rounded up to 8 bytes).
     *
     * @param lengthBytes row length in bytes
     * @return a buffer that owns its memory
     */
    public static RowBuffer allocateHeap(int lengthBytes) {
        if (lengthBytes < 0) {
            throw new IllegalArgumentException("lengthBytes=" + lengthBytes + " < 0");
        }
        RowBuffer b = new RowBuffer();
        b.wrap(new long[(lengthBytes + 7) >>> 3], lengthBytes);
        return b;
    }

    /**
     * Wraps off-heap memory.
     *
     * @param address native address of the row's first byte
     * @param lengthBytes row length in bytes
     * @return this
     */
    public RowBuffer wrap(long address, int lengthBytes) {
        this.base = null;
        this.address = address;
        this.lengthBytes = lengthBytes;
        return this;
    }

    /**
     * Wraps memory as a store's internal memory access names it: a ({@code base}, {@code offset}) pair from an
     * internal {@code MappedMemory} (engines only; a base is null, a memory segment or a heap array, depending on the
     * implementation the JVM runs).
     *
     * @param base the mapping's base
     * @param offset the row's first byte in that base's terms
     * @param lengthBytes row length in bytes
     * @return this
     */
    public RowBuffer wrap(Object base, long offset, int lengthBytes) {
        this.base = base;
        this.address = offset;
        this.lengthBytes = lengthBytes;
        return this;
    }

    /**
     * Wraps a heap array.
     *
     * @param array backing array, at least {@code lengthBytes} long
     * @param lengthBytes row length in bytes
     * @return this
     */
    public RowBuffer wrap(long[] array, int lengthBytes) {
        if ((long) array.length * 8 < lengthBytes) {
            throw new IllegalArgumentException("array of " + array.length * 8L + " bytes < lengthBytes=" + lengthBytes);
        }
        this.base = array;
        this.address = MEMORY.heapOffset();
        this.lengthBytes = lengthBytes;
        return this;
    }

    /**
     * Wraps the same memory as another buffer.
     *
     * @param other buffer to view
     * @return this
     */
    public RowBuffer wrap(RowBuffer other) {
        this.base = other.base;
        this.address = other.address;
        this.lengthBytes = other.lengthBytes;
        return this;
    }

    /** @return the wrapped length in bytes */
    public int lengthBytes() {
        return lengthBytes;
    }

    /**
     * @return the base object (null for an absolute off-heap address, a heap array, or an internal memory segment);
     *     for engines that copy rows with their own ordering
     */
    public Object base() {
        return base;
    }

    /** @return the offset of the first byte in {@link #base()}'s terms (an absolute address when the base is null) */
    public long address() {
        return address;
    }

    private void check(int offset, int size) {
        if (BOUNDS_CHECKS && (offset < 0 || offset > lengthBytes - size)) {
            throw new IndexOutOfBoundsException("offset=" + offset + " size=" + size + " lengthBytes=" + lengthBytes);
        }
    }

    /**
     * @param offset byte offset
     * @return the long at offset
     */
    public long getLong(int offset) {
        check(offset, 8);
        return MEMORY.getLong(base, address + offset);
    }

    /**
     * @param offset byte offset
     * @param value value to write
     */
    public void putLong(int offset, long value) {
        check(offset, 8);
        MEMORY.putLong(base, address + offset, value);
    }

    /**
     * @param offset byte offset
     * @return the double at offset
     */
    public double getDouble(int offset) {
        check(offset, 8);
        return MEMORY.getDouble(base, address + offset);
    }

    /**
     * @param offset byte offset
     * @param value value to write
     */
    public void putDouble(int offset, double value) {
        check(offset, 8);
        MEMORY.putDouble(base, address + offset, value);
    }

    /**
     * @param offset byte offset
     * @return the byte at offset
     */
    public byte getByte(int offset) {
        check(offset, 1);
        return MEMORY.getByte(base, address + offset);
    }

    /**
     * @param offset byte offset
     * @param value value to write
     */
    public void putByte(int offset, byte value) {
        check(offset, 1);
        MEMORY.putByte(base, address + offset, value);
    }

    /**
     * Sets a range to zero.
     *
     * @param offset byte offset
     * @param length number of bytes
     */
    public void setZero(int offset, int length) {
        check(offset, length);
        MEMORY.fill(base, address + offset, length, (byte) 0);
    }

    /**
     * Copies {@code length} bytes from {@code src} (at its offset 0) into this buffer at offset 0.
     *
     * @param src source row
     * @param length bytes to copy
     */
    public void copyFrom(RowBuffer src, int length) {
        check(0, length);
        src.check(0, length);
        MEMORY.copy(src.base, src.address, base, address, length);
    }

    /**
     * @param other another buffer
     * @param length bytes to compare from offset 0
     * @return true when the first {@code length} bytes are equal
     */
    public boolean contentEquals(RowBuffer other, int length) {
        check(0, length);
        other.check(0, length);
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            if (MEMORY.getLong(base, address + i) != MEMORY.getLong(other.base, other.address + i)) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (MEMORY.getByte(base, address + i) != MEMORY.getByte(other.base, other.address + i)) {
                return false;
            }
        }
        return true;
    }
}
