package io.freshet.core;

import java.util.Objects;

/**
 * A request-time feature of a {@link FeatureView}: computed when the view is read, from one of the request's
 * parameters ({@link ViewRequest#param}) and/or one feature column of the view, by one operator of a small closed set
 * (so that evaluating it allocates nothing and runs no user code on the read path). Create one with the
 * {@link Builder} that {@link FeatureView.Builder#derived} passes in. Immutable.
 *
 * <p>Status rule: a request-time value is missing (NaN, {@link VectorStatus#MISSING}) when any of its inputs is
 * missing: a parameter that is NaN (not set for this request), a feature column without a value, a zero divisor;
 * otherwise it has the status and event time of its feature input (a {@link Builder#param} column reads FRESH).
 */
public final class RequestFeature {
    /** The operators; the order is the fingerprint's, append only. */
    enum Op {
        PARAM, RATIO, DIFFERENCE, SECONDS_SINCE
    }

    final Op op;
    /** The parameter's name, or null ({@link Op#SECONDS_SINCE}). */
    final String param;
    /** The feature column's name ({@code set__feature}), or null ({@link Op#PARAM}). */
    final String column;

    private RequestFeature(Op op, String param, String column) {
        this.op = op;
        this.param = param;
        this.column = column;
    }

    /** @return the canonical form the view's fingerprint covers, e.g. {@code RATIO(amount,user__mean_1h)} */
    @Override
    public String toString() {
        return op + "(" + (param == null ? "" : param) + (param != null && column != null ? "," : "")
            + (column == null ? "" : column) + ")";
    }

    /**
     * Makes request-time features. Parameters must be declared on the view before
     * ({@link FeatureView.Builder#requestParam}); columns are feature columns selected before, named
     * {@code set__feature}.
     */
    public static final class Builder {
        Builder() {
        }

        /**
         * @param param a request parameter
         * @return the parameter itself as a column (missing when the request leaves it NaN)
         */
        public RequestFeature param(String param) {
            return new RequestFeature(Op.PARAM, Objects.requireNonNull(param, "param can't be null"), null);
        }

        /**
         * @param param the numerator, a request parameter
         * @param column the denominator, a feature column {@code set__feature}
         * @return param / feature; missing when either is missing or the feature is 0
         */
        public RequestFeature ratio(String param, String column) {
            return new RequestFeature(Op.RATIO, Objects.requireNonNull(param, "param can't be null"),
                Objects.requireNonNull(column, "column can't be null"));
        }

        /**
         * @param param the minuend, a request parameter
         * @param column the subtrahend, a feature column {@code set__feature}
         * @return param - feature; missing when either is missing
         */
        public RequestFeature difference(String param, String column) {
            return new RequestFeature(Op.DIFFERENCE, Objects.requireNonNull(param, "param can't be null"),
                Objects.requireNonNull(column, "column can't be null"));
        }

        /**
         * @param column a feature column {@code set__feature}
         * @return seconds (fractional) from the newest event that contributed to that feature to the read time (the
         *     request time; in training rows the label time); missing when the feature has no event time
         */
        public RequestFeature secondsSince(String column) {
            return new RequestFeature(Op.SECONDS_SINCE, null, Objects.requireNonNull(column, "column can't be null"));
        }
    }
}
