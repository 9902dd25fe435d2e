package io.freshet.examples;

import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.RecordView;

/**
 * The demo's wire format for {@link Payment} record values, and its garbage-free {@link RecordDecoder}.
 *
 * <pre>
 *  0      1      2                10               18               26   27               35      39
 *  +------+------+----------------+----------------+----------------+----+----------------+-------+
 *  | 'P'  | ver  | userId (i64)   | timestampMs    | amount (f64    |decl| merchantId     |country|
 *  |      | = 1  |                | (i64, epoch ms)| IEEE bits)     |0/1 | (i64)          | (i32) |
 *  +------+------+----------------+----------------+----------------+----+----------------+-------+
 * </pre>
 *
 * <p>Big-endian, exactly {@value #SIZE_BYTES} bytes. The record key is the user id through Kafka's
 * {@code LongSerializer}, so the default partitioner sends each user's payments to one partition. A value of any
 * other length, magic or version, or a declined byte other than 0/1, throws: the pipeline then treats the record
 * as bad and its source's policy decides what happens. Messages name the offending field, never the payload.
 *
 * <p>Threading: stateless and thread-safe (every consumer thread calls one instance). Allocation: {@link #decode}
 * fills the reused event and allocates nothing; {@link #encode(Payment)} allocates the value array the producer
 * sends.
 */
public final class PaymentCodec implements RecordDecoder<Payment> {
    /** First byte of every value. */
    public static final byte MAGIC = 'P';
    /** Format version this codec writes and reads. */
    public static final byte VERSION = 1;
    /** Length of every value. */
    public static final int SIZE_BYTES = 39;

    private static final int USER_OFFSET = 2;
    private static final int TIME_OFFSET = 10;
    private static final int AMOUNT_OFFSET = 18;
    private static final int DECLINED_OFFSET = 26;
    private static final int MERCHANT_OFFSET = 27;
    private static final int COUNTRY_OFFSET = 35;

    /** Creates the codec (stateless). */
    public PaymentCodec() {
    }

    /**
     * @param p a payment
     * @return its value bytes, a new array
     */
    public static byte[] encode(Payment p) {
        byte[] b = new byte[SIZE_BYTES];
        b[0] = MAGIC;
        b[1] = VERSION;
        putLong(b, USER_OFFSET, p.userId());
        putLong(b, TIME_OFFSET, p.timestampMs());
        putLong(b, AMOUNT_OFFSET, Double.doubleToRawLongBits(p.amount()));
        b[DECLINED_OFFSET] = (byte) (p.declined() ? 1 : 0);
        putLong(b, MERCHANT_OFFSET, p.merchantId());
        putInt(b, COUNTRY_OFFSET, p.country());
        return b;
    }

    @Override
    public Payment newReusable() {
        return new Payment();
    }

    @Override
    public Payment decode(RecordView record, Payment reuse) {
        return decodeValue(record.value(), reuse == null ? new Payment() : reuse);
    }

    /**
     * @param v value bytes
     * @param into the payment to fill
     * @return {@code into}
     * @throws IllegalArgumentException when {@code v} is not a version-1 payment
     */
    public static Payment decodeValue(byte[] v, Payment into) {
        if (v == null) {
            throw new IllegalArgumentException("value is null (tombstone): not a payment");
        }
        if (v.length != SIZE_BYTES) {
            throw new IllegalArgumentException("length=" + v.length + " != " + SIZE_BYTES + ": not a payment");
        }
        if (v[0] != MAGIC) {
            throw new IllegalArgumentException("magic=" + v[0] + " != " + MAGIC + ": not a payment");
        }
        if (v[1] != VERSION) {
            throw new IllegalArgumentException("version=" + v[1] + " is not supported: this codec reads " + VERSION);
        }
        byte declined = v[DECLINED_OFFSET];
        if (declined != 0 && declined != 1) {
            throw new IllegalArgumentException("declined=" + declined + " is not 0 or 1");
        }
        return into.set(getLong(v, USER_OFFSET), getLong(v, TIME_OFFSET),
            Double.longBitsToDouble(getLong(v, AMOUNT_OFFSET)), declined == 1, getLong(v, MERCHANT_OFFSET),
            getInt(v, COUNTRY_OFFSET));
    }

    private static void putLong(byte[] b, int offset, long value) {
        for (int i = 7; i >= 0; i--) {
            b[offset + i] = (byte) value;
            value >>>= 8;
        }
    }

    private static void putInt(byte[] b, int offset, int value) {
        for (int i = 3; i >= 0; i--) {
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

    private static int getInt(byte[] b, int offset) {
        int r = 0;
        for (int i = 0; i < 4; i++) {
            r = (r << 8) | (b[offset + i] & 0xFF);
        }
        return r;
    }
}
