package io.freshet.store.internal.table;

import static io.freshet.core.internal.Memory.MEMORY;

import io.freshet.core.internal.Fingerprint;

/**
 * UTF-8 on the fly for text-key reads, matching {@code Keys.encodeUtf8} (an unpaired surrogate encodes as U+FFFD),
 * without encoding into a buffer: readers compare a {@link CharSequence} with the bytes in a slot directly. Also the
 * key hash over UTF-8 bytes already encoded (the same as {@code Keys.hash(CharSequence)}).
 *
 * <p>Internal. Stateless; allocation-free.
 */
final class Utf8 {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Utf8() {
    }

    private static int codePointAt(CharSequence s, int i, int n) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
            return Character.toCodePoint(c, s.charAt(i + 1));
        }
        return Character.isSurrogate(c) ? 0xFFFD : c;
    }

    private static int encodedLength(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    /**
     * @param s text
     * @param max stop counting above this
     * @return its UTF-8 length, or -1 when longer than {@code max}
     */
    static int length(CharSequence s, int max) {
        int len = 0;
        final int n = s.length();
        for (int i = 0; i < n; i++) {
            int cp = codePointAt(s, i, n);
            if (cp >= 0x10000) {
                i++;
            }
            len += encodedLength(cp);
            if (len > max) {
                return -1;
            }
        }
        return len;
    }

    /**
     * @param s text whose UTF-8 length is {@code length}
     * @param base the memory base of {@code address}
     * @param address UTF-8 bytes in memory
     * @param length byte count
     * @return whether they encode the same text
     */
    static boolean equals(CharSequence s, Object base, long address, int length) {
        int p = 0;
        final int n = s.length();
        for (int i = 0; i < n; i++) {
            int cp = codePointAt(s, i, n);
            if (cp >= 0x10000) {
                i++;
            }
            int len = encodedLength(cp);
            if (p + len > length) {
                return false;
            }
            switch (len) {
                case 1:
                    if (MEMORY.getByte(base, address + p) != (byte) cp) {
                        return false;
                    }
                    break;
                case 2:
                    if (MEMORY.getByte(base, address + p) != (byte) (0xC0 | (cp >> 6))
                        || MEMORY.getByte(base, address + p + 1) != (byte) (0x80 | (cp & 0x3F))) {
                        return false;
                    }
                    break;
                case 3:
                    if (MEMORY.getByte(base, address + p) != (byte) (0xE0 | (cp >> 12))
                        || MEMORY.getByte(base, address + p + 1) != (byte) (0x80 | ((cp >> 6) & 0x3F))
                        || MEMORY.getByte(base, address + p + 2) != (byte) (0x80 | (cp & 0x3F))) {
                        return false;
                    }
                    break;
                default:
                    if (MEMORY.getByte(base, address + p) != (byte) (0xF0 | (cp >> 18))
                        || MEMORY.getByte(base, address + p + 1) != (byte) (0x80 | ((cp >> 12) & 0x3F))
                        || MEMORY.getByte(base, address + p + 2) != (byte) (0x80 | ((cp >> 6) & 0x3F))
                        || MEMORY.getByte(base, address + p + 3) != (byte) (0x80 | (cp & 0x3F))) {
                        return false;
                    }
                    break;
            }
            p += len;
        }
        return p == length;
    }

    /** The same hash as {@code Keys.hash(CharSequence)}, over UTF-8 bytes already encoded in memory. */
    static long hash(Object base, long address, int length) {
        long h = FNV_OFFSET;
        for (int i = 0; i < length; i++) {
            h = (h ^ (MEMORY.getByte(base, address + i) & 0xFF)) * FNV_PRIME;
        }
        return Fingerprint.mix64(h);
    }

    /** The same hash over a heap array. */
    static long hash(byte[] key, int length) {
        long h = FNV_OFFSET;
        for (int i = 0; i < length; i++) {
            h = (h ^ (key[i] & 0xFF)) * FNV_PRIME;
        }
        return Fingerprint.mix64(h);
    }
}
