package io.freshet.store.cli;

import io.freshet.core.FeatureSet;
import io.freshet.core.Window;
import java.time.Duration;
import java.util.function.Supplier;

/** The sets the tool's tests name with {@code --set}, in each form the tool accepts. */
public final class CliSets {
    /** One payment. */
    public record Payment(long user, long timeMs, double amount, long merchant) {
    }

    /** The set of the test store: a public static field. */
    public static final FeatureSet<Payment> PAYMENTS = FeatureSet.builder("payments", Payment.class)
        .entity("user", Payment::user)
        .eventTime(Payment::timeMs)
        .latest("last_amount", Payment::amount)
        .count("txn_1h", Window.sliding(Duration.ofHours(1)))
        .sum("amount_sum", Payment::amount)
        .lastN("last_merchants", Payment::merchant, 3)
        .derived("avg_amount", d -> d.ratio("amount_sum", "txn_1h"))
        .build();

    private CliSets() {
    }

    /** Another definition (a different fingerprint), reached by a public static method. */
    public static final class Other {
        private Other() {
        }

        /** @return a set the test store was not built with */
        public static FeatureSet<Payment> set() {
            return FeatureSet.builder("payments", Payment.class)
                .entity("user", Payment::user)
                .eventTime(Payment::timeMs)
                .count("txn", Window.lifetime())
                .build();
        }
    }

    /** Two sets in one class: {@code --set} must name one. */
    public static final class Two {
        /** The test store's set. */
        public static final FeatureSet<Payment> FIRST = PAYMENTS;

        private Two() {
        }

        /** @return another set */
        public static FeatureSet<Payment> second() {
            return Other.set();
        }
    }

    /** The test store's set as a Supplier. */
    public static final class AsSupplier implements Supplier<FeatureSet<?>> {
        /** Public no-argument constructor, as the tool needs. */
        public AsSupplier() {
        }

        @Override
        public FeatureSet<?> get() {
            return PAYMENTS;
        }
    }
}
