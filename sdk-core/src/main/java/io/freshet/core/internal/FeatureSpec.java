package io.freshet.core.internal;

import io.freshet.core.Categories;
import io.freshet.core.FeatureKind;
import io.freshet.core.Quantile;
import io.freshet.core.Window;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * One feature as declared: immutable once built. Fields unused by a kind are null or 0.
 *
 * <p>Internal: not part of the public API.
 */
public final class FeatureSpec {
    public final String name;
    public final FeatureKind kind;
    public final Window window;
    /** Value extractor for numeric aggregates. */
    public final ToDoubleFunction<Object> valueFn;
    /** Id extractor for LAST_N and DISTINCT_APPROX. */
    public final ToLongFunction<Object> idFn;
    /** Event filter, or null. */
    public final Predicate<Object> filter;
    public final long halfLifeMs;
    /** LAST_N and LAST_N_CATEGORIES capacity, or the HyperLogLog precision for DISTINCT_APPROX. */
    public final int param;
    /** Derived inputs (names), or null. */
    public final String inputA;
    public final String inputB;
    /** The quantile and its sketch for QUANTILE, or null. */
    public final Quantile quantile;
    /** Text extractor of the categorical kinds, or null. */
    public final Function<Object, ? extends CharSequence> textFn;
    /** Storage of the categorical kinds, or null. */
    public final Categories categories;

    public FeatureSpec(String name, FeatureKind kind, Window window, ToDoubleFunction<?> valueFn,
        ToLongFunction<?> idFn, Predicate<?> filter, long halfLifeMs, int param, String inputA, String inputB) {
        this(name, kind, window, valueFn, idFn, filter, halfLifeMs, param, inputA, inputB, null, null, null);
    }

    public FeatureSpec(String name, FeatureKind kind, Window window, ToDoubleFunction<?> valueFn,
        ToLongFunction<?> idFn, Predicate<?> filter, long halfLifeMs, int param, String inputA, String inputB,
        Quantile quantile) {
        this(name, kind, window, valueFn, idFn, filter, halfLifeMs, param, inputA, inputB, quantile, null, null);
    }

    public FeatureSpec(String name, FeatureKind kind, Window window, ToDoubleFunction<?> valueFn,
        ToLongFunction<?> idFn, Predicate<?> filter, long halfLifeMs, int param, String inputA, String inputB,
        Function<?, ? extends CharSequence> textFn, Categories categories) {
        this(name, kind, window, valueFn, idFn, filter, halfLifeMs, param, inputA, inputB, null, textFn, categories);
    }

    @SuppressWarnings("unchecked")
    public FeatureSpec(String name, FeatureKind kind, Window window, ToDoubleFunction<?> valueFn,
        ToLongFunction<?> idFn, Predicate<?> filter, long halfLifeMs, int param, String inputA, String inputB,
        Quantile quantile, Function<?, ? extends CharSequence> textFn, Categories categories) {
        this.name = name;
        this.kind = kind;
        this.window = window;
        this.valueFn = (ToDoubleFunction<Object>) valueFn;
        this.idFn = (ToLongFunction<Object>) idFn;
        this.filter = (Predicate<Object>) filter;
        this.halfLifeMs = halfLifeMs;
        this.param = param;
        this.inputA = inputA;
        this.inputB = inputB;
        this.quantile = quantile;
        this.textFn = (Function<Object, ? extends CharSequence>) textFn;
        this.categories = categories;
    }

    /**
     * @param newFilter the filter
     * @return a copy with the filter set
     */
    public FeatureSpec withFilter(Predicate<?> newFilter) {
        return new FeatureSpec(name, kind, window, valueFn, idFn, newFilter, halfLifeMs, param, inputA, inputB,
            quantile, textFn, categories);
    }

    /** @return the canonical form that the fingerprint hashes (stored kinds only) */
    public String canonical() {
        StringBuilder sb = new StringBuilder();
        sb.append("f=").append(name).append(':').append(kind.name())
            .append(":w=").append(window.lengthMs()).append('/').append(window.tileMs())
            .append(":filter=").append(filter == null ? 0 : 1)
            .append(":hl=").append(halfLifeMs)
            .append(":p=").append(param);
        if (quantile != null) {
            // Only QUANTILE has this part, so the canonical forms (and fingerprints) of other kinds are unchanged.
            sb.append(":q=").append(quantile.q()).append('/').append(quantile.relativeError()).append('/')
                .append(quantile.min()).append('/').append(quantile.max());
        }
        if (categories != null) {
            // Only categorical features have this part, so the forms (and fingerprints) of other sets are unchanged.
            sb.append(":c=").append(canonical(categories));
        }
        return sb.toString();
    }

    /**
     * The storage as the canonical form records it: {@code uMAX} for UTF-8; {@code dSIZE.HASH[.oh]} for a dictionary
     * (FNV-1a 64 of the names in order: a renamed or reordered dictionary changes what ids mean, so the fingerprint).
     */
    static String canonical(Categories c) {
        if (!c.isDictionary()) {
            return "u" + c.maxBytes();
        }
        long h = 0xcbf29ce484222325L;
        for (int id = 0; id < c.size(); id++) {
            String n = c.name(id);
            for (int i = 0; i < n.length(); i++) {
                h = (h ^ n.charAt(i)) * 0x100000001b3L;
            }
            h = (h ^ 0xffff) * 0x100000001b3L;
        }
        return "d" + c.size() + "." + Long.toHexString(h) + (c.isOneHot() ? ".oh" : "");
    }

    /**
     * Storage with the same row size and model width as a canonical {@code c=} part (the names are placeholders:
     * a canonical form keeps only their hash).
     */
    static Categories fromCanonical(String c) {
        if (c.startsWith("u")) {
            return Categories.utf8(Integer.parseInt(c.substring(1)));
        }
        if (!c.startsWith("d")) {
            throw new IllegalArgumentException("categories part c=" + c + " is neither uN nor dN.HASH");
        }
        String[] p = c.substring(1).split("\\.", -1);
        String[] names = new String[Integer.parseInt(p[0])];
        for (int i = 0; i < names.length; i++) {
            names[i] = "c" + i;
        }
        Categories cats = Categories.of(names);
        return p.length > 2 && "oh".equals(p[2]) ? cats.oneHot() : cats;
    }
}
