package io.freshet.core;

/**
 * What a feature computes. Stored aggregates keep state in the row; derived kinds are computed at read time from
 * other features of the same set.
 */
public enum FeatureKind {
    /** The value of the event with the newest event time (later arrival wins a tie), and that time. */
    LATEST(ValueType.DOUBLE, true),
    /** Number of events. */
    COUNT(ValueType.LONG, true),
    /** Sum of values. */
    SUM(ValueType.DOUBLE, true),
    /** Smallest value; NaN when empty. */
    MIN(ValueType.DOUBLE, true),
    /** Largest value; NaN when empty. */
    MAX(ValueType.DOUBLE, true),
    /** Mean of values; NaN when empty. */
    MEAN(ValueType.DOUBLE, true),
    /** Oldest event time seen (epoch ms). */
    FIRST_SEEN(ValueType.LONG, true),
    /** Newest event time seen (epoch ms). */
    LAST_SEEN(ValueType.LONG, true),
    /** The N ids with the newest event times, newest first. */
    LAST_N(ValueType.LONG, true),
    /** Exponentially decayed event count: sum of 2^(-(t_read - t_event) / halfLife). */
    DECAYED_COUNT(ValueType.DOUBLE, true),
    /** Exponentially decayed sum: sum of value * 2^(-(t_read - t_event) / halfLife). */
    DECAYED_SUM(ValueType.DOUBLE, true),
    /** HyperLogLog estimate of the number of distinct ids. */
    DISTINCT_APPROX(ValueType.DOUBLE, true),
    /** a / b of two other features; NaN when b is 0 or either is missing. */
    RATIO(ValueType.DOUBLE, false),
    /** a - b of two other features. */
    DIFFERENCE(ValueType.DOUBLE, false),
    /** Read time minus the event time of another feature, in milliseconds; NaN when it has none. */
    TIME_SINCE(ValueType.DOUBLE, false),
    /**
     * Population variance of values, {@code sum((x - mean)^2) / n}: 0 for one value, NaN (missing) when empty. Kept
     * as count, mean and M2 (Welford), merged across tiles with Chan et al.'s formula.
     */
    VARIANCE(ValueType.DOUBLE, true),
    /** Population standard deviation of values: the square root of {@link #VARIANCE}; NaN (missing) when empty. */
    STDDEV(ValueType.DOUBLE, true),
    /**
     * An approximate quantile of values (e.g. p90) from a fixed-size log-bucket sketch per tile, within a declared
     * relative error for values inside a declared range (see {@link Quantile}); NaN when empty.
     */
    QUANTILE(ValueType.DOUBLE, true),
    /**
     * The K most frequent ids over a window and their counts (a space-saving summary per tile), most frequent first;
     * ties go to the smaller id.
     */
    TOP_K(ValueType.LONG, true),
    /**
     * The category of the event with the newest event time (later arrival wins a tie), as LATEST: a dictionary id
     * ({@link FeatureVector#categoryId}) or fixed-width UTF-8 text ({@link FeatureVector#category}); see
     * {@link Categories}.
     */
    LATEST_CATEGORY(ValueType.LONG, true),
    /** The categories of the N events with the newest event times, newest first, as LAST_N; see {@link Categories}. */
    LAST_N_CATEGORIES(ValueType.LONG, true);

    private final ValueType valueType;
    private final boolean stored;

    FeatureKind(ValueType valueType, boolean stored) {
        this.valueType = valueType;
        this.stored = stored;
    }

    /** @return the type of the value a read yields */
    public ValueType valueType() {
        return valueType;
    }

    /** @return true when the feature keeps state in the row; false when it is derived at read time */
    public boolean isStored() {
        return stored;
    }

    /** The primitive type of a feature's value. */
    public enum ValueType {
        /** A 64-bit IEEE double; missing is NaN. */
        DOUBLE,
        /** A 64-bit signed integer (counts, epoch-ms times, ids). */
        LONG
    }
}
