package io.freshet.examples;

import io.freshet.core.FeatureSet;
import io.freshet.core.Quantile;
import io.freshet.core.Window;
import java.time.Duration;

/** The fraud/risk feature set the demos compute per user. */
public final class RiskFeatures {
    /** The window of {@code p90_amount_1h}: an hour in 10-minute tiles (6 sketches of 592 bytes per user). */
    private static final Window P90_WINDOW = Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(10));
    /** p90 of amounts within 2% from 1 to 100,000 (smaller amounts read as 1, larger as 100,000). */
    private static final Quantile P90 = Quantile.of(0.9).relativeError(0.02).range(1, 1e5);

    /** Per-user risk features. */
    public static final FeatureSet<Payment> USER_RISK = FeatureSet.builder("user_risk", Payment.class)
        .entity("user", Payment::userId)
        .eventTime(Payment::timestampMs)
        .latest("last_amount", Payment::amount)
        .count("txn_5m", Window.sliding(Duration.ofMinutes(5)))
        .count("txn_1h", Window.sliding(Duration.ofHours(1)))
        .sum("amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(1)))
        .max("max_amount_24h", Payment::amount, Window.sliding(Duration.ofDays(1)))
        .quantile("p90_amount_1h", Payment::amount, P90_WINDOW, P90)
        .mean("mean_amount", Payment::amount)
        .count("declines_1h", Window.sliding(Duration.ofHours(1))).where(Payment::declined)
        .decayedCount("activity", Duration.ofMinutes(30))
        .lastN("last_merchants", Payment::merchantId, 5)
        .distinctApprox("merchants_24h", Payment::merchantId, Window.sliding(Duration.ofDays(1)))
        .firstSeen("first_seen")
        .latestCategory("merchant_category", MerchantCategories::of, MerchantCategories.DICTIONARY)
        .stddev("amount_std_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
        .derived("decline_ratio_1h", d -> d.ratio("declines_1h", "txn_1h"))
        .derived("since_last_payment_ms", d -> d.timeSince("last_amount"))
        .staleAfter(Duration.ofMinutes(10))
        .build();

    /**
     * The next version of {@link #USER_RISK}, for the demo's {@code --migrate-after}: one more feature
     * ({@code amount_24h}) and one changed window ({@code txn_5m} counts over 10 minutes now; the name stays, as a
     * renamed feature would be a new one).
     */
    public static final FeatureSet<Payment> USER_RISK_V2 = FeatureSet.builder("user_risk", Payment.class)
        .entity("user", Payment::userId)
        .eventTime(Payment::timestampMs)
        .latest("last_amount", Payment::amount)
        .count("txn_5m", Window.sliding(Duration.ofMinutes(10)))
        .count("txn_1h", Window.sliding(Duration.ofHours(1)))
        .sum("amount_1h", Payment::amount, Window.sliding(Duration.ofHours(1)).tiles(Duration.ofMinutes(1)))
        .sum("amount_24h", Payment::amount, Window.sliding(Duration.ofDays(1)))
        .max("max_amount_24h", Payment::amount, Window.sliding(Duration.ofDays(1)))
        .quantile("p90_amount_1h", Payment::amount, P90_WINDOW, P90)
        .mean("mean_amount", Payment::amount)
        .count("declines_1h", Window.sliding(Duration.ofHours(1))).where(Payment::declined)
        .decayedCount("activity", Duration.ofMinutes(30))
        .lastN("last_merchants", Payment::merchantId, 5)
        .distinctApprox("merchants_24h", Payment::merchantId, Window.sliding(Duration.ofDays(1)))
        .firstSeen("first_seen")
        .latestCategory("merchant_category", MerchantCategories::of, MerchantCategories.DICTIONARY)
        .stddev("amount_std_1h", Payment::amount, Window.sliding(Duration.ofHours(1)))
        .derived("decline_ratio_1h", d -> d.ratio("declines_1h", "txn_1h"))
        .derived("since_last_payment_ms", d -> d.timeSince("last_amount"))
        .staleAfter(Duration.ofMinutes(10))
        .build();

    private RiskFeatures() {
    }
}
