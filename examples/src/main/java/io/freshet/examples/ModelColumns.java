package io.freshet.examples;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.kafka.TrainingSink;
import java.util.ArrayList;
import java.util.List;

/**
 * The model's input columns, in one list derived from the feature set's layout: training rows and live scoring fill
 * their arrays with the same {@link #fill} from the same list, so the column order (and each column's transform) is
 * shared by construction, not kept in two places.
 *
 * <p>Columns: per feature of the set, in declaration order, {@code set__feature} (the training rows' column name),
 * except last-N (a list of ids, not a number); then the request-time columns, computed from the payment being scored
 * and the vector: {@code request__amount}, {@code request__amount_vs_mean} (log of the amount over the user's mean)
 * and {@code request__new_merchant} (1 when the merchant is not among the user's last merchants).
 *
 * <p>Transforms, so that one logistic regression over raw counts, amounts and milliseconds trains well: a timestamp
 * feature (first/last seen) becomes its age at the read, in ms; every value {@code x} becomes
 * {@code sign(x)·ln(1 + |x|)}; a missing value (NaN) becomes 0.
 *
 * <p>Threading: immutable and thread-safe. Allocation: {@link #fill} allocates nothing and looks up no name.
 */
final class ModelColumns {
    /** Prefix of the request-time columns. */
    static final String REQUEST = "request" + TrainingSink.SEPARATOR;

    private final FeatureSet<?> set;
    private final FeatureRef[] refs;
    private final boolean[] isTime;
    private final FeatureRef meanAmount;
    private final FeatureRef lastMerchants;
    private final String[] names;

    /** @param set {@link RiskFeatures#USER_RISK}, or a set with its {@code mean_amount} and {@code last_merchants} */
    ModelColumns(FeatureSet<?> set) {
        this.set = set;
        List<FeatureRef> numeric = new ArrayList<>();
        for (FeatureRef r : set.refs()) {
            if (r.kind() != FeatureKind.LAST_N) {
                numeric.add(r);
            }
        }
        this.refs = numeric.toArray(new FeatureRef[0]);
        this.isTime = new boolean[refs.length];
        this.names = new String[refs.length + 3];
        for (int i = 0; i < refs.length; i++) {
            isTime[i] = refs[i].kind() == FeatureKind.FIRST_SEEN || refs[i].kind() == FeatureKind.LAST_SEEN;
            names[i] = set.name() + TrainingSink.SEPARATOR + refs[i].name();
        }
        names[refs.length] = REQUEST + "amount";
        names[refs.length + 1] = REQUEST + "amount_vs_mean";
        names[refs.length + 2] = REQUEST + "new_merchant";
        this.meanAmount = set.ref("mean_amount");
        this.lastMerchants = set.ref("last_merchants");
    }

    /** @return the feature set the columns come from */
    FeatureSet<?> featureSet() {
        return set;
    }

    /** @return the column names, in column order (a copy) */
    String[] names() {
        return names.clone();
    }

    /** @return the number of columns */
    int width() {
        return names.length;
    }

    /**
     * Fills the model's input for a payment about to be made, from the vector read at that moment.
     *
     * @param v the user's vector
     * @param amount the payment's amount; NaN when unknown (then the user's mean amount: a typical payment)
     * @param merchantId the payment's merchant; negative when unknown (then not a new merchant)
     * @param x receives {@link #width()} values, in column order
     */
    void fill(FeatureVector v, double amount, long merchantId, double[] x) {
        long readMs = v.readTimeMs();
        for (int i = 0; i < refs.length; i++) {
            FeatureRef r = refs[i];
            double value;
            if (!v.isPresent(r)) {
                value = Double.NaN;
            } else if (isTime[i]) {
                value = readMs - v.getLong(r);
            } else {
                value = v.getDouble(r);
            }
            x[i] = squash(value);
        }
        double mean = v.getDouble(meanAmount);
        double a = Double.isNaN(amount) ? mean : amount;
        x[refs.length] = squash(a);
        x[refs.length + 1] = mean > 0 && a > 0 ? Math.log(a / mean) : 0;
        x[refs.length + 2] = merchantId >= 0 && v.isPresent(lastMerchants) && !seen(v, merchantId) ? 1 : 0;
    }

    private boolean seen(FeatureVector v, long merchantId) {
        int n = v.size(lastMerchants);
        for (int i = 0; i < n; i++) {
            if (v.getLong(lastMerchants, i) == merchantId) {
                return true;
            }
        }
        return false;
    }

    private static double squash(double x) {
        if (Double.isNaN(x)) {
            return 0;
        }
        return Math.signum(x) * Math.log1p(Math.abs(x));
    }
}
