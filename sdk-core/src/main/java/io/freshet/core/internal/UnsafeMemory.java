package io.freshet.core.internal;

import static io.freshet.core.internal.UnsafeAccess.BYTE_ARRAY_BASE;
import static io.freshet.core.internal.UnsafeAccess.LONG_ARRAY_BASE;
import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * {@link Memory} over {@code sun.misc.Unsafe}: offsets into mappings are absolute addresses (base null), heap rows are
 * {@code long[]} at the array base offset. The default on JDK 17 to 21.
 *
 * <p>Internal. Loaded only when {@link Memory#MEMORY} selects it (by name, reflectively); thread-safe.
 */
final class UnsafeMemory extends Memory {
    UnsafeMemory() {
    }

    @Override
    public String name() {
        return UNSAFE_NAME;
    }

    @Override
    public MappedMemory map(FileChannel ch, FileChannel.MapMode mode, long position, long sizeBytes)
        throws IOException {
        return wrapAbsolute(ch.map(mode, position, sizeBytes));
    }

    @Override
    public MappedMemory wrap(ByteBuffer buffer) {
        return wrapAbsolute(buffer);
    }

    @Override
    public MappedMemory wrapAbsolute(ByteBuffer buffer) {
        return new MappedMemory(null, UnsafeAccess.addressOf(buffer), buffer.capacity(), buffer);
    }

    @Override
    public MappedMemory mapOwned(FileChannel ch, long sizeBytes) throws IOException {
        return wrapAbsolute(ch.map(FileChannel.MapMode.READ_WRITE, 0, sizeBytes));
    }

    @Override
    public void unmapOwned(MappedMemory m) {
        UNSAFE.invokeCleaner((ByteBuffer) m.mapping());
    }

    @Override
    public void force(MappedMemory m) {
        ((MappedByteBuffer) m.mapping()).force();
    }

    @Override
    public void force(MappedMemory m, long offset, long lengthBytes) {
        ((MappedByteBuffer) m.mapping()).force(Math.toIntExact(offset), Math.toIntExact(lengthBytes));
    }

    @Override
    public boolean mapsAnyLength() {
        return false;
    }

    @Override
    public long heapOffset() {
        return LONG_ARRAY_BASE;
    }

    @Override
    public byte getByte(Object base, long offset) {
        return UNSAFE.getByte(base, offset);
    }

    @Override
    public void putByte(Object base, long offset, byte value) {
        UNSAFE.putByte(base, offset, value);
    }

    @Override
    public int getInt(Object base, long offset) {
        return UNSAFE.getInt(base, offset);
    }

    @Override
    public void putInt(Object base, long offset, int value) {
        UNSAFE.putInt(base, offset, value);
    }

    @Override
    public int getIntVolatile(Object base, long offset) {
        return UNSAFE.getIntVolatile(base, offset);
    }

    @Override
    public void putIntRelease(Object base, long offset, int value) {
        UNSAFE.putOrderedInt(base, offset, value);
    }

    @Override
    public long getLong(Object base, long offset) {
        return UNSAFE.getLong(base, offset);
    }

    @Override
    public void putLong(Object base, long offset, long value) {
        UNSAFE.putLong(base, offset, value);
    }

    @Override
    public long getLongVolatile(Object base, long offset) {
        return UNSAFE.getLongVolatile(base, offset);
    }

    @Override
    public void putLongVolatile(Object base, long offset, long value) {
        UNSAFE.putLongVolatile(base, offset, value);
    }

    @Override
    public void putLongRelease(Object base, long offset, long value) {
        UNSAFE.putOrderedLong(base, offset, value);
    }

    @Override
    public double getDouble(Object base, long offset) {
        return UNSAFE.getDouble(base, offset);
    }

    @Override
    public void putDouble(Object base, long offset, double value) {
        UNSAFE.putDouble(base, offset, value);
    }

    @Override
    public void copy(Object srcBase, long srcOffset, Object dstBase, long dstOffset, long lengthBytes) {
        UNSAFE.copyMemory(srcBase, srcOffset, dstBase, dstOffset, lengthBytes);
    }

    @Override
    public void copyFromBytes(byte[] src, int srcIndex, Object dstBase, long dstOffset, int lengthBytes) {
        UNSAFE.copyMemory(src, BYTE_ARRAY_BASE + srcIndex, dstBase, dstOffset, lengthBytes);
    }

    @Override
    public void copyToBytes(Object srcBase, long srcOffset, byte[] dst, int dstIndex, int lengthBytes) {
        UNSAFE.copyMemory(srcBase, srcOffset, dst, BYTE_ARRAY_BASE + dstIndex, lengthBytes);
    }

    @Override
    public void fill(Object base, long offset, long lengthBytes, byte value) {
        UNSAFE.setMemory(base, offset, lengthBytes, value);
    }
}
