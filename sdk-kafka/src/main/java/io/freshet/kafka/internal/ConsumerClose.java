package io.freshet.kafka.internal;

import java.time.Duration;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * Closes a consumer on every supported kafka-clients version: {@code close(CloseOptions)} exists from 4.1 on (and
 * {@code close(Duration)} is deprecated there), 3.9 and 4.0 only have {@code close(Duration)}. The choice is made
 * once, at class initialisation, from what the class path holds; the 4.1+ call lives in a nested class that is
 * loaded only when {@code CloseOptions} exists, so this class links on 3.9 too.
 *
 * <p>Threading: the consumer's own thread (as any consumer call). Allocation: per call (shutdown only).
 */
final class ConsumerClose {
    /** True when kafka-clients has {@code org.apache.kafka.clients.consumer.CloseOptions} (4.1 and later). */
    static final boolean HAS_CLOSE_OPTIONS = classPresent("org.apache.kafka.clients.consumer.CloseOptions");

    private ConsumerClose() {
    }

    /**
     * @param consumer the consumer to close
     * @param timeout how long close may wait for the group leave and pending commits
     */
    static void close(Consumer<?, ?> consumer, Duration timeout) {
        if (HAS_CLOSE_OPTIONS) {
            WithCloseOptions.close(consumer, timeout);
        } else {
            closeBefore41(consumer, timeout);
        }
    }

    @SuppressWarnings("deprecation") // deprecated from 4.1, the only call 3.9 and 4.0 have
    private static void closeBefore41(Consumer<?, ?> consumer, Duration timeout) {
        consumer.close(timeout);
    }

    private static boolean classPresent(String name) {
        try {
            Class.forName(name, false, ConsumerClose.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Loaded only when {@link #HAS_CLOSE_OPTIONS}: it names a 4.1+ type. */
    private static final class WithCloseOptions {
        private WithCloseOptions() {
        }

        static void close(Consumer<?, ?> consumer, Duration timeout) {
            consumer.close(CloseOptions.timeout(timeout));
        }
    }
}
