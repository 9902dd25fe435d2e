package io.freshet.core.testing;

import io.freshet.core.FeatureKind;
import io.freshet.core.internal.FeatureSpec;
import io.freshet.core.testing.ReferenceModel.ExpectedValue;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link ReferenceModel}'s VARIANCE, STDDEV and QUANTILE, the naive way, over the live events. Variance and
 * stddev: the exact population variance ({@link #exactVariance}, exact sums) within the stated bound ({@link
 * #varianceTolerance}). Quantile: the exact value of rank {@code max(1, ceil(q * n))} of the live values clamped into
 * the declared range, compared within the declared relative error ({@link #quantileTolerance}).
 */
final class ReferenceSpread {
    private ReferenceSpread() {
    }

    /**
     * Variance or stddev: the exact population variance of the accepted doubles (sums of x and x^2 in BigDecimal,
     * one rounding at the end), and the stated bound around it ({@link #varianceTolerance}).
     *
     * @param f a VARIANCE or STDDEV feature
     * @param live the events the read covers
     * @param maxT the largest event time the feature accepted
     * @return the expected value; missing when there are no live events
     */
    static ExpectedValue spread(FeatureSpec f, List<Accepted> live, long maxT) {
        if (live.isEmpty()) {
            return ExpectedValue.missing(f.name, f.kind);
        }
        int tiles = f.window.isLifetime() ? 0 : f.window.tileCount();
        double[] values = new double[live.size()];
        for (int j = 0; j < values.length; j++) {
            values[j] = live.get(j).value;
        }
        double[] moments = exactMoments(values);
        double variance = moments[0];
        double rms = moments[1];
        double varianceTol = varianceTolerance(values.length, tiles, variance, rms);
        if (f.kind == FeatureKind.VARIANCE) {
            return ExpectedValue.ofDouble(f.name, f.kind, variance, varianceTol, maxT);
        }
        double stddev = Math.sqrt(variance);
        // |sqrt(a) - sqrt(b)| <= min(sqrt(|a - b|), |a - b| / sqrt(b)), plus the rounding of the kernel's sqrt.
        double tol = stddev == 0 ? Math.sqrt(varianceTol)
            : Math.min(Math.sqrt(varianceTol), varianceTol / stddev) + 0x1p-52 * stddev;
        return ExpectedValue.ofDouble(f.name, f.kind, stddev, tol, maxT);
    }

    /** See {@link ReferenceModel#exactVariance}. */
    static double exactVariance(double[] values) {
        return exactMoments(values)[0];
    }

    /** See {@link ReferenceModel#rms}. */
    static double rms(double[] values) {
        return exactMoments(values)[1];
    }

    /** {variance, rms}, both from exact sums. */
    private static double[] exactMoments(double[] values) {
        final BigDecimal n = BigDecimal.valueOf(values.length);
        BigDecimal sum;
        BigDecimal squares;
        long scaledSum = 0;
        long scaledSquares = 0;
        boolean small = values.length < (1 << 20);
        for (int j = 0; j < values.length && small; j++) {
            double scaled = values[j] * 16;
            small = scaled == Math.rint(scaled) && Math.abs(scaled) < (1 << 20);
            long x = (long) scaled;
            scaledSum += x;
            scaledSquares += x * x;
        }
        if (small) {
            // Sums of (16x) and (16x)^2, exact in longs: |16x| < 2^20, fewer than 2^20 values.
            sum = BigDecimal.valueOf(scaledSum).divide(BigDecimal.valueOf(16));
            squares = BigDecimal.valueOf(scaledSquares).divide(BigDecimal.valueOf(256));
        } else {
            sum = BigDecimal.ZERO;
            squares = BigDecimal.ZERO;
            for (double v : values) {
                BigDecimal x = new BigDecimal(v);
                sum = sum.add(x);
                squares = squares.add(x.multiply(x));
            }
        }
        BigDecimal numerator = n.multiply(squares).subtract(sum.multiply(sum));
        double variance = numerator.divide(n.multiply(n), MathContext.DECIMAL128).doubleValue();
        double rms = Math.sqrt(squares.divide(n, MathContext.DECIMAL128).doubleValue());
        return new double[] {variance, rms};
    }

    /** See {@link ReferenceModel#varianceTolerance}. */
    static double varianceTolerance(long n, int tiles, double variance, double rms) {
        return ReferenceModel.VARIANCE_ERROR_FACTOR * (n + tiles) * 0x1p-53 * rms * Math.sqrt(variance);
    }

    /**
     * The exact quantile of the live values, each clamped into the declared range: the value of rank
     * {@code max(1, ceil(q * n))} of them sorted ascending, with q * n taken in decimal (0.9 * 10 is 9). The sketch
     * must match it within the declared relative error (and a relative 1e-9 for rounding at bucket edges).
     *
     * @param f a QUANTILE feature
     * @param live the events the read covers
     * @param maxT the largest event time the feature accepted
     * @return the expected value; missing when there are no live events
     */
    static ExpectedValue quantile(FeatureSpec f, List<Accepted> live, long maxT) {
        if (live.isEmpty()) {
            return ExpectedValue.missing(f.name, f.kind);
        }
        double[] sorted = new double[live.size()];
        for (int j = 0; j < sorted.length; j++) {
            sorted[j] = Math.min(f.quantile.max(), Math.max(f.quantile.min(), live.get(j).value));
        }
        Arrays.sort(sorted);
        long rank = new BigDecimal(Double.toString(f.quantile.q())).multiply(BigDecimal.valueOf(sorted.length))
            .setScale(0, RoundingMode.CEILING).longValueExact();
        double exact = sorted[(int) Math.max(1, Math.min(rank, sorted.length)) - 1];
        return ExpectedValue.ofDouble(f.name, f.kind, exact, quantileTolerance(exact, f.quantile.relativeError()),
            maxT);
    }

    /** See {@link ReferenceModel#quantileTolerance}. */
    static double quantileTolerance(double exact, double relativeError) {
        return (relativeError + 1e-9) * Math.abs(exact);
    }
}
