package io.freshet.core.spi;

import io.freshet.core.internal.Fingerprint;

/**
 * Key hashing and encoding shared by every engine and by routing, so that a key lands on the same shard in every
 * process and release. Text keys are hashed over their UTF-8 bytes, computed on the fly (no allocation); an
 * unpaired surrogate encodes as U+FFFD. Stateless and thread-safe.
 */
public final class Keys {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Keys() {
    }

    /**
     * @param key numeric key
     * @return its 64-bit hash
     */
    public static long hash(long key) {
        return Fingerprint.mix64(key);
    }

    /**
     * @param key text key
     * @return the 64-bit hash of its UTF-8 bytes
     */
    public static long hash(CharSequence key) {
        long h = FNV_OFFSET;
        final int n = key.length();
        for (int i = 0; i < n; i++) {
            final int cp = codePointAt(key, i, n);
            if (cp >= 0x10000) {
                i++;
            }
            if (cp < 0x80) {
                h = (h ^ cp) * FNV_PRIME;
            } else if (cp < 0x800) {
                h = (h ^ (0xC0 | (cp >> 6))) * FNV_PRIME;
                h = (h ^ (0x80 | (cp & 0x3F))) * FNV_PRIME;
            } else if (cp < 0x10000) {
                h = (h ^ (0xE0 | (cp >> 12))) * FNV_PRIME;
                h = (h ^ (0x80 | ((cp >> 6) & 0x3F))) * FNV_PRIME;
                h = (h ^ (0x80 | (cp & 0x3F))) * FNV_PRIME;
            } else {
                h = (h ^ (0xF0 | (cp >> 18))) * FNV_PRIME;
                h = (h ^ (0x80 | ((cp >> 12) & 0x3F))) * FNV_PRIME;
                h = (h ^ (0x80 | ((cp >> 6) & 0x3F))) * FNV_PRIME;
                h = (h ^ (0x80 | (cp & 0x3F))) * FNV_PRIME;
            }
        }
        return Fingerprint.mix64(h);
    }

    /**
     * The code point at {@code i}: a surrogate pair is one code point (at least 0x10000, so the caller skips its second
     * char), a lone surrogate is U+FFFD.
     */
    private static int codePointAt(CharSequence key, int i, int n) {
        final char c = key.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(key.charAt(i + 1))) {
            return Character.toCodePoint(c, key.charAt(i + 1));
        }
        return Character.isSurrogate(c) ? 0xFFFD : c;
    }

    /**
     * @param hash a key hash
     * @param shards number of shards
     * @return the owning shard
     */
    public static int shardOf(long hash, int shards) {
        return (int) ((hash >>> 1) % shards);
    }

    /**
     * Encodes a text key as UTF-8 into {@code dst}.
     *
     * @param key text key
     * @param dst target
     * @return the number of bytes, or -1 when it does not fit
     */
    public static int encodeUtf8(CharSequence key, byte[] dst) {
        int p = 0;
        final int n = key.length();
        for (int i = 0; i < n; i++) {
            final int cp = codePointAt(key, i, n);
            if (cp >= 0x10000) {
                i++;
            }
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (p + len > dst.length) {
                return -1;
            }
            switch (len) {
                case 1:
                    dst[p++] = (byte) cp;
                    break;
                case 2:
                    dst[p++] = (byte) (0xC0 | (cp >> 6));
                    dst[p++] = (byte) (0x80 | (cp & 0x3F));
                    break;
                case 3:
                    dst[p++] = (byte) (0xE0 | (cp >> 12));
                    dst[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    dst[p++] = (byte) (0x80 | (cp & 0x3F));
                    break;
                default:
                    dst[p++] = (byte) (0xF0 | (cp >> 18));
                    dst[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    dst[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    dst[p++] = (byte) (0x80 | (cp & 0x3F));
                    break;
            }
        }
        return p;
    }
}
