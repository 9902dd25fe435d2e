package io.freshet.core.internal.kernel;

import static io.freshet.core.internal.Memory.MEMORY;

/**
 * The moments accumulator of VARIANCE and STDDEV: count, mean and M2 (the sum of squared deviations from the mean),
 * folded one value at a time with Welford's update and merged with Chan, Golub and LeVeque's pairwise formula. Both
 * work on deviations from a running mean, never on a sum of squares, so a large mean with a small spread (amounts
 * around 1e9 that differ by cents) keeps its digits: {@code sum(x^2) - sum(x)^2 / n} would cancel them.
 *
 * <pre>
 * accumulator, {@value #BYTES} bytes at acc (absolute: base + address + row offset):
 *   +0  count  long    values folded in; 0 when empty (then mean and m2 are 0 too: all-zero is the identity)
 *   +8  mean   double  their mean
 *   +16 m2     double  sum of (x - mean)^2, never negative
 * </pre>
 *
 * <p>Error bound (Chan, Golub and LeVeque, "Algorithms for computing the sample variance", 1983): each update and
 * each merge adds a relative error of a few units of roundoff times the condition number {@code kappa = rms(x) /
 * stddev(x)}; a read of {@code n} values spread over {@code t} tiles is within {@code
 * VARIANCE_ERROR_FACTOR * (n + t) * 2^-53 * kappa} of the exact population variance of the same doubles (relative;
 * the test's ReferenceModel checks reads against exactly this). Well-conditioned data (kappa near 1) is good to about
 * 5e-10 for a million values; a stddev's relative error is half its variance's.
 *
 * <p>Stateless and allocation-free. The writer calls {@link #add} and {@link #merge} on its own row; readers call
 * the read methods on a consistent row image and never write.
 */
final class Moments {
    /** Bytes of one accumulator. */
    static final int BYTES = 24;
    /** The constant of the stated error bound (see the class comment); the property tests check reads against it. */
    static final double VARIANCE_ERROR_FACTOR = 4;

    private Moments() {
    }

    /** Folds value {@code v} into the accumulator at absolute {@code acc} (Welford). */
    static void add(Object base, long acc, double v) {
        final long count = MEMORY.getLong(base, acc) + 1;
        final double mean = MEMORY.getDouble(base, acc + 8);
        final double delta = v - mean;
        final double newMean = mean + delta / count;
        // delta and (v - newMean) have the same sign (newMean lies between mean and v), so m2 never decreases.
        MEMORY.putLong(base, acc, count);
        MEMORY.putDouble(base, acc + 8, newMean);
        MEMORY.putDouble(base, acc + 16, MEMORY.getDouble(base, acc + 16) + delta * (v - newMean));
    }

    /** Sets the accumulator at absolute {@code acc} to the identity (empty). */
    static void reset(Object base, long acc) {
        MEMORY.putLong(base, acc, 0);
        MEMORY.putLong(base, acc + 8, 0);
        MEMORY.putLong(base, acc + 16, 0);
    }

    /** Copies the accumulator at absolute {@code src} to {@code dst}. */
    static void copy(Object base, long dst, long src) {
        MEMORY.putLong(base, dst, MEMORY.getLong(base, src));
        MEMORY.putLong(base, dst + 8, MEMORY.getLong(base, src + 8));
        MEMORY.putLong(base, dst + 16, MEMORY.getLong(base, src + 16));
    }

    /**
     * Writes the merge of the accumulators at absolute {@code older} and {@code newer} to {@code dst} (which may be
     * neither of them): Chan et al.'s pairwise formula.
     */
    static void merge(Object base, long dst, long older, long newer) {
        final long na = MEMORY.getLong(base, older);
        final long nb = MEMORY.getLong(base, newer);
        if (nb == 0) {
            copy(base, dst, older);
            return;
        }
        if (na == 0) {
            copy(base, dst, newer);
            return;
        }
        final double ma = MEMORY.getDouble(base, older + 8);
        final double mb = MEMORY.getDouble(base, newer + 8);
        final long n = na + nb;
        final double delta = mb - ma;
        MEMORY.putLong(base, dst, n);
        MEMORY.putDouble(base, dst + 8, ma + delta * ((double) nb / n));
        MEMORY.putDouble(base, dst + 16, MEMORY.getDouble(base, older + 16) + MEMORY.getDouble(base, newer + 16)
            + delta * delta * ((double) na * nb / n));
    }

    /**
     * @return the population variance of the accumulator at absolute {@code acc}; NaN when empty
     */
    static double variance(Object base, long acc) {
        final long n = MEMORY.getLong(base, acc);
        return n == 0 ? Double.NaN : MEMORY.getDouble(base, acc + 16) / n;
    }

    /**
     * The population variance of the merge of two accumulators, without writing it anywhere (a read).
     *
     * @return the variance; NaN when both are empty
     */
    static double mergedVariance(Object base, long older, long newer) {
        final long na = MEMORY.getLong(base, older);
        final long nb = MEMORY.getLong(base, newer);
        if (nb == 0) {
            return variance(base, older);
        }
        if (na == 0) {
            return variance(base, newer);
        }
        final long n = na + nb;
        final double delta = MEMORY.getDouble(base, newer + 8) - MEMORY.getDouble(base, older + 8);
        final double m2 = MEMORY.getDouble(base, older + 16) + MEMORY.getDouble(base, newer + 16)
            + delta * delta * ((double) na * nb / n);
        return m2 / n;
    }

    /**
     * The population variance of {@code count} consecutive ring slots from {@code first} (wrapping at {@code tiles}),
     * merged oldest first: the scan a read older than the newest tile needs (no suffix covers its window).
     *
     * @param tileBase absolute address of slot 0
     * @return the variance; NaN when the slots are empty
     */
    static double scanVariance(Object base, long tileBase, int first, int count, int tiles) {
        long n = 0;
        double mean = 0;
        double m2 = 0;
        int slot = first;
        for (int left = count; left > 0; left--) {
            final long acc = tileBase + (long) slot * BYTES;
            final long nb = MEMORY.getLong(base, acc);
            if (nb != 0) {
                final double mb = MEMORY.getDouble(base, acc + 8);
                final double m2b = MEMORY.getDouble(base, acc + 16);
                if (n == 0) {
                    n = nb;
                    mean = mb;
                    m2 = m2b;
                } else {
                    final long total = n + nb;
                    final double delta = mb - mean;
                    m2 = m2 + m2b + delta * delta * ((double) n * nb / total);
                    mean = mean + delta * ((double) nb / total);
                    n = total;
                }
            }
            if (++slot == tiles) {
                slot = 0;
            }
        }
        return n == 0 ? Double.NaN : m2 / n;
    }
}
