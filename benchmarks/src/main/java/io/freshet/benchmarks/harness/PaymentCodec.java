package io.freshet.benchmarks.harness;

import java.nio.ByteBuffer;

/**
 * The wire format of the harnesses' payment events: key = the user id as 8 bytes big-endian (what Kafka's
 * {@code LongSerializer} writes, so Kafka Streams reads it with {@code Serdes.Long()}); value = {@value #VALUE_BYTES}
 * bytes, big-endian: user id, event time (epoch ms), amount (IEEE double), merchant id, send time (this JVM's
 * {@link System#nanoTime()}, or 0 when unused), then zero padding — the record size of FACTS.md's throughput
 * figures. The record timestamp is the event time.
 *
 * <p>Stateless; all methods are thread-safe. {@code encode} writes into a caller-owned array.
 */
public final class PaymentCodec {
    /** Value length in bytes. */
    public static final int VALUE_BYTES = 100;
    /** Key length in bytes. */
    public static final int KEY_BYTES = 8;

    static final int USER = 0;
    static final int TIME = 8;
    static final int AMOUNT = 16;
    static final int MERCHANT = 24;
    static final int SEND_NANOS = 32;

    private PaymentCodec() {
    }

    /**
     * @param key the 8-byte key array to fill
     * @param value the {@value #VALUE_BYTES}-byte value array to fill
     * @param userId user id
     * @param timeMs event time, epoch ms
     * @param amount amount
     * @param merchantId merchant id
     * @param sendNanos intended send time ({@link System#nanoTime()}) or 0
     */
    public static void encode(byte[] key, byte[] value, long userId, long timeMs, double amount, long merchantId,
        long sendNanos) {
        ByteBuffer.wrap(key).putLong(0, userId);
        ByteBuffer v = ByteBuffer.wrap(value);
        v.putLong(USER, userId).putLong(TIME, timeMs).putDouble(AMOUNT, amount).putLong(MERCHANT, merchantId)
            .putLong(SEND_NANOS, sendNanos);
    }

    /**
     * @param value an encoded value
     * @return the user id
     */
    public static long userId(byte[] value) {
        return ByteBuffer.wrap(value).getLong(USER);
    }

    /**
     * @param value an encoded value
     * @return the event time, epoch ms
     */
    public static long timeMs(byte[] value) {
        return ByteBuffer.wrap(value).getLong(TIME);
    }

    /**
     * @param value an encoded value
     * @return the amount
     */
    public static double amount(byte[] value) {
        return ByteBuffer.wrap(value).getDouble(AMOUNT);
    }

    /**
     * @param value an encoded value
     * @return the merchant id
     */
    public static long merchantId(byte[] value) {
        return ByteBuffer.wrap(value).getLong(MERCHANT);
    }

    /**
     * @param value an encoded value
     * @return the intended send time, {@link System#nanoTime()} of the producing JVM, or 0
     */
    public static long sendNanos(byte[] value) {
        return ByteBuffer.wrap(value).getLong(SEND_NANOS);
    }
}
