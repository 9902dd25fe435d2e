package io.freshet.examples;

import io.freshet.core.FeatureView;
import io.freshet.core.ViewVector;
import java.util.List;

/**
 * The model's input: one {@link FeatureView} ({@link #VIEW}) whose {@link FeatureView#columns()} are the model's
 * columns, in that order, in training and in serving alike. Training rows assemble the view from the row's vector
 * and the label's amount ({@code ViewVector.assemble}), live scoring reads it ({@code ViewReader.read}); both copy it
 * out with {@code copyTo} and apply the same per-value transform ({@link #fill}), so there is no second list of
 * columns to drift.
 *
 * <p>Columns: the numeric features of {@link RiskFeatures#USER_RISK} the model reads, named {@code user_risk__feature},
 * then the request-time features over the request's {@code amount} (the payment being scored):
 * {@code payment__amount}, {@code payment__amount_over_mean} (amount / the user's mean amount),
 * {@code payment__amount_over_max_24h} (amount / the user's largest payment of the day) and
 * {@code payment__seconds_since_last} (seconds from the user's last payment to the request). Left out: last-N
 * merchant ids (ids, not quantities) and first-seen (an epoch time; its age says little in a one-minute demo).
 *
 * <p>Transform, so that one logistic regression over raw counts, amounts and seconds trains well: every value
 * {@code x} becomes {@code sign(x)·ln(1 + |x|)}; a missing value (NaN: no row, no amount, a zero divisor) becomes 0.
 *
 * <p>Threading: immutable and thread-safe. Allocation: {@link #fill} allocates nothing.
 */
final class ModelColumns {
    /** The request parameter: the amount of the payment being scored. */
    static final String AMOUNT = "amount";

    /** The model's view: the user's risk features, read with the request's {@code user_id}, and the payment's. */
    static final FeatureView VIEW = FeatureView.builder("payment")
        .from(RiskFeatures.USER_RISK, "user_id", "last_amount", "txn_5m", "txn_1h", "amount_1h", "max_amount_24h",
            "mean_amount", "declines_1h", "activity", "merchants_24h", "decline_ratio_1h", "p90_amount_1h",
            "merchant_category")
        .requestParam(AMOUNT)
        .derived("amount", r -> r.param(AMOUNT))
        .derived("amount_over_mean", r -> r.ratio(AMOUNT, "user_risk__mean_amount"))
        .derived("amount_over_max_24h", r -> r.ratio(AMOUNT, "user_risk__max_amount_24h"))
        .derived("seconds_since_last", r -> r.secondsSince("user_risk__last_amount"))
        .build();

    private final FeatureView view;
    private final String[] names;

    /** @param view {@link #VIEW}, or a view with its request parameter {@code amount} and key {@code user_id} */
    ModelColumns(FeatureView view) {
        this.view = view;
        List<String> columns = view.columns();
        this.names = columns.toArray(new String[0]);
    }

    /** @return the view the columns are */
    FeatureView view() {
        return view;
    }

    /** @return the column names, in column order: the view's columns (a copy) */
    String[] names() {
        return names.clone();
    }

    /** @return the number of columns */
    int width() {
        return names.length;
    }

    /**
     * Fills the model's input from a vector of the view: {@code copyTo}, then the transform.
     *
     * @param v a vector of {@link #view()}, read live or assembled for a training row
     * @param x receives {@link #width()} values, in column order
     */
    void fill(ViewVector v, double[] x) {
        v.copyTo(x);
        for (int i = 0; i < names.length; i++) {
            x[i] = squash(x[i]);
        }
    }

    private static double squash(double x) {
        if (Double.isNaN(x)) {
            return 0;
        }
        return Math.signum(x) * Math.log1p(Math.abs(x));
    }
}
