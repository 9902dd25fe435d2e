package io.freshet.core.internal;

import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteOrder;
import sun.misc.Unsafe;

/**
 * The single holder of {@link Unsafe} for Freshet. It comes from the {@code jdk.unsupported} module, which is
 * readable from the class path without any {@code --add-opens} flag. VarHandles over mapped buffers measured 2–4×
 * slower here on the read and apply paths (see shared/FACTS.md), which is why the row memory uses this.
 *
 * <p>Internal: not part of the public API.
 */
public final class UnsafeAccess {
    /** The instance, obtained once. */
    public static final Unsafe UNSAFE;
    /** Base offset of a {@code long[]}. */
    public static final long LONG_ARRAY_BASE;
    /** Base offset of a {@code byte[]}. */
    public static final long BYTE_ARRAY_BASE;
    /** Offset of {@code java.nio.Buffer.address}, to read a direct or mapped buffer's address without flags. */
    private static final long BUFFER_ADDRESS_OFFSET;

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError(
                "Freshet needs a little-endian platform: nativeOrder=" + ByteOrder.nativeOrder());
        }
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            UNSAFE = (Unsafe) f.get(null);
            LONG_ARRAY_BASE = UNSAFE.arrayBaseOffset(long[].class);
            BYTE_ARRAY_BASE = UNSAFE.arrayBaseOffset(byte[].class);
            // Only the Field object is needed for objectFieldOffset; no access check is involved.
            BUFFER_ADDRESS_OFFSET = UNSAFE.objectFieldOffset(Buffer.class.getDeclaredField("address"));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private UnsafeAccess() {
    }

    /**
     * Returns the native address of a direct or mapped buffer's first byte.
     *
     * @param buffer a direct buffer
     * @return its address
     */
    public static long addressOf(Buffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("buffer is not direct: " + buffer);
        }
        return UNSAFE.getLong(buffer, BUFFER_ADDRESS_OFFSET);
    }
}
