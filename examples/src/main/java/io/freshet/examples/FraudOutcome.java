package io.freshet.examples;

import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.RecordView;

/**
 * A payment's outcome, as a chargeback feed publishes it some time after the payment: the train-and-serve demo's
 * label ({@link TrainServeDemo}). It carries the payment's own amount and merchant, the request-time inputs a scorer
 * has when the payment arrives ({@link ModelColumns}), and its time: the label time of the training row, the moment
 * the payment was scored.
 *
 * <pre>
 *  0      1      2                10               18               26               34
 *  +------+------+----------------+----------------+----------------+----------------+------+
 *  | 'L'  | ver  | userId (i64)   | paymentTimeMs  | amount (f64    | merchantId     |fraud |
 *  |      | = 1  |                | (i64, epoch ms)| IEEE bits)     | (i64)          | 0/1  |
 *  +------+------+----------------+----------------+----------------+----------------+------+
 * </pre>
 *
 * @param userId the paying user
 * @param paymentTimeMs the payment's event time, epoch ms
 * @param amount the payment's amount
 * @param merchantId the payment's merchant
 * @param fraud whether the payment was fraudulent
 */
public record FraudOutcome(long userId, long paymentTimeMs, double amount, long merchantId, boolean fraud) {
    /** First byte of every value. */
    static final byte MAGIC = 'L';
    /** Format version. */
    static final byte VERSION = 1;
    /** Length of every value. */
    static final int SIZE_BYTES = 35;

    /** @return the value bytes, a new array */
    byte[] encode() {
        byte[] b = new byte[SIZE_BYTES];
        b[0] = MAGIC;
        b[1] = VERSION;
        putLong(b, 2, userId);
        putLong(b, 10, paymentTimeMs);
        putLong(b, 18, Double.doubleToRawLongBits(amount));
        putLong(b, 26, merchantId);
        b[34] = (byte) (fraud ? 1 : 0);
        return b;
    }

    /**
     * @param v value bytes
     * @return the outcome
     * @throws IllegalArgumentException when {@code v} is not a version-1 outcome
     */
    static FraudOutcome decode(byte[] v) {
        if (v == null) {
            throw new IllegalArgumentException("value is null (tombstone): not a fraud outcome");
        }
        if (v.length != SIZE_BYTES) {
            throw new IllegalArgumentException("length=" + v.length + " != " + SIZE_BYTES + ": not a fraud outcome");
        }
        if (v[0] != MAGIC) {
            throw new IllegalArgumentException("magic=" + v[0] + " != " + MAGIC + ": not a fraud outcome");
        }
        if (v[1] != VERSION) {
            throw new IllegalArgumentException("version=" + v[1] + " is not supported: this codec reads " + VERSION);
        }
        if (v[34] != 0 && v[34] != 1) {
            throw new IllegalArgumentException("fraud=" + v[34] + " is not 0 or 1");
        }
        return new FraudOutcome(getLong(v, 2), getLong(v, 10), Double.longBitsToDouble(getLong(v, 18)),
            getLong(v, 26), v[34] == 1);
    }

    /** @return the decoder of the labels topic: a new outcome per record (the training run keeps labels) */
    static RecordDecoder<FraudOutcome> decoder() {
        return (RecordView record, FraudOutcome reuse) -> decode(record.value());
    }

    private static void putLong(byte[] b, int offset, long value) {
        for (int i = 7; i >= 0; i--) {
            b[offset + i] = (byte) value;
            value >>>= 8;
        }
    }

    private static long getLong(byte[] b, int offset) {
        long r = 0;
        for (int i = 0; i < 8; i++) {
            r = (r << 8) | (b[offset + i] & 0xFF);
        }
        return r;
    }
}
