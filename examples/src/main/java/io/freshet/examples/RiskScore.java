package io.freshet.examples;

import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import java.util.List;

/**
 * A small, hand-set logistic risk model over the {@link RiskFeatures#USER_RISK} features, to show what a model
 * server does with a vector: {@code score = 1 / (1 + e^-z)}, {@code z = intercept + Σ weight·x}, where each term's
 * {@code x} is a transformed feature. Each term's contribution {@code weight·x} is reported, so a score explains
 * itself. The weights are illustrative, not trained.
 *
 * <ul>
 *   <li>declines: {@code (declines_1h + 0.3) / (txn_1h + 10)} — the hour's decline ratio shrunk towards a 3% prior,
 *   so one decline of a brand-new user does not look like a fraud ring</li>
 *   <li>velocity: {@code ln(1 + txn_5m)}</li>
 *   <li>merchant spread: {@code ln(1 + merchants_24h)} — many different merchants in a day</li>
 *   <li>amount spike: {@code max(0, ln(last_amount / mean_amount))} — the last payment against the user's mean</li>
 * </ul>
 *
 * <p>A user with no row (status MISSING) scores as a user with no payments: the intercept plus the prior decline
 * term. Threading: immutable and thread-safe.
 * Allocation: {@link #evaluate} allocates nothing.
 */
public final class RiskScore {
    /** The constant term of {@code z}. */
    public static final double INTERCEPT = -4.0;
    /** Score at or above which a user is "high" risk. */
    public static final double HIGH = 0.5;
    /** Score at or above which a user is "medium" risk. */
    public static final double MEDIUM = 0.1;

    /** The model's terms, in the order of {@link #evaluate}'s output. */
    public static final List<Term> TERMS = List.of(
        new Term("declines", "(declines_1h + 0.3) / (txn_1h + 10)", 15.0,
            "share of declined payments in the last hour, shrunk towards 3% for users with few payments"),
        new Term("velocity", "ln(1 + txn_5m)", 0.1, "payments in the last 5 minutes"),
        new Term("merchant_spread", "ln(1 + merchants_24h)", 0.1, "distinct merchants in the last 24 hours"),
        new Term("amount_spike", "max(0, ln(last_amount / mean_amount))", 0.5,
            "last amount against the user's mean amount"));

    /** Names of the features the terms read. */
    public static final List<String> FEATURES_USED = List.of("declines_1h", "txn_1h", "txn_5m", "merchants_24h",
        "last_amount", "mean_amount");

    private static final double PRIOR_DECLINES = 0.3;
    private static final double PRIOR_PAYMENTS = 10;

    private final FeatureRef declines1h;
    private final FeatureRef txn1h;
    private final FeatureRef txn5m;
    private final FeatureRef merchants24h;
    private final FeatureRef lastAmount;
    private final FeatureRef meanAmount;

    /** @param set {@link RiskFeatures#USER_RISK} or a set with the same feature names */
    public RiskScore(FeatureSet<?> set) {
        this.declines1h = set.ref("declines_1h");
        this.txn1h = set.ref("txn_1h");
        this.txn5m = set.ref("txn_5m");
        this.merchants24h = set.ref("merchants_24h");
        this.lastAmount = set.ref("last_amount");
        this.meanAmount = set.ref("mean_amount");
    }

    /**
     * @param v a vector of the set
     * @param x receives each term's input, in {@link #TERMS} order (at least {@code TERMS.size()} long)
     * @return the score in (0, 1)
     */
    public double evaluate(FeatureVector v, double[] x) {
        x[0] = (Math.max(0, orZero(v.getDouble(declines1h))) + PRIOR_DECLINES)
            / (Math.max(0, orZero(v.getDouble(txn1h))) + PRIOR_PAYMENTS);
        x[1] = Math.log1p(Math.max(0, orZero(v.getDouble(txn5m))));
        x[2] = Math.log1p(Math.max(0, orZero(v.getDouble(merchants24h))));
        double last = v.getDouble(lastAmount);
        double mean = v.getDouble(meanAmount);
        x[3] = last > 0 && mean > 0 ? Math.max(0, Math.log(last / mean)) : 0;
        double z = INTERCEPT;
        for (int i = 0; i < x.length && i < TERMS.size(); i++) {
            z += TERMS.get(i).weight() * x[i];
        }
        return 1 / (1 + Math.exp(-z));
    }

    /**
     * @param score a score from {@link #evaluate}
     * @return "high", "medium" or "low"
     */
    public static String band(double score) {
        return score >= HIGH ? "high" : score >= MEDIUM ? "medium" : "low";
    }

    private static double orZero(double d) {
        return Double.isFinite(d) ? d : 0;
    }

    /**
     * One term of the model.
     *
     * @param name short name
     * @param input how {@code x} is computed from the features
     * @param weight its weight in {@code z}
     * @param meaning what it measures
     */
    public record Term(String name, String input, double weight, String meaning) {
    }
}
