package io.freshet.core.testing;

import io.freshet.core.FeatureKind;
import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.testing.ReferenceModel.ExpectedValue;
import java.util.List;

/**
 * The {@link ReferenceModel}'s COUNT, SUM, MEAN, MIN and MAX, the naive way, over the live events (for a windowed
 * feature, those of the tiles a read covers). Sums and means are compared within {@link
 * ReferenceModel#RELATIVE_TOLERANCE} of the sum of the absolute values (the kernels may add in another order).
 */
final class ReferenceTotals {
    private ReferenceTotals() {
    }

    /**
     * @param f a COUNT feature
     * @param live the events the read covers
     * @param maxT the largest event time the feature accepted
     * @return how many there are
     */
    static ExpectedValue count(FeatureSpec f, List<Accepted> live, long maxT) {
        return ExpectedValue.ofLong(f.name, f.kind, live.size(), maxT);
    }

    /**
     * @param f a SUM feature
     * @param live the events the read covers
     * @param maxT the largest event time the feature accepted
     * @return the sum of their values
     */
    static ExpectedValue sum(FeatureSpec f, List<Accepted> live, long maxT) {
        double sum = 0;
        double magnitude = 0;
        for (Accepted a : live) {
            sum += a.value;
            magnitude += Math.abs(a.value);
        }
        return ExpectedValue.ofDouble(f.name, f.kind, sum, ReferenceModel.tolerance(magnitude), maxT);
    }

    /**
     * @param f a MEAN feature
     * @param live the events the read covers
     * @param maxT the largest event time the feature accepted
     * @return the mean of their values; missing when there are none
     */
    static ExpectedValue mean(FeatureSpec f, List<Accepted> live, long maxT) {
        if (live.isEmpty()) {
            return ExpectedValue.missing(f.name, f.kind);
        }
        double sum = 0;
        double magnitude = 0;
        for (Accepted a : live) {
            sum += a.value;
            magnitude += Math.abs(a.value);
        }
        return ExpectedValue.ofDouble(f.name, f.kind, sum / live.size(),
            ReferenceModel.tolerance(magnitude / live.size()), maxT);
    }

    /**
     * @param f a MIN or MAX feature
     * @param live the events the read covers
     * @param maxT the largest event time the feature accepted
     * @return the smallest or largest of their values; missing when there are none
     */
    static ExpectedValue extreme(FeatureSpec f, List<Accepted> live, long maxT) {
        if (live.isEmpty()) {
            return ExpectedValue.missing(f.name, f.kind);
        }
        double m = live.get(0).value;
        for (Accepted a : live) {
            m = f.kind == FeatureKind.MIN ? Math.min(m, a.value) : Math.max(m, a.value);
        }
        return ExpectedValue.ofDouble(f.name, f.kind, m, 0, maxT);
    }
}
