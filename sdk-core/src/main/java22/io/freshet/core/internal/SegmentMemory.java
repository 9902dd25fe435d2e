package io.freshet.core.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * {@link Memory} over {@link MemorySegment} (Java 22+; this class exists only in {@code META-INF/versions/22} of the
 * multi-release jar). A mapping is one segment of any length from {@link FileChannel#map(FileChannel.MapMode, long,
 * long, Arena)} in an automatic arena: unrestricted (no {@code --enable-native-access}), bounds- and
 * liveness-checked by the JDK, and unmapped by the garbage collector once unreachable, like a
 * {@code MappedByteBuffer}; an explicit unmap (a shared arena) would make every reader race with the close.
 *
 * <p>Bases: a {@link MemorySegment} (offsets from its first byte), a {@code long[]} heap row (byte offsets from
 * element 0), or null with an absolute address, which only engines built on Unsafe libraries hand out (Chronicle
 * Map): those accesses go to Unsafe through a nested holder class that is loaded on first such use, so the table
 * engine and the kernels never touch Unsafe. The segment test comes first in each method, so the store's hot paths
 * pay one type check that the JIT folds from its profile.
 *
 * <p>Internal. Loaded only when {@link Memory#MEMORY} selects it; thread-safe.
 */
final class SegmentMemory extends Memory {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final VarHandle INT_HANDLE = INT.varHandle();
    private static final VarHandle LONG_HANDLE = LONG.varHandle();
    private static final VarHandle LONG_ARRAY = MethodHandles.arrayElementVarHandle(long[].class);
    /** Fills shorter than this are written with stores, longer ones with a slice's bulk fill. */
    private static final long FILL_LOOP_MAX = 256;

    SegmentMemory() {
    }

    @Override
    public String name() {
        return SEGMENT_NAME;
    }

    @Override
    public MappedMemory map(FileChannel ch, FileChannel.MapMode mode, long position, long sizeBytes)
        throws IOException {
        MemorySegment s = ch.map(mode, position, sizeBytes, Arena.ofAuto());
        return new MappedMemory(s, 0, sizeBytes, s);
    }

    @Override
    public MappedMemory mapOwned(FileChannel ch, long sizeBytes) throws IOException {
        // A shared arena: a log's preparer thread maps and touches a segment, the lane thread that takes it writes it
        // and closes it, which unmaps at once (one thread at a time, handed over through a volatile).
        Arena arena = Arena.ofShared();
        MemorySegment s = ch.map(FileChannel.MapMode.READ_WRITE, 0, sizeBytes, arena);
        return new MappedMemory(s, 0, sizeBytes, arena);
    }

    @Override
    public void unmapOwned(MappedMemory m) {
        ((Arena) m.mapping()).close();
    }

    @Override
    public MappedMemory wrap(ByteBuffer buffer) {
        // A segment view of a buffer is unrestricted; it keeps the buffer (and so the mapping) reachable.
        return new MappedMemory(MemorySegment.ofBuffer(buffer), 0, buffer.capacity(), buffer);
    }

    @Override
    public MappedMemory wrapAbsolute(ByteBuffer buffer) {
        return new MappedMemory(null, Absolute.addressOf(buffer), buffer.capacity(), buffer);
    }

    @Override
    public void force(MappedMemory m) {
        if (m.mapping() instanceof MemorySegment s) {
            s.force();
        } else {
            ((MappedByteBuffer) m.mapping()).force();
        }
    }

    @Override
    public void force(MappedMemory m, long offset, long lengthBytes) {
        if (m.mapping() instanceof MemorySegment s) {
            s.asSlice(offset, lengthBytes).force();
        } else {
            ((MappedByteBuffer) m.mapping()).force(Math.toIntExact(offset), Math.toIntExact(lengthBytes));
        }
    }

    @Override
    public boolean mapsAnyLength() {
        return true;
    }

    @Override
    public long heapOffset() {
        return 0;
    }

    @Override
    public byte getByte(Object base, long offset) {
        if (base instanceof MemorySegment s) {
            return s.get(JAVA_BYTE, offset);
        }
        if (base instanceof long[] a) {
            return (byte) (a[(int) (offset >>> 3)] >>> ((offset & 7) << 3));
        }
        return Absolute.U.getByte(base, offset);
    }

    @Override
    public void putByte(Object base, long offset, byte value) {
        if (base instanceof MemorySegment s) {
            s.set(JAVA_BYTE, offset, value);
        } else if (base instanceof long[] a) {
            int i = (int) (offset >>> 3);
            int shift = (int) ((offset & 7) << 3);
            a[i] = (a[i] & ~(0xFFL << shift)) | ((value & 0xFFL) << shift);
        } else {
            Absolute.U.putByte(base, offset, value);
        }
    }

    @Override
    public int getInt(Object base, long offset) {
        if (base instanceof MemorySegment s) {
            return s.get(JAVA_INT_UNALIGNED, offset);
        }
        if (base instanceof long[] a) {
            return MemorySegment.ofArray(a).get(JAVA_INT_UNALIGNED, offset);
        }
        return Absolute.U.getInt(base, offset);
    }

    @Override
    public void putInt(Object base, long offset, int value) {
        if (base instanceof MemorySegment s) {
            s.set(JAVA_INT_UNALIGNED, offset, value);
        } else if (base instanceof long[] a) {
            MemorySegment.ofArray(a).set(JAVA_INT_UNALIGNED, offset, value);
        } else {
            Absolute.U.putInt(base, offset, value);
        }
    }

    @Override
    public int getIntVolatile(Object base, long offset) {
        if (base instanceof MemorySegment s) {
            return (int) INT_HANDLE.getVolatile(s, offset);
        }
        if (base instanceof long[] a) {
            return (int) INT_HANDLE.getVolatile(MemorySegment.ofArray(a), offset);
        }
        return Absolute.U.getIntVolatile(base, offset);
    }

    @Override
    public void putIntRelease(Object base, long offset, int value) {
        if (base instanceof MemorySegment s) {
            INT_HANDLE.setRelease(s, offset, value);
        } else if (base instanceof long[] a) {
            INT_HANDLE.setRelease(MemorySegment.ofArray(a), offset, value);
        } else {
            Absolute.U.putOrderedInt(base, offset, value);
        }
    }

    @Override
    public long getLong(Object base, long offset) {
        if (base instanceof MemorySegment s) {
            return s.get(JAVA_LONG_UNALIGNED, offset);
        }
        if (base instanceof long[] a) {
            return (offset & 7) == 0 ? a[(int) (offset >>> 3)]
                : MemorySegment.ofArray(a).get(JAVA_LONG_UNALIGNED, offset);
        }
        return Absolute.U.getLong(base, offset);
    }

    @Override
    public void putLong(Object base, long offset, long value) {
        if (base instanceof MemorySegment s) {
            s.set(JAVA_LONG_UNALIGNED, offset, value);
        } else if (base instanceof long[] a) {
            if ((offset & 7) == 0) {
                a[(int) (offset >>> 3)] = value;
            } else {
                MemorySegment.ofArray(a).set(JAVA_LONG_UNALIGNED, offset, value);
            }
        } else {
            Absolute.U.putLong(base, offset, value);
        }
    }

    @Override
    public long getLongVolatile(Object base, long offset) {
        if (base instanceof MemorySegment s) {
            return (long) LONG_HANDLE.getVolatile(s, offset);
        }
        if (base instanceof long[] a) {
            return (long) LONG_ARRAY.getVolatile(a, (int) (offset >>> 3));
        }
        return Absolute.U.getLongVolatile(base, offset);
    }

    @Override
    public void putLongVolatile(Object base, long offset, long value) {
        if (base instanceof MemorySegment s) {
            LONG_HANDLE.setVolatile(s, offset, value);
        } else if (base instanceof long[] a) {
            LONG_ARRAY.setVolatile(a, (int) (offset >>> 3), value);
        } else {
            Absolute.U.putLongVolatile(base, offset, value);
        }
    }

    @Override
    public void putLongRelease(Object base, long offset, long value) {
        if (base instanceof MemorySegment s) {
            LONG_HANDLE.setRelease(s, offset, value);
        } else if (base instanceof long[] a) {
            LONG_ARRAY.setRelease(a, (int) (offset >>> 3), value);
        } else {
            Absolute.U.putOrderedLong(base, offset, value);
        }
    }

    @Override
    public double getDouble(Object base, long offset) {
        if (base instanceof MemorySegment s) {
            return s.get(JAVA_DOUBLE_UNALIGNED, offset);
        }
        return Double.longBitsToDouble(getLong(base, offset));
    }

    @Override
    public void putDouble(Object base, long offset, double value) {
        if (base instanceof MemorySegment s) {
            s.set(JAVA_DOUBLE_UNALIGNED, offset, value);
        } else {
            putLong(base, offset, Double.doubleToRawLongBits(value));
        }
    }

    @Override
    public void copy(Object srcBase, long srcOffset, Object dstBase, long dstOffset, long lengthBytes) {
        if (srcBase instanceof MemorySegment s) {
            if (dstBase instanceof MemorySegment d) {
                MemorySegment.copy(s, srcOffset, d, dstOffset, lengthBytes);
                return;
            }
            if (dstBase instanceof long[] a && ((dstOffset | lengthBytes) & 7) == 0) {
                MemorySegment.copy(s, JAVA_LONG_UNALIGNED, srcOffset, a, (int) (dstOffset >>> 3),
                    (int) (lengthBytes >>> 3));
                return;
            }
        } else if (srcBase instanceof long[] a && ((srcOffset | lengthBytes) & 7) == 0) {
            if (dstBase instanceof MemorySegment d) {
                MemorySegment.copy(a, (int) (srcOffset >>> 3), d, JAVA_LONG_UNALIGNED, dstOffset,
                    (int) (lengthBytes >>> 3));
                return;
            }
            if (dstBase instanceof long[] b && (dstOffset & 7) == 0) {
                System.arraycopy(a, (int) (srcOffset >>> 3), b, (int) (dstOffset >>> 3), (int) (lengthBytes >>> 3));
                return;
            }
        }
        copySlowPath(srcBase, srcOffset, dstBase, dstOffset, lengthBytes);
    }

    /** Unaligned heap copies and anything with an absolute address. */
    private static void copySlowPath(Object srcBase, long srcOffset, Object dstBase, long dstOffset,
        long lengthBytes) {
        if (srcBase != null && dstBase != null) {
            MemorySegment.copy(heapOrSegment(srcBase), srcOffset, heapOrSegment(dstBase), dstOffset, lengthBytes);
        } else {
            Absolute.copy(srcBase, srcOffset, dstBase, dstOffset, lengthBytes);
        }
    }

    private static MemorySegment heapOrSegment(Object base) {
        return base instanceof MemorySegment s ? s : MemorySegment.ofArray((long[]) base);
    }

    @Override
    public void copyFromBytes(byte[] src, int srcIndex, Object dstBase, long dstOffset, int lengthBytes) {
        if (dstBase instanceof MemorySegment d) {
            MemorySegment.copy(src, srcIndex, d, JAVA_BYTE, dstOffset, lengthBytes);
        } else if (dstBase instanceof long[] a) {
            MemorySegment.copy(MemorySegment.ofArray(src), srcIndex, MemorySegment.ofArray(a), dstOffset,
                lengthBytes);
        } else {
            Absolute.U.copyMemory(src, UnsafeAccess.BYTE_ARRAY_BASE + srcIndex, null, dstOffset, lengthBytes);
        }
    }

    @Override
    public void copyToBytes(Object srcBase, long srcOffset, byte[] dst, int dstIndex, int lengthBytes) {
        if (srcBase instanceof MemorySegment s) {
            MemorySegment.copy(s, JAVA_BYTE, srcOffset, dst, dstIndex, lengthBytes);
        } else if (srcBase instanceof long[] a) {
            MemorySegment.copy(MemorySegment.ofArray(a), srcOffset, MemorySegment.ofArray(dst), dstIndex,
                lengthBytes);
        } else {
            Absolute.U.copyMemory(null, srcOffset, dst, UnsafeAccess.BYTE_ARRAY_BASE + dstIndex, lengthBytes);
        }
    }

    @Override
    public void fill(Object base, long offset, long lengthBytes, byte value) {
        if (base instanceof MemorySegment s && lengthBytes > FILL_LOOP_MAX) {
            s.asSlice(offset, lengthBytes).fill(value);
            return;
        }
        if (base == null) {
            Absolute.U.setMemory(null, offset, lengthBytes, value);
            return;
        }
        // Short fills (a row's accumulator) as 8-byte stores: no slice object, and one store per word on a heap row.
        long pattern = (value & 0xFFL) * 0x0101010101010101L;
        long end = offset + lengthBytes;
        long i = offset;
        for (; i + 8 <= end; i += 8) {
            putLong(base, i, pattern);
        }
        for (; i < end; i++) {
            putByte(base, i, value);
        }
    }

    /**
     * Unsafe, for absolute addresses only (Chronicle Map's): loaded on first use, so that a JVM that never sees an
     * absolute address never touches {@code sun.misc.Unsafe} memory access.
     */
    private static final class Absolute {
        static final sun.misc.Unsafe U = UnsafeAccess.UNSAFE;

        private Absolute() {
        }

        static long addressOf(ByteBuffer b) {
            return UnsafeAccess.addressOf(b);
        }

        static void copy(Object srcBase, long srcOffset, Object dstBase, long dstOffset, long lengthBytes) {
            U.copyMemory(unsafeBase(srcBase), unsafeOffset(srcBase, srcOffset, lengthBytes), unsafeBase(dstBase),
                unsafeOffset(dstBase, dstOffset, lengthBytes), lengthBytes);
        }

        private static Object unsafeBase(Object base) {
            return base instanceof MemorySegment ? null : base;
        }

        private static long unsafeOffset(Object base, long offset, long lengthBytes) {
            if (base instanceof MemorySegment s) {
                // Checks the range before handing a raw address to Unsafe.
                return s.asSlice(offset, lengthBytes).address();
            }
            return base == null ? offset : UnsafeAccess.LONG_ARRAY_BASE + offset;
        }
    }
}
