package io.freshet.store.chronicle.internal;

import static io.freshet.core.internal.UnsafeAccess.BYTE_ARRAY_BASE;
import static io.freshet.core.internal.UnsafeAccess.UNSAFE;

import java.nio.ByteOrder;
import java.util.Arrays;
import net.openhft.chronicle.algo.hashing.LongHashFunction;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.BytesUtil;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.hash.AbstractData;
import net.openhft.chronicle.hash.Data;

/**
 * A writer's key as Chronicle {@link Data}, reused for every apply, for {@code ChronicleMap.queryContext(Data)}.
 * Against {@code queryContext(BytesStore, offset, size)} it spares Chronicle's context re-pointing its input-key
 * {@code Bytes} at the key store on each query, and Chronicle's generic hashing through a checked
 * {@code ReadAccess} (a third of an apply's samples in a JFR profile at 1M keys): the hash is computed here, once,
 * with {@link TierLookup#hash the same function over the same bytes}, and handed over when Chronicle asks for the
 * map's hash function; any other function gets the generic computation. A numeric key is compared with one
 * 8-byte read.
 *
 * <p>Equality is {@link AbstractData}'s, by content: Chronicle refuses a nested same-thread context on the key an
 * open context holds by comparing the two input keys with {@code equals}.
 *
 * <p>Internal. Confined to its writer's thread. Allocation: none, except in {@link #get()} and {@link #getUsing},
 * which Chronicle's query and insert paths do not call.
 */
final class KeyData extends AbstractData<Object> {
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final byte[] key;
    private final BytesStore<?, byte[]> keyStore;
    private final boolean numeric;
    private int length;
    private long hash;

    /**
     * @param key the writer's key buffer (a numeric key's 8 native-order bytes, or a text key's UTF-8 bytes)
     * @param keyStore a {@link BytesStore} wrapping {@code key}
     * @param numeric whether keys are numeric
     */
    KeyData(byte[] key, BytesStore<?, byte[]> keyStore, boolean numeric) {
        this.key = key;
        this.keyStore = keyStore;
        this.numeric = numeric;
    }

    /** Writes a numeric key to the buffer (native order) and points this at it. */
    KeyData numericKey(long value) {
        UNSAFE.putLong(key, BYTE_ARRAY_BASE, value);
        length = 8;
        hash = TierLookup.hash(value);
        return this;
    }

    /** Points this at the first {@code length} UTF-8 bytes of the buffer. */
    KeyData textKey(int length) {
        this.length = length;
        hash = TierLookup.hash(key, length);
        return this;
    }

    @Override
    public RandomDataInput bytes() {
        return keyStore;
    }

    @Override
    public long offset() {
        return 0;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public long hash(LongHashFunction f) {
        return f == TierLookup.HASH ? hash : f.hashBytes(key, 0, length);
    }

    @Override
    public boolean equivalent(RandomDataInput source, long sourceOffset) {
        if (numeric && NATIVE_LITTLE_ENDIAN) {
            // Chronicle's bytes read little-endian; the key was stored in native order, which is the same here.
            return source.readLong(sourceOffset) == UNSAFE.getLong(key, BYTE_ARRAY_BASE);
        }
        return BytesUtil.bytesEqual(source, sourceOffset, keyStore, 0, length);
    }

    @Override
    public Object get() {
        return numeric ? (Object) UNSAFE.getLong(key, BYTE_ARRAY_BASE) : Arrays.copyOf(key, length);
    }

    @Override
    public Object getUsing(Object using) {
        return get();
    }
}
