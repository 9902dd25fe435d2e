package io.freshet.kafka.avro.internal;

import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RejectedRecordException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Avro binary primitives over a byte array: zig-zag varints, little-endian floats, lengths. Positions are plain
 * ints passed in and returned, so nothing is allocated; a read past the end throws
 * {@link IndexOutOfBoundsException}, which the decoder turns into {@link BadRecordReason#TRUNCATED}.
 *
 * <p>Threading: stateless.
 */
final class WireReader {
    /** A varint longer than ten bytes (or an int's five) is not Avro: one shared instance. */
    static final RejectedRecordException MALFORMED_VARINT = new RejectedRecordException(BadRecordReason.DECODE_ERROR,
        "malformed Avro body: a variable-length integer runs past 10 bytes; the producer does not write Avro binary");
    /** A negative length or count where the format forbids one. */
    static final RejectedRecordException NEGATIVE_LENGTH = new RejectedRecordException(BadRecordReason.DECODE_ERROR,
        "malformed Avro body: a negative length; the producer does not write Avro binary");
    /** A union branch index outside the writer's union. */
    static final RejectedRecordException BAD_UNION_INDEX = new RejectedRecordException(BadRecordReason.DECODE_ERROR,
        "malformed Avro body: a union branch index outside the writer schema's union; is the schema id right?");
    /** A boolean byte other than 0 or 1. */
    static final RejectedRecordException BAD_BOOLEAN = new RejectedRecordException(BadRecordReason.DECODE_ERROR,
        "malformed Avro body: a boolean byte other than 0 or 1; is the schema id right?");
    /** An enum ordinal outside the writer's symbols. */
    static final RejectedRecordException BAD_ENUM_INDEX = new RejectedRecordException(BadRecordReason.DECODE_ERROR,
        "malformed Avro body: an enum index outside the writer schema's symbols; is the schema id right?");
    /** A length pointing past the end of the value. */
    static final RejectedRecordException TRUNCATED = new RejectedRecordException(BadRecordReason.TRUNCATED,
        "the Avro body ends before its writer schema's last field: the producer wrote a shorter value than its schema"
        + " id says");

    // Bounds-checked views: a read past the end throws IndexOutOfBoundsException, as plain array access does.
    private static final VarHandle LE_FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class,
        ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE_DOUBLE = MethodHandles.byteArrayViewVarHandle(double[].class,
        ByteOrder.LITTLE_ENDIAN);

    private WireReader() {
    }

    /** @return the zig-zag decoded varint starting at {@code pos} */
    static long varLong(byte[] b, int pos) throws RejectedRecordException {
        long raw = 0;
        int shift = 0;
        int bt;
        do {
            if (shift > 63) {
                throw MALFORMED_VARINT;
            }
            bt = b[pos++];
            raw |= (long) (bt & 0x7F) << shift;
            shift += 7;
        } while ((bt & 0x80) != 0);
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** @return the position after the varint starting at {@code pos} */
    static int skipVarint(byte[] b, int pos) throws RejectedRecordException {
        final int limit = pos + 10;
        while ((b[pos++] & 0x80) != 0) {
            if (pos >= limit) {
                throw MALFORMED_VARINT;
            }
        }
        return pos;
    }

    /** @return the little-endian IEEE float at {@code pos} */
    static float readFloat(byte[] b, int pos) {
        return (float) LE_FLOAT.get(b, pos);
    }

    /** @return the little-endian IEEE double at {@code pos} */
    static double readDouble(byte[] b, int pos) {
        return (double) LE_DOUBLE.get(b, pos);
    }

    /**
     * @param length a decoded length
     * @param pos where its bytes start
     * @param end the value's end
     * @throws RejectedRecordException when negative or past the end
     */
    static void checkLength(long length, int pos, int end) throws RejectedRecordException {
        if (length < 0) {
            throw NEGATIVE_LENGTH;
        }
        if (length > end - pos) {
            throw TRUNCATED;
        }
    }
}
