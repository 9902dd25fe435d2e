package io.freshet.benchmarks.harness;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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

    /** Big-endian long/double views of a byte array: the readers run once per record, without a ByteBuffer. */
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle DOUBLE_BE =
        MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.BIG_ENDIAN);

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
        return (long) LONG_BE.get(value, USER);
    }

    /**
     * @param value an encoded value
     * @return the event time, epoch ms
     */
    public static long timeMs(byte[] value) {
        return (long) LONG_BE.get(value, TIME);
    }

    /**
     * @param value an encoded value
     * @return the amount
     */
    public static double amount(byte[] value) {
        return (double) DOUBLE_BE.get(value, AMOUNT);
    }

    /**
     * @param value an encoded value
     * @return the merchant id
     */
    public static long merchantId(byte[] value) {
        return (long) LONG_BE.get(value, MERCHANT);
    }

    /**
     * @param value an encoded value
     * @return the intended send time, {@link System#nanoTime()} of the producing JVM, or 0
     */
    public static long sendNanos(byte[] value) {
        return (long) LONG_BE.get(value, SEND_NANOS);
    }
}
