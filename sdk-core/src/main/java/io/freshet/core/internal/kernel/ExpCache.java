package io.freshet.core.internal.kernel;

/**
 * {@code Math.exp}, remembered for the last argument: the decayed features of a set often share the argument (same
 * half-life, same time gap), and the same function of the same value gives identical results. Threading: one
 * instance per kernel (per thread). Allocation: none.
 */
final class ExpCache {
    private double arg = Double.NaN;
    private double value = Double.NaN;

    /**
     * @param a the argument
     * @return {@code Math.exp(a)}
     */
    double exp(double a) {
        if (a != arg) {
            arg = a;
            value = Math.exp(a);
        }
        return value;
    }
}
