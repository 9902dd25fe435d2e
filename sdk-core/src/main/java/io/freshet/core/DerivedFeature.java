package io.freshet.core;

import java.util.Objects;

/**
 * A feature computed at read time from other features of the same set; it keeps no state in the row, so adding or
 * changing one does not change the set's fingerprint. Create one with the {@link Builder} that
 * {@link FeatureSetBuilder#derived} passes in. Immutable.
 */
public final class DerivedFeature {
    final FeatureKind kind;
    final String inputA;
    final String inputB;

    private DerivedFeature(FeatureKind kind, String inputA, String inputB) {
        this.kind = kind;
        this.inputA = inputA;
        this.inputB = inputB;
    }

    @Override
    public String toString() {
        return kind + "(" + inputA + (inputB == null ? "" : ", " + inputB) + ")";
    }

    /** Makes derived features; the names must be features declared earlier in the same set. */
    public static final class Builder {
        Builder() {
        }

        /**
         * @param numerator feature name
         * @param denominator feature name
         * @return numerator / denominator; NaN (missing) when the denominator is 0 or an input is missing
         */
        public DerivedFeature ratio(String numerator, String denominator) {
            return new DerivedFeature(FeatureKind.RATIO, Objects.requireNonNull(numerator, "numerator can't be null"),
                Objects.requireNonNull(denominator, "denominator can't be null"));
        }

        /**
         * @param minuend feature name
         * @param subtrahend feature name
         * @return minuend - subtrahend; missing when an input is missing
         */
        public DerivedFeature difference(String minuend, String subtrahend) {
            return new DerivedFeature(FeatureKind.DIFFERENCE, Objects.requireNonNull(minuend, "minuend can't be null"),
                Objects.requireNonNull(subtrahend, "subtrahend can't be null"));
        }

        /**
         * @param feature feature name
         * @return read time minus the newest event time of that feature, in ms; missing when it has no event
         */
        public DerivedFeature timeSince(String feature) {
            return new DerivedFeature(FeatureKind.TIME_SINCE, Objects.requireNonNull(feature, "feature can't be null"),
                null);
        }
    }
}
