package io.freshet.kafka.internal;

/**
 * A reusable text key owned by a hand-off slot: the consumer copies the user's key into it, so that no user object
 * crosses to the applier. Sized for the longest key any store accepts
 * ({@link io.freshet.core.StoreConfig#MAX_KEY_BYTES} UTF-8 bytes: never more chars than bytes).
 *
 * <p>Threading: written by the consumer before the slot is published, read by the applier after. Allocation: none
 * except {@link #subSequence} and {@link #toString} (not used on the hot path).
 */
public final class TextKey implements CharSequence {
    private final char[] chars;
    private int length;

    /** @param capacity longest key, chars */
    public TextKey(int capacity) {
        this.chars = new char[capacity];
    }

    /**
     * @param key the key to copy
     * @return false when it is longer than the capacity (nothing copied)
     */
    boolean copyOf(CharSequence key) {
        final int n = key.length();
        if (n > chars.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            chars[i] = key.charAt(i);
        }
        length = n;
        return true;
    }

    /**
     * Decodes a UTF-8 key (a tombstone's Kafka key) into this one, without allocating.
     *
     * @param utf8 the bytes
     * @return false when they are not well-formed UTF-8 or decode to more chars than the capacity (the key is then
     *     undefined)
     */
    public boolean copyOfUtf8(byte[] utf8) {
        int n = 0;
        for (int i = 0; i < utf8.length;) {
            int b = utf8[i] & 0xFF;
            int cp;
            int extra;
            if (b < 0x80) {
                cp = b;
                extra = 0;
            } else if (b >= 0xC2 && b < 0xE0) {
                cp = b & 0x1F;
                extra = 1;
            } else if (b >= 0xE0 && b < 0xF0) {
                cp = b & 0x0F;
                extra = 2;
            } else if (b >= 0xF0 && b < 0xF5) {
                cp = b & 0x07;
                extra = 3;
            } else {
                return false;
            }
            if (i + extra >= utf8.length && extra > 0) {
                return false;
            }
            for (int j = 1; j <= extra; j++) {
                int c = utf8[i + j] & 0xFF;
                if ((c & 0xC0) != 0x80) {
                    return false;
                }
                cp = cp << 6 | (c & 0x3F);
            }
            // Overlong forms, surrogates and code points past U+10FFFF are not well-formed UTF-8.
            if (extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) || extra == 3 && (cp < 0x10000
                || cp > 0x10FFFF)) {
                return false;
            }
            i += extra + 1;
            if (cp >= 0x10000) {
                if (n + 2 > chars.length) {
                    return false;
                }
                chars[n++] = Character.highSurrogate(cp);
                chars[n++] = Character.lowSurrogate(cp);
            } else {
                if (n + 1 > chars.length) {
                    return false;
                }
                chars[n++] = (char) cp;
            }
        }
        length = n;
        return true;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        if (index >= length) {
            throw new IndexOutOfBoundsException("index=" + index + " >= length=" + length);
        }
        return chars[index];
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return toString().subSequence(start, end);
    }

    @Override
    public String toString() {
        return new String(chars, 0, length);
    }
}
