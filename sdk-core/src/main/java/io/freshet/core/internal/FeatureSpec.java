package io.freshet.core.internal;

import io.freshet.core.FeatureKind;
import io.freshet.core.Quantile;
import io.freshet.core.Window;
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
    /** LAST_N capacity, or the HyperLogLog precision for DISTINCT_APPROX. */
    public final int param;
    /** Derived inputs (names), or null. */
    public final String inputA;
    public final String inputB;
    /** The quantile and its sketch for QUANTILE, or null. */
    public final Quantile quantile;

    public FeatureSpec(String name, FeatureKind kind, Window window, ToDoubleFunction<?> valueFn,
        ToLongFunction<?> idFn, Predicate<?> filter, long halfLifeMs, int param, String inputA, String inputB) {
        this(name, kind, window, valueFn, idFn, filter, halfLifeMs, param, inputA, inputB, null);
    }

    @SuppressWarnings("unchecked")
    public FeatureSpec(String name, FeatureKind kind, Window window, ToDoubleFunction<?> valueFn,
        ToLongFunction<?> idFn, Predicate<?> filter, long halfLifeMs, int param, String inputA, String inputB,
        Quantile quantile) {
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
    }

    /**
     * @param newFilter the filter
     * @return a copy with the filter set
     */
    public FeatureSpec withFilter(Predicate<?> newFilter) {
        return new FeatureSpec(name, kind, window, valueFn, idFn, newFilter, halfLifeMs, param, inputA, inputB,
            quantile);
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
        return sb.toString();
    }
}
