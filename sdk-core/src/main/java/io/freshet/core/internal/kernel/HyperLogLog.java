package io.freshet.core.internal.kernel;

import io.freshet.core.internal.Fingerprint;
import io.freshet.core.spi.RowBuffer;

/**
 * HyperLogLog on a row's register arrays: the register update of the write kernel ({@link #add}) and the estimate
 * of the read kernel over one or several arrays ({@link #estimate}; several tiles are merged by taking the maximum of
 * each register). Flajolet et al. 2007 with the linear-counting small-range correction; a 64-bit hash
 * needs no large-range correction. Allocation-free.
 *
 * <p>Internal: not part of the public API.
 */
public final class HyperLogLog {
    /**
     * 2^-rank for every value a register byte can hold (0..127; a negative byte never raises the maximum), not only
     * the ranks a hash gives (0..65): a served read evaluates the row in place under its seqlock, where a torn or
     * damaged register may hold any byte, and the re-check discards that result, which must not throw first.
     */
    private static final double[] INV_POW2 = new double[Byte.MAX_VALUE + 1];

    static {
        for (int i = 0; i < INV_POW2.length; i++) {
            INV_POW2[i] = Math.scalb(1.0, -i);
        }
    }

    private HyperLogLog() {
    }

    /**
     * Adds one id to a register array: the register the hash's top p bits name keeps the largest rank seen.
     *
     * @param row the row
     * @param acc offset of the register array
     * @param p precision
     * @param id the id
     */
    static void add(RowBuffer row, int acc, int p, long id) {
        final long h = Fingerprint.mix64(id);
        final int register = (int) (h >>> (64 - p));
        final byte rank = (byte) (Long.numberOfLeadingZeros((h << p) | (1L << (p - 1))) + 1);
        if (rank > row.getByte(acc + register)) {
            row.putByte(acc + register, rank);
        }
    }

    /**
     * @param row the row
     * @param firstAcc offset of the first register array
     * @param stride bytes between arrays
     * @param firstSlot index of the first array to merge
     * @param count how many arrays to merge (wrapping at {@code ringSize}); 0 gives 0
     * @param ringSize number of arrays in the ring
     * @param p precision
     * @return the estimated distinct count
     */
    static double estimate(RowBuffer row, int firstAcc, int stride, int firstSlot, int count, int ringSize,
        int p) {
        if (count <= 0) {
            return 0;
        }
        final int m = 1 << p;
        double sum = 0;
        int zeros = 0;
        for (int j = 0; j < m; j++) {
            int max = 0;
            int s = firstSlot;
            for (int c = 0; c < count; c++) {
                int r = row.getByte(firstAcc + s * stride + j);
                if (r > max) {
                    max = r;
                }
                if (++s == ringSize) {
                    s = 0;
                }
            }
            sum += INV_POW2[max];
            if (max == 0) {
                zeros++;
            }
        }
        double alpha;
        switch (m) {
            case 16:
                alpha = 0.673;
                break;
            case 32:
                alpha = 0.697;
                break;
            case 64:
                alpha = 0.709;
                break;
            default:
                alpha = 0.7213 / (1 + 1.079 / m);
                break;
        }
        double raw = alpha * m * m / sum;
        if (raw <= 2.5 * m && zeros > 0) {
            return m * Math.log((double) m / zeros);
        }
        return raw;
    }
}
