package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.Memory.MEMORY;
import static io.freshet.core.internal.kernel.CompiledLayout.MISSING_LONG;
import static io.freshet.core.internal.kernel.CompiledLayout.NO_TIME;

/**
 * A vector's categorical values beside its value arrays: the UTF-8 text of fixed-width values and each categorical
 * feature's miss count, filled by {@link RowReadKernel} from a row (layouts on {@link CategoryLayout}). A value's long
 * (the dictionary id or the text's byte length) stays in the vector's {@code bits}, like every other value.
 *
 * <p>Threading: the vector's. Allocation: none after construction, including {@link #appendText}.
 */
public final class CategoryValues {
    private final CategoryLayout c;
    private final long[] text;
    private final long[] misses;

    CategoryValues(CompiledLayout l) {
        this.c = l.categories;
        this.text = new long[c.textWords];
        this.misses = new long[l.featureCount];
    }

    /** LATEST_CATEGORY: the value (id or length), its text and the misses; missing when no event. */
    void evaluateLatest(Object base, long a, int i, int off, int s, long ft, long[] bits, long[] timesMs,
        int[] sizes) {
        misses[i] = MEMORY.getLong(base, a + off + 16);
        if (ft == NO_TIME) {
            bits[s] = MISSING_LONG;
            timesMs[s] = NO_TIME;
            sizes[i] = 0;
            return;
        }
        bits[s] = MEMORY.getLong(base, a + off + 8);
        timesMs[s] = ft;
        sizes[i] = 1;
        final int words = c.words[i];
        final int t = c.textWord[i];
        for (int j = 0; j < words; j++) {
            text[t + j] = MEMORY.getLong(base, a + off + 24 + j * 8L);
        }
    }

    /** LAST_N_CATEGORIES: the size is the row's clamped to n, so that a torn row reads no further. */
    void evaluateLastN(Object base, long a, int i, int off, int s, int n, long[] bits, long[] timesMs,
        int[] sizes) {
        misses[i] = MEMORY.getLong(base, a + off + 16);
        final int size = (int) Math.max(0, Math.min(n, MEMORY.getLong(base, a + off + 8)));
        final int words = c.words[i];
        final long stride = 16 + 8L * words;
        final long entries = a + off + 24;
        for (int j = 0; j < n; j++) {
            if (j < size) {
                final long e = entries + j * stride;
                timesMs[s + j] = MEMORY.getLong(base, e);
                bits[s + j] = MEMORY.getLong(base, e + 8);
                final int t = c.textWord[i] + j * words;
                for (int x = 0; x < words; x++) {
                    text[t + x] = MEMORY.getLong(base, e + 16 + x * 8L);
                }
            } else {
                timesMs[s + j] = NO_TIME;
                bits[s + j] = MISSING_LONG;
            }
        }
        sizes[i] = size;
    }

    /**
     * @return the UTF-8 text of every value, {@code textWords} longs as {@link CategoryLayout} places them (for the
     *     served-feature log, which records them; not to be written)
     */
    public long[] text() {
        return text;
    }

    /**
     * Makes the text what a served-feature log entry recorded (the misses, which the log does not record, are the
     * vector's to hide).
     *
     * @param from the entry's text, {@code textWords} longs
     */
    public void restore(long[] from) {
        System.arraycopy(from, 0, text, 0, text.length);
    }

    /** Forgets the misses (the vector of a key with no row). */
    void clear() {
        java.util.Arrays.fill(misses, 0);
    }

    /**
     * @param i feature index
     * @return events of the row whose value was cut (UTF-8) or outside the dictionary
     */
    public long misses(int i) {
        return misses[i];
    }

    /**
     * Appends the UTF-8 text of value {@code position} of feature i, {@code length} bytes, to {@code into}. The
     * bytes are the encoder's (whole code points), so the decode needs no error path; a byte that is not the start
     * of a sequence it knows reads as U+FFFD.
     *
     * @param i feature index (UTF-8 storage)
     * @param position 0 for LATEST_CATEGORY, the last-N position otherwise
     * @param length the value's byte length (its long in the vector)
     * @param into where to append
     */
    public void appendText(int i, int position, long length, StringBuilder into) {
        final int words = c.words[i];
        final int first = c.textWord[i] + position * words;
        final int len = (int) Math.max(0, Math.min(length, words * 8L));
        int j = 0;
        while (j < len) {
            int b = byteAt(first, j);
            int need;
            int cp;
            if (b < 0x80) {
                need = 1;
                cp = b;
            } else if ((b & 0xE0) == 0xC0) {
                need = 2;
                cp = b & 0x1F;
            } else if ((b & 0xF0) == 0xE0) {
                need = 3;
                cp = b & 0x0F;
            } else if ((b & 0xF8) == 0xF0) {
                need = 4;
                cp = b & 0x07;
            } else {
                into.append('\uFFFD');
                j++;
                continue;
            }
            if (j + need > len) {
                into.append('\uFFFD');
                return;
            }
            for (int x = 1; x < need; x++) {
                cp = (cp << 6) | (byteAt(first, j + x) & 0x3F);
            }
            j += need;
            if (cp >= 0x10000) {
                into.append(Character.highSurrogate(cp)).append(Character.lowSurrogate(cp));
            } else {
                into.append((char) cp);
            }
        }
    }

    private int byteAt(int firstWord, int j) {
        return (int) (text[firstWord + (j >>> 3)] >>> ((j & 7) << 3)) & 0xFF;
    }
}
