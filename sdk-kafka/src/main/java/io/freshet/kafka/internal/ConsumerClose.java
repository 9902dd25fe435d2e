package io.freshet.kafka.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * Closes a consumer on every supported kafka-clients version: {@code close(CloseOptions)} exists from 4.1 on (and
 * {@code close(Duration)} is deprecated there), 3.9 and 4.0 only have {@code close(Duration)}. The choice is made
 * once, at class initialisation, from what the class path holds. The 4.1+ call goes through method handles, so that
 * this module names no 4.1+ type: one jar links on 3.9 to 4.4, and the module still compiles against 3.9.1 (a check
 * that no other newer API crept in: {@code mvn -pl sdk-kafka -am compile -Dkafka.version=3.9.1}).
 *
 * <p>Threading: the consumer's own thread (as any consumer call). Allocation: per call (shutdown only).
 */
final class ConsumerClose {
    /** {@code CloseOptions.timeout(Duration)}, or null before 4.1. */
    private static final MethodHandle OPTIONS_WITH_TIMEOUT;
    /** {@code Consumer.close(CloseOptions)}, or null before 4.1. */
    private static final MethodHandle CLOSE_WITH_OPTIONS;

    static {
        MethodHandle timeout = null;
        MethodHandle close = null;
        try {
            Class<?> options = Class.forName("org.apache.kafka.clients.consumer.CloseOptions", false,
                Consumer.class.getClassLoader());
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            timeout = lookup.findStatic(options, "timeout", MethodType.methodType(options, Duration.class));
            close = lookup.findVirtual(Consumer.class, "close", MethodType.methodType(void.class, options));
        } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException e) {
            timeout = null;
            close = null;
        }
        OPTIONS_WITH_TIMEOUT = timeout;
        CLOSE_WITH_OPTIONS = close;
    }

    /** True when kafka-clients has {@code Consumer.close(CloseOptions)} (4.1 and later). */
    static final boolean HAS_CLOSE_OPTIONS = CLOSE_WITH_OPTIONS != null;

    private ConsumerClose() {
    }

    /**
     * @param consumer the consumer to close
     * @param timeout how long close may wait for the group leave and pending commits
     */
    static void close(Consumer<?, ?> consumer, Duration timeout) {
        if (CLOSE_WITH_OPTIONS == null) {
            closeBefore41(consumer, timeout);
            return;
        }
        try {
            CLOSE_WITH_OPTIONS.invoke(consumer, OPTIONS_WITH_TIMEOUT.invoke(timeout));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            // close declares no checked exception; a handle cannot add one.
            throw new IllegalStateException("consumer close failed: " + e, e);
        }
    }

    /**
     * @param consumer the consumer to close
     * @param timeout how long close may wait
     */
    @SuppressWarnings("deprecation") // deprecated from 4.1, the only close with a timeout that 3.9 and 4.0 have
    static void closeBefore41(Consumer<?, ?> consumer, Duration timeout) {
        consumer.close(timeout);
    }
}
