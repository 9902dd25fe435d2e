package io.freshet.kafka;

/**
 * What {@link Migration#promote(CutoverCriteria)} checks before it switches the readers: the phase READY, the
 * shadow's lag at most {@code maxLagRecords}, and — when a compare sample is asked for — at most
 * {@code maxDifferingFraction} of the compared values of unchanged shared features differing. A criterion not met
 * refuses the promote with a {@link MigrationException} ({@code CUTOVER_REFUSED}) that names it.
 *
 * <p>Immutable.
 *
 * @param requireReady the phase must be READY
 * @param maxLagRecords the shadow's lag bound, records (-1: none)
 * @param compareSampleKeys distinct recent keys to compare before the promote (0: no compare)
 * @param maxDifferingFraction largest fraction of differing values on unchanged shared features (0..1)
 */
public record CutoverCriteria(boolean requireReady, long maxLagRecords, int compareSampleKeys,
    double maxDifferingFraction) {

    /**
     * Checks the values.
     *
     * @param requireReady the phase must be READY
     * @param maxLagRecords the shadow's lag bound, records (-1: none)
     * @param compareSampleKeys distinct recent keys to compare before the promote (0: no compare)
     * @param maxDifferingFraction largest fraction of differing values on unchanged shared features (0..1)
     */
    public CutoverCriteria {
        if (maxLagRecords < -1) {
            throw new IllegalArgumentException("maxLagRecords=" + maxLagRecords + ": use -1 for no bound");
        }
        if (compareSampleKeys < 0) {
            throw new IllegalArgumentException("compareSampleKeys=" + compareSampleKeys + ": use 0 for no compare");
        }
        if (!(maxDifferingFraction >= 0 && maxDifferingFraction <= 1)) {
            throw new IllegalArgumentException("maxDifferingFraction=" + maxDifferingFraction + " is not in 0..1");
        }
    }

    /**
     * The usual gate: READY, lag within 1,000 records, and 1,000 recent keys compared with no unchanged shared
     * feature differing.
     *
     * @return the criteria
     */
    public static CutoverCriteria standard() {
        return new CutoverCriteria(true, 1_000, 1_000, 0.0);
    }

    /** @return no criterion at all (an operator's override: promote whatever the state) */
    public static CutoverCriteria none() {
        return new CutoverCriteria(false, -1, 0, 1.0);
    }
}
