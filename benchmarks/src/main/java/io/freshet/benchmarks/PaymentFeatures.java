package io.freshet.benchmarks;

import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureSetBuilder;
import io.freshet.core.Window;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The feature set every Freshet benchmark uses, so that suites measure the same row: 16 features of a realistic
 * payment-risk model, 4 of them over sliding windows (30 tiles each), 15 stored and 1 derived at read time.
 *
 * <p>Extractors are written the way users write them (a method reference per feature), so the applier's calls to
 * them are as polymorphic as in production. Thread-safe (a factory of immutable sets).
 */
public final class PaymentFeatures {
    /** Features in the set, stored and derived. */
    public static final int FEATURE_COUNT = 16;
    /** Of which sliding-window features. */
    public static final int WINDOWED_FEATURE_COUNT = 4;

    private PaymentFeatures() {
    }

    /** @return a newly built set named {@code user_payments} */
    public static FeatureSet<Payment> featureSet() {
        return featureSet(b -> b);
    }

    /**
     * The same set with more stored features declared after its own (before the derived one), for benchmarks that
     * measure what a feature kind adds to the same row in the same run.
     *
     * @param extra declares the added features
     * @return a newly built set named {@code user_payments}
     */
    public static FeatureSet<Payment> featureSet(UnaryOperator<FeatureSetBuilder<Payment>> extra) {
        return extra.apply(FeatureSet.builder("user_payments", Payment.class)
            .entity("user", Payment::userId)
            .eventTime(Payment::timeMs)
            .latest("last_amount", Payment::amount)
            .count("txn_5m", Window.sliding(Duration.ofMinutes(5)))
            .sum("amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
            .max("max_amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
            .mean("mean_amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
            .count("txn_total")
            .sum("amount_total", Payment::amount)
            .min("min_amount", Payment::amount)
            .max("max_amount", Payment::amount)
            .mean("mean_amount", Payment::amount)
            .firstSeen("first_seen")
            .lastSeen("last_seen")
            .decayedCount("txn_decayed_1h", Duration.ofHours(1))
            .decayedSum("amount_decayed_1h", Payment::amount, Duration.ofHours(1))
            .lastN("last_merchants", Payment::merchantId, 5))
            .derived("amount_vs_mean_1h", d -> d.ratio("last_amount", "mean_amount_1h"))
            .build();
    }
}
