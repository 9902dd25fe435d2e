package io.freshet.store.chronicle.internal;

import io.freshet.core.internal.Fingerprint;
import net.openhft.chronicle.bytes.RandomDataInput;

/**
 * {@link io.freshet.core.spi.Keys#hash(CharSequence)} computed over UTF-8 bytes already stored in a Chronicle
 * entry, so that eviction can tell a stored text key's shard without decoding it (a test checks both agree).
 *
 * <p>Internal. Stateless; allocation-free.
 */
final class KeyHash {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private KeyHash() {
    }

    /**
     * @param bytes where the key's UTF-8 bytes are
     * @param offset their offset
     * @param length their length
     * @return the same hash as {@code Keys.hash} of the decoded key
     */
    static long utf8(RandomDataInput bytes, long offset, int length) {
        long h = FNV_OFFSET;
        for (int i = 0; i < length; i++) {
            h = (h ^ (bytes.readByte(offset + i) & 0xFF)) * FNV_PRIME;
        }
        return Fingerprint.mix64(h);
    }
}
