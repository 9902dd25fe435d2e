package io.freshet.core.testing;

import io.freshet.core.Categories;
import io.freshet.core.FeatureKind;
import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.testing.ReferenceModel.ExpectedValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link ReferenceModel}'s LATEST_CATEGORY and LAST_N_CATEGORIES, the naive way: what each accepted value is
 * stored as ({@link #store}), then the newest one (or n), newest first, and how many of all the accepted values were
 * misses.
 */
final class ReferenceCategories {
    private ReferenceCategories() {
    }

    /**
     * What a categorical feature stores for a value, the naive way: a dictionary keeps the declared name (or
     * {@code Categories.OTHER}, a miss); UTF-8 keeps the longest prefix of whole code points whose
     * {@code String.getBytes(UTF_8)} fits in maxBytes (a miss when it is shorter than the value).
     */
    static void store(Categories c, String text, Accepted into) {
        if (c.isDictionary()) {
            int id = c.otherId();
            for (int j = 0; j < c.size(); j++) {
                if (c.name(j).equals(text)) {
                    id = j;
                }
            }
            into.text = c.name(id);
            into.id = id;
            into.miss = id == c.otherId();
            return;
        }
        String kept = text;
        while (kept.getBytes(StandardCharsets.UTF_8).length > c.maxBytes()) {
            kept = kept.substring(0, kept.offsetByCodePoints(0, kept.codePointCount(0, kept.length()) - 1));
        }
        // A lone surrogate is written as '?' (as getBytes does): compare the decoded bytes.
        into.text = new String(kept.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        into.id = kept.getBytes(StandardCharsets.UTF_8).length;
        into.miss = !kept.equals(text);
    }

    /**
     * @param f a LATEST_CATEGORY or LAST_N_CATEGORIES feature
     * @param all the events it accepted, each {@linkplain #store stored}
     * @return the newest value (or n), newest first, and the misses among all of them
     */
    static ExpectedValue expected(FeatureSpec f, List<Accepted> all) {
        List<Accepted> sorted = new ArrayList<>(all);
        sorted.sort(Accepted.NEWEST_LAST.reversed());
        int size = Math.min(f.kind == FeatureKind.LATEST_CATEGORY ? 1 : f.param, sorted.size());
        String[] texts = new String[size];
        long[] ids = new long[size];
        long[] times = new long[size];
        for (int j = 0; j < size; j++) {
            texts[j] = sorted.get(j).text;
            ids[j] = sorted.get(j).id;
            times[j] = sorted.get(j).timeMs;
        }
        long misses = 0;
        for (Accepted a : all) {
            misses += a.miss ? 1 : 0;
        }
        // Latest: the event time is the newest accepted, which is the newest entry's.
        return ExpectedValue.categories(f.name, f.kind, f.categories, texts, ids, times, misses);
    }
}
