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
    TextKey(int capacity) {
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
