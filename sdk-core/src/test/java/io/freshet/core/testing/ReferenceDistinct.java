package io.freshet.core.testing;

import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.testing.ReferenceModel.ExpectedValue;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@link ReferenceModel}'s DISTINCT_APPROX, the naive way: the exact number of distinct ids among the live events,
 * against which the HyperLogLog estimate is compared within {@link #distinctTolerance}.
 */
final class ReferenceDistinct {
    private ReferenceDistinct() {
    }

    /**
     * @param f a DISTINCT_APPROX feature
     * @param live the events the read covers
     * @param maxT the largest event time the feature accepted
     * @return the exact distinct count, with the sketch's bound as its tolerance
     */
    static ExpectedValue distinct(FeatureSpec f, List<Accepted> live, long maxT) {
        Set<Long> distinct = new HashSet<>();
        for (Accepted a : live) {
            distinct.add(a.id);
        }
        int exact = distinct.size();
        return ExpectedValue.ofDouble(f.name, f.kind, exact, distinctTolerance(exact, f.param), maxT);
    }

    /** See {@link ReferenceModel#distinctTolerance}. */
    static double distinctTolerance(long exact, int precision) {
        return Math.max(2, 5 * (1.04 / Math.sqrt(1 << precision)) * exact);
    }
}
