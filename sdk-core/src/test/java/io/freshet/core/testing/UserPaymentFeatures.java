package io.freshet.core.testing;

import io.freshet.core.FeatureSetBuilder;
import io.freshet.core.Window;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The user features over a payment stream that the pipeline, training-row and Parquet tests' "every kind" sets
 * declare alike, defined once for any payment-like event (an amount, a declined flag, a merchant id). Each set adds
 * them in its own order and adds its own features around them: the names, windows and parameters here are part of
 * those sets' definitions (and fingerprints), so a change here changes every one of them.
 *
 * <p>Lives in freshet-core's test-jar, which the sdk-kafka and sdk-kafka/parquet tests both depend on already.
 * Threading and allocation: definition time only.
 */
public final class UserPaymentFeatures {
    private UserPaymentFeatures() {
    }

    /**
     * The common part of the "every kind" user sets (sdk-kafka's {@code TrainingFixtures.USERS}, the Parquet test's
     * {@code USERS}): a 10 min staleness bound, then {@link #activity}, {@code amount_decayed} (decayed sum, 30 min
     * half-life) and {@link #merchantHistory}, in that order.
     *
     * @param b the set's builder, after its key and event time
     * @param amount the payment's amount
     * @param declined whether the payment was declined
     * @param merchant the payment's merchant id
     * @param <E> the event type
     * @return {@code b}
     */
    public static <E> FeatureSetBuilder<E> everyKindBase(FeatureSetBuilder<E> b, ToDoubleFunction<? super E> amount,
        Predicate<? super E> declined, ToLongFunction<? super E> merchant) {
        activity(b.staleAfter(Duration.ofMinutes(10)), amount, declined)
            .decayedSum("amount_decayed", amount, Duration.ofMinutes(30));
        return merchantHistory(b, merchant);
    }

    /**
     * Adds {@code last_amount}, {@code txn_total}, {@code txn_10m} (1 min tiles), {@code amount_1h},
     * {@code max_amount_1h}, {@code min_amount}, {@code mean_amount}, {@code declines_1h} (declined events only) and
     * {@code activity} (decayed count, 30 min half-life), in that order.
     *
     * @param b the set's builder, after its key and event time
     * @param amount the payment's amount
     * @param declined whether the payment was declined
     * @param <E> the event type
     * @return {@code b}
     */
    public static <E> FeatureSetBuilder<E> activity(FeatureSetBuilder<E> b, ToDoubleFunction<? super E> amount,
        Predicate<? super E> declined) {
        return b.latest("last_amount", amount)
            .count("txn_total")
            .count("txn_10m", Window.sliding(Duration.ofMinutes(10)).tiles(Duration.ofMinutes(1)))
            .sum("amount_1h", amount, Window.sliding(Duration.ofHours(1)))
            .max("max_amount_1h", amount, Window.sliding(Duration.ofHours(1)))
            .min("min_amount", amount)
            .mean("mean_amount", amount)
            .count("declines_1h", Window.sliding(Duration.ofHours(1))).where(declined)
            .decayedCount("activity", Duration.ofMinutes(30));
    }

    /**
     * Adds {@code last_merchants} (last 5), {@code merchants_1d} (distinct over a day), {@code first_seen} and
     * {@code last_seen}, in that order.
     *
     * @param b the set's builder
     * @param merchant the payment's merchant id
     * @param <E> the event type
     * @return {@code b}
     */
    public static <E> FeatureSetBuilder<E> merchantHistory(FeatureSetBuilder<E> b, ToLongFunction<? super E> merchant) {
        return b.lastN("last_merchants", merchant, 5)
            .distinctApprox("merchants_1d", merchant, Window.sliding(Duration.ofDays(1)))
            .firstSeen("first_seen")
            .lastSeen("last_seen");
    }
}
