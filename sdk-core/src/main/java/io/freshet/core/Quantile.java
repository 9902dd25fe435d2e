package io.freshet.core;

/**
 * Which quantile a {@link FeatureSetBuilder#quantile quantile feature} estimates, and the sketch that estimates it:
 * a log-bucket histogram (DDSketch-style) of fixed size per tile, with relative accuracy {@code relativeError} for
 * values inside the declared {@code range}. Immutable; each option returns a new instance, checked at once.
 *
 * <p>Rank convention: of the n values in the window sorted ascending, the quantile q is the value of rank
 * {@code max(1, ceil(q * n))} (the lower nearest rank: p50 of 1..10 is 5, p90 is 9, p100 is the maximum). The
 * estimate {@code e} of that value {@code x} satisfies {@code |e - x| <= relativeError * x} when x is inside the
 * range; values below the range count in an underflow bucket that reads as {@code min}, values above it (and any
 * value of at most zero, which is below every range) in an overflow or underflow bucket that reads as {@code max} or
 * {@code min}: the estimate is then within {@code relativeError} of the value clamped into the range.
 *
 * <p>Size: {@code buckets = ceil(ln(max) / ln(g)) - ceil(ln(min) / ln(g)) + 1} with {@code g = (1 + a) / (1 - a)},
 * plus the two edge buckets, each a 16-bit counter that saturates at 65,535 events per tile (more events of one
 * bucket in one tile are not counted: ranks then lean away from that bucket), plus an 8-byte header (the count, the
 * lowest and highest bucket used): per tile {@code 8 + 2 * (buckets + 2)} bytes rounded up to 8. E.g. the default
 * a = 0.02 over [0.01, 1e6] has 462 buckets, 936 bytes per tile; a = 0.05 over [1, 1e5] has 117 buckets, 248 bytes
 * per tile.
 */
public final class Quantile {
    /** Default relative accuracy: 2%. */
    public static final double DEFAULT_RELATIVE_ERROR = 0.02;
    /** Default range of values estimated within the relative error: 0.01 to 1e6. */
    public static final double DEFAULT_MIN = 0.01;
    /** Default upper end of the range. */
    public static final double DEFAULT_MAX = 1e6;
    /** Smallest relative error accepted (finer sketches outgrow a row). */
    public static final double MIN_RELATIVE_ERROR = 0.001;
    /** Largest relative error accepted. */
    public static final double MAX_RELATIVE_ERROR = 0.2;

    private final double q;
    private final double relativeError;
    private final double min;
    private final double max;

    private Quantile(double q, double relativeError, double min, double max) {
        this.q = q;
        this.relativeError = relativeError;
        this.min = min;
        this.max = max;
    }

    /**
     * @param q the quantile, in (0, 1], e.g. 0.9 for p90
     * @return a quantile with the default relative error and range
     * @throws FeatureDefinitionException when q is out of range
     */
    public static Quantile of(double q) {
        if (!(q > 0 && q <= 1)) {
            throw new FeatureDefinitionException("quantile q=" + q + " is out of range: use 0 < q <= 1, e.g. 0.9");
        }
        return new Quantile(q, DEFAULT_RELATIVE_ERROR, DEFAULT_MIN, DEFAULT_MAX);
    }

    /**
     * @param a relative accuracy, {@value #MIN_RELATIVE_ERROR} to {@value #MAX_RELATIVE_ERROR} (0.02 = 2%)
     * @return the same quantile with that accuracy
     * @throws FeatureDefinitionException when a is out of range
     */
    public Quantile relativeError(double a) {
        if (!(a >= MIN_RELATIVE_ERROR && a <= MAX_RELATIVE_ERROR)) {
            throw new FeatureDefinitionException("quantile relativeError=" + a + " is out of range: use "
                + MIN_RELATIVE_ERROR + " to " + MAX_RELATIVE_ERROR + ", e.g. 0.02 for 2%");
        }
        return new Quantile(q, a, min, max);
    }

    /**
     * @param lowest the smallest value estimated within the relative error, positive and finite
     * @param highest the largest, finite and greater than {@code lowest}
     * @return the same quantile over that range
     * @throws FeatureDefinitionException when the range is empty, not positive or not finite
     */
    public Quantile range(double lowest, double highest) {
        if (!(lowest > 0) || !Double.isFinite(highest) || !(highest > lowest)) {
            throw new FeatureDefinitionException("quantile range=[" + lowest + ", " + highest + "] is invalid: use "
                + "0 < min < max, both finite, e.g. range(0.01, 1e6) for amounts");
        }
        return new Quantile(q, relativeError, lowest, highest);
    }

    /** @return the quantile, in (0, 1] */
    public double q() {
        return q;
    }

    /** @return the relative accuracy */
    public double relativeError() {
        return relativeError;
    }

    /** @return the lower end of the range */
    public double min() {
        return min;
    }

    /** @return the upper end of the range */
    public double max() {
        return max;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Quantile && ((Quantile) o).q == q && ((Quantile) o).relativeError == relativeError
            && ((Quantile) o).min == min && ((Quantile) o).max == max;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(q) * 31 * 31 * 31 + Double.hashCode(relativeError) * 31 * 31 + Double.hashCode(min) * 31
            + Double.hashCode(max);
    }

    @Override
    public String toString() {
        return "Quantile(q=" + q + ", relativeError=" + relativeError + ", range=[" + min + ", " + max + "])";
    }
}
