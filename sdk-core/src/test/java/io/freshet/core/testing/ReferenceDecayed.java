package io.freshet.core.testing;

import io.freshet.core.FeatureKind;
import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.testing.ReferenceModel.ExpectedValue;
import java.util.List;

/**
 * The {@link ReferenceModel}'s DECAYED_COUNT and DECAYED_SUM, the naive way: {@code sum of w * 2^(-(r - t) /
 * halfLife)} over every event the feature accepted, with {@code w} 1 for the count and the value for the sum, each
 * term computed on its own (no running decay), compared within {@link ReferenceModel#RELATIVE_TOLERANCE} of the
 * decayed sum of the absolute weights.
 */
final class ReferenceDecayed {
    private ReferenceDecayed() {
    }

    /**
     * @param f a DECAYED_COUNT or DECAYED_SUM feature
     * @param all the events it accepted
     * @param r the read time
     * @param maxT their largest event time
     * @return the decayed count or sum at {@code r}
     */
    static ExpectedValue decayed(FeatureSpec f, List<Accepted> all, long r, long maxT) {
        double decayed = 0;
        double mag = 0;
        for (Accepted a : all) {
            double w = f.kind == FeatureKind.DECAYED_COUNT ? 1 : a.value;
            double weight = Math.pow(2.0, -(double) (r - a.timeMs) / f.halfLifeMs);
            decayed += w * weight;
            mag += Math.abs(w) * weight;
        }
        return ExpectedValue.ofDouble(f.name, f.kind, decayed, ReferenceModel.tolerance(mag), maxT);
    }
}
