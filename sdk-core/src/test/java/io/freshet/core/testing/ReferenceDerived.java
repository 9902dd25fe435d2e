package io.freshet.core.testing;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureVector;
import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.testing.ReferenceModel.ExpectedValue;
import java.util.List;

/**
 * The {@link ReferenceModel}'s derived kinds (RATIO, DIFFERENCE, TIME_SINCE), as documented on {@code
 * DerivedFeature}, from the expected values of their inputs: unknown when an input is, and a ratio whose denominator
 * may be 0 within its tolerance is unknown too (not compared).
 */
final class ReferenceDerived {
    private ReferenceDerived() {
    }

    /**
     * @param f a derived feature
     * @param out the expected values of the features declared before it, in declaration order
     * @param specs every feature of the set, in declaration order
     * @param r the read time
     * @return its expected value
     */
    static ExpectedValue derived(FeatureSpec f, List<ExpectedValue> out, List<FeatureSpec> specs, long r) {
        ExpectedValue a = out.get(indexOf(specs, f.inputA));
        if (!a.isKnown() || (f.inputB != null && !out.get(indexOf(specs, f.inputB)).isKnown())) {
            return ExpectedValue.unknown(f.name, f.kind);
        }
        switch (f.kind) {
            case TIME_SINCE:
                return a.eventTimeMs() == FeatureVector.NO_TIME ? ExpectedValue.missing(f.name, f.kind)
                    : ExpectedValue.ofDouble(f.name, f.kind, (double) (r - a.eventTimeMs()), 0, a.eventTimeMs());
            case RATIO:
            case DIFFERENCE: {
                ExpectedValue b = out.get(indexOf(specs, f.inputB));
                if (a.size() == 0 || b.size() == 0) {
                    return ExpectedValue.missing(f.name, f.kind);
                }
                double va = a.asDouble();
                double vb = b.asDouble();
                long t = Math.max(a.eventTimeMs(), b.eventTimeMs());
                if (f.kind == FeatureKind.DIFFERENCE) {
                    return ExpectedValue.ofDouble(f.name, f.kind, va - vb, a.tolerance() + b.tolerance(), t);
                }
                if (b.tolerance() >= Math.abs(vb) && b.tolerance() > 0) {
                    // The denominator may be 0 within its tolerance: presence and value are both unknowable.
                    return ExpectedValue.unknown(f.name, f.kind);
                }
                if (vb == 0) {
                    return ExpectedValue.missing(f.name, f.kind);
                }
                double ratio = va / vb;
                double tol = (a.tolerance() + Math.abs(ratio) * b.tolerance()) / (Math.abs(vb) - b.tolerance());
                return ExpectedValue.ofDouble(f.name, f.kind, ratio, tol + ReferenceModel.tolerance(Math.abs(ratio)),
                    t);
            }
            default:
                throw new IllegalStateException("not a derived kind: " + f.kind);
        }
    }

    private static int indexOf(List<FeatureSpec> specs, String name) {
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i).name.equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("unknown feature " + name);
    }
}
