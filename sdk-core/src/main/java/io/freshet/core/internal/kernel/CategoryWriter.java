package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.Memory.MEMORY;

import io.freshet.core.Categories;

/**
 * The categorical kinds' half of an apply: {@link #prepare} encodes an extracted value into a {@link PreparedEvent}
 * on the consumer thread (a dictionary look-up, or UTF-8 text packed into longs, cut at a code point boundary), and
 * an instance writes prepared values into rows on the writer thread. Layouts are on {@link CategoryLayout}.
 *
 * <p>Allocation: none. Threading: {@link #prepare} is static and stateless; an instance belongs to its
 * {@link RowWriteKernel}.
 */
final class CategoryWriter {
    /** Per stored feature k: first text word in the prepared event (-1: none), text words per value, last-N n. */
    private final int[] preparedWord;
    private final int[] words;
    private final int[] param;

    CategoryWriter(CompiledLayout l) {
        int n = l.stored.length;
        preparedWord = new int[n];
        words = new int[n];
        param = new int[n];
        for (int k = 0; k < n; k++) {
            int i = l.stored[k];
            preparedWord[k] = l.categories.preparedWord[i];
            words[k] = l.categories.words[i];
            param[k] = l.param[i];
        }
    }

    /**
     * Encodes one value of stored feature k: {@code ids[k]} = the dictionary id or the UTF-8 byte length,
     * {@code values[k]} = 1 when the value was cut or not in the dictionary, else 0; UTF-8 text goes to
     * {@code ids[word .. word + words - 1]}, zero-padded, so that a row's bytes depend only on the value.
     */
    static void prepare(Categories c, CharSequence v, long[] ids, double[] values, int k, int word, int words) {
        if (c.isDictionary()) {
            int id = c.idOf(v);
            ids[k] = id;
            values[k] = id == c.otherId() ? 1 : 0;
            return;
        }
        final int max = c.maxBytes();
        final int n = v.length();
        int len = 0;
        long acc = 0;
        int w = word;
        boolean cut = false;
        for (int i = 0; i < n; i++) {
            char ch = v.charAt(i);
            int cp = ch;
            if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(v.charAt(i + 1))) {
                cp = Character.toCodePoint(ch, v.charAt(i + 1));
            } else if (Character.isSurrogate(ch)) {
                // A lone surrogate has no UTF-8 form: '?' as String.getBytes(UTF_8) writes it.
                cp = '?';
            }
            final int need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (len + need > max) {
                cut = true;
                break;
            }
            if (cp >= 0x10000) {
                i++;
            }
            for (int b = 0; b < need; b++) {
                int octet;
                if (need == 1) {
                    octet = cp;
                } else if (b == 0) {
                    octet = (need == 2 ? 0xC0 : need == 3 ? 0xE0 : 0xF0) | (cp >>> (6 * (need - 1)));
                } else {
                    octet = 0x80 | ((cp >>> (6 * (need - 1 - b))) & 0x3F);
                }
                acc |= (octet & 0xFFL) << ((len & 7) << 3);
                len++;
                if ((len & 7) == 0) {
                    ids[w++] = acc;
                    acc = 0;
                }
            }
        }
        if ((len & 7) != 0) {
            ids[w++] = acc;
        }
        for (final int end = word + words; w < end; w++) {
            ids[w] = 0;
        }
        ids[k] = len;
        values[k] = cut ? 1 : 0;
    }

    /** LATEST_CATEGORY at absolute {@code block} (the feature's header): the newest value wins, a tie to the later. */
    void applyLatest(Object base, long block, int k, boolean wins, long[] ids, double[] values) {
        MEMORY.putLong(base, block + 16, MEMORY.getLong(base, block + 16) + (long) values[k]);
        if (!wins) {
            return;
        }
        MEMORY.putLong(base, block + 8, ids[k]);
        final int w = preparedWord[k];
        for (int j = 0; j < words[k]; j++) {
            MEMORY.putLong(base, block + 24 + j * 8L, ids[w + j]);
        }
    }

    /** LAST_N_CATEGORIES at absolute {@code block}: inserts (t, value) into the newest-first list, as LAST_N. */
    void insertLastN(Object base, long block, int k, long t, long[] ids, double[] values) {
        MEMORY.putLong(base, block + 16, MEMORY.getLong(base, block + 16) + (long) values[k]);
        final int n = param[k];
        final int textWords = words[k];
        final long stride = 16 + 8L * textWords;
        final int size = (int) MEMORY.getLong(base, block + 8);
        final long entries = block + 24;
        int pos = 0;
        while (pos < size && MEMORY.getLong(base, entries + pos * stride) > t) {
            pos++;
        }
        if (pos >= n) {
            return;
        }
        final int longs = 2 + textWords;
        for (int j = Math.min(size, n - 1) - 1; j >= pos; j--) {
            final long from = entries + j * stride;
            for (int x = 0; x < longs; x++) {
                MEMORY.putLong(base, from + stride + x * 8L, MEMORY.getLong(base, from + x * 8L));
            }
        }
        final long at = entries + pos * stride;
        MEMORY.putLong(base, at, t);
        MEMORY.putLong(base, at + 8, ids[k]);
        final int w = preparedWord[k];
        for (int j = 0; j < textWords; j++) {
            MEMORY.putLong(base, at + 16 + j * 8L, ids[w + j]);
        }
        if (size < n) {
            MEMORY.putLong(base, block + 8, size + 1);
        }
    }
}
