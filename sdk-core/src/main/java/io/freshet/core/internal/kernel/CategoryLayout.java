package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.kernel.CompiledLayout.K_LAST_N_CATEGORIES;
import static io.freshet.core.internal.kernel.CompiledLayout.K_LATEST_CATEGORY;

import io.freshet.core.Categories;
import io.freshet.core.internal.FeatureSpec;
import java.util.List;
import java.util.function.Function;

/**
 * The categorical features' part of a {@link CompiledLayout}: their extractors and storage, and where their values
 * travel. A categorical value is a long (a dictionary id, or the byte length of UTF-8 text) plus, for UTF-8, the text
 * packed into {@code words} longs (byte j of the text is bits {@code 8*(j%8)} of word {@code j/8}, zero-padded).
 *
 * <pre>
 * Row, after the feature's eventTimeMs (see CompiledLayout):
 *   LATEST_CATEGORY     value long, misses long, then words longs of text (UTF-8 only)
 *   LAST_N_CATEGORIES   size long, misses long, then n entries [eventTimeMs long, value long, words longs of text],
 *                       newest first
 *   misses: events whose value was cut to maxBytes (UTF-8) or was not in the dictionary (stored as other)
 * PreparedEvent, stored feature k: ids[k] = value, values[k] = 1 for a miss else 0, and for UTF-8 the text in
 *   ids[preparedWord[i] .. + words[i]], past the set's stored features (so its capacity covers them)
 * FeatureVector: the text of UTF-8 values in text[textWord[i] + position * words[i] ..], misses[i]
 * </pre>
 *
 * <p>Internal. Immutable after construction.
 */
public final class CategoryLayout {
    /** Text extractor per feature, null for a non-categorical one. */
    public final Function<Object, ? extends CharSequence>[] textFns;
    public final Categories[] categories;
    /** Longs of UTF-8 text per value, 0 for a dictionary or a non-categorical feature. */
    public final int[] words;
    /** First text word in the prepared event's ids, -1 when none. */
    public final int[] preparedWord;
    /** First text word in the vector's text array, -1 when none. */
    public final int[] textWord;
    /** Longs of text a vector holds. */
    public final int textWords;
    /** Smallest PreparedEvent capacity for the set: its stored features plus their text words. */
    public final int preparedCapacity;
    /** Whether the set has any categorical feature. */
    public final boolean any;

    @SuppressWarnings("unchecked")
    CategoryLayout(List<FeatureSpec> features, int[] kind, int[] param, int storedCount) {
        int n = features.size();
        textFns = new Function[n];
        categories = new Categories[n];
        words = new int[n];
        preparedWord = new int[n];
        textWord = new int[n];
        int prepared = storedCount;
        int text = 0;
        boolean found = false;
        for (int i = 0; i < n; i++) {
            FeatureSpec f = features.get(i);
            preparedWord[i] = -1;
            textWord[i] = -1;
            if (kind[i] != K_LATEST_CATEGORY && kind[i] != K_LAST_N_CATEGORIES) {
                continue;
            }
            found = true;
            textFns[i] = f.textFn;
            categories[i] = f.categories;
            if (!f.categories.isDictionary()) {
                words[i] = (f.categories.maxBytes() + 7) >>> 3;
                preparedWord[i] = prepared;
                prepared += words[i];
                textWord[i] = text;
                text += words[i] * (kind[i] == K_LAST_N_CATEGORIES ? param[i] : 1);
            }
        }
        any = found;
        textWords = text;
        preparedCapacity = prepared;
    }

    /** Bytes of a categorical feature's state after its event time. */
    long headerStateBytes(int k, int i, int n) {
        return k == K_LATEST_CATEGORY ? 16 + 8L * words[i] : 16 + (long) n * (16 + 8L * words[i]);
    }

    /** Model columns of a categorical feature. */
    int width(int k, int i, int n) {
        if (k == K_LAST_N_CATEGORIES) {
            return n;
        }
        return categories[i].isOneHot() ? categories[i].size() + 1 : 1;
    }
}
