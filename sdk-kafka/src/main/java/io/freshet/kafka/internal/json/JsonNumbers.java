package io.freshet.kafka.internal.json;

import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RejectedRecordException;
import java.nio.charset.StandardCharsets;

/**
 * JSON numbers (RFC 8259: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}) parsed in place.
 *
 * <p>Doubles are exact: the result always equals {@code Double.parseDouble} of the token. The fast path is Clinger's:
 * when the significant digits form an integer {@code m <= 2^53} and the decimal exponent {@code e} is within
 * [-22, 22] (or {@code m * 10^(e-22)} is still an integer {@code <= 2^53}), both {@code m} and {@code 10^|e|} are
 * exact doubles and one IEEE multiplication or division rounds correctly, so the result is the correctly rounded
 * value, which is what {@code parseDouble} returns. Any other token (more than 15-16 significant digits, as in
 * {@code 0.30000000000000004}, or an exponent past ±22) falls back to {@code Double.parseDouble} of a new String:
 * that rare path allocates the token's String.
 *
 * <p>Threading: one instance per {@link JsonCursor} (the parsed value is left in a field). Allocation: none on the
 * fast path.
 */
final class JsonNumbers {
    private static final long TWO_TO_53 = 1L << 53;
    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22,
    };
    private static final long[] LONG_POWERS_OF_TEN = {
        1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L,
        10_000_000_000L, 100_000_000_000L, 1_000_000_000_000L, 10_000_000_000_000L, 100_000_000_000_000L,
        1_000_000_000_000_000L,
    };

    /** The value of the last {@link #parseLong}. */
    long longValue;
    /** The value of the last {@link #parseDouble}. */
    double doubleValue;
    /** How many tokens took the allocating fallback (for tests). */
    long fallbacks;

    static RejectedRecordException malformed(int offset, String what) {
        return new RejectedRecordException(BadRecordReason.MALFORMED, "malformed JSON at offset=" + offset + ": "
            + what);
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    /**
     * Validates a number token. @return the index after it
     */
    static int skipNumber(byte[] b, int p, int end, int start) throws RejectedRecordException {
        final int s = p;
        if (p < end && b[p] == '-') {
            p++;
        }
        if (p >= end || !digit(b[p])) {
            throw malformed(s - start, "invalid value");
        }
        if (b[p] == '0') {
            p++;
        } else {
            while (p < end && digit(b[p])) {
                p++;
            }
        }
        if (p < end && b[p] == '.') {
            p++;
            if (p >= end || !digit(b[p])) {
                throw malformed(p - start, "a decimal point needs digits after it");
            }
            while (p < end && digit(b[p])) {
                p++;
            }
        }
        if (p < end && (b[p] == 'e' || b[p] == 'E')) {
            p++;
            if (p < end && (b[p] == '+' || b[p] == '-')) {
                p++;
            }
            if (p >= end || !digit(b[p])) {
                throw malformed(p - start, "an exponent needs digits");
            }
            while (p < end && digit(b[p])) {
                p++;
            }
        }
        if (p < end && digit(b[p])) {
            throw malformed(p - start, "a number may not have leading zeros");
        }
        return p;
    }

    /**
     * Parses an integer token into {@link #longValue}. {@code b[p]} is '-' or a digit.
     *
     * @return the index after the token
     */
    int parseLong(byte[] b, int p, int end, int start, String path) throws RejectedRecordException {
        final int s = p;
        boolean negative = false;
        if (b[p] == '-') {
            negative = true;
            p++;
        }
        if (p >= end || !digit(b[p])) {
            throw malformed(s - start, "invalid number");
        }
        // Accumulated negatively so that Long.MIN_VALUE fits.
        long acc = 0;
        boolean overflow = false;
        if (b[p] == '0') {
            p++;
        } else {
            while (p < end && digit(b[p])) {
                int d = b[p] - '0';
                if (acc < -922_337_203_685_477_580L || (acc == -922_337_203_685_477_580L && d > (negative ? 8 : 7))) {
                    overflow = true;
                }
                acc = acc * 10 - d;
                p++;
            }
        }
        if (p < end && (b[p] == '.' || b[p] == 'e' || b[p] == 'E' || digit(b[p]))) {
            skipNumber(b, s, end, start); // a malformed token is malformed before it is a wrong type
            throw new RejectedRecordException(BadRecordReason.WRONG_TYPE, "field=" + path + " offset=" + (s - start)
                + ": is a decimal number, expected an integer");
        }
        if (overflow) {
            throw new RejectedRecordException(BadRecordReason.OUT_OF_RANGE, "field=" + path + " offset=" + (s - start)
                + ": the integer does not fit a long");
        }
        longValue = negative ? acc : -acc;
        return p;
    }

    /**
     * Parses a number token into {@link #doubleValue}, exactly as {@code Double.parseDouble}. {@code b[p]} is '-' or
     * a digit.
     *
     * @return the index after the token
     */
    int parseDouble(byte[] b, int p, int end, int start, String path) throws RejectedRecordException {
        final int s = p;
        final int next = skipNumber(b, p, end, start);
        boolean negative = false;
        if (b[p] == '-') {
            negative = true;
            p++;
        }
        long mantissa = 0;
        int significant = 0;
        int scale = 0; // digits after the point, counted into the exponent
        while (p < next && digit(b[p])) {
            int d = b[p] - '0';
            if (significant < 18) {
                mantissa = mantissa * 10 + d;
                if (mantissa != 0) {
                    significant++;
                }
            } else {
                significant++;
                scale--; // a dropped integer digit is one power of ten; only exact if it is 0 (checked below)
                if (d != 0) {
                    significant = Integer.MAX_VALUE / 2;
                }
            }
            p++;
        }
        if (p < next && b[p] == '.') {
            p++;
            while (p < next && digit(b[p])) {
                int d = b[p] - '0';
                if (significant < 18) {
                    mantissa = mantissa * 10 + d;
                    scale++;
                    if (mantissa != 0) {
                        significant++;
                    }
                } else if (d != 0) {
                    significant = Integer.MAX_VALUE / 2;
                }
                p++;
            }
        }
        int exponent = 0;
        if (p < next) { // 'e' or 'E'
            p++;
            boolean negativeExponent = false;
            if (b[p] == '+' || b[p] == '-') {
                negativeExponent = b[p] == '-';
                p++;
            }
            while (p < next) {
                if (exponent < 100_000) {
                    exponent = exponent * 10 + (b[p] - '0');
                }
                p++;
            }
            if (negativeExponent) {
                exponent = -exponent;
            }
        }
        final int e10 = exponent - scale;
        double v;
        if (mantissa == 0 && significant == 0) {
            v = 0.0;
        } else if (significant <= 18 && mantissa <= TWO_TO_53 && e10 >= -22 && e10 <= 22) {
            v = e10 >= 0 ? (double) mantissa * POWERS_OF_TEN[e10] : (double) mantissa / POWERS_OF_TEN[-e10];
        } else if (significant <= 18 && e10 > 22 && e10 <= 22 + 15 && mantissa <= TWO_TO_53
            && mantissa <= TWO_TO_53 / LONG_POWERS_OF_TEN[e10 - 22]) {
            v = (double) (mantissa * LONG_POWERS_OF_TEN[e10 - 22]) * 1e22;
        } else {
            fallbacks++;
            v = Double.parseDouble(new String(b, s, next - s, StandardCharsets.ISO_8859_1));
            if (Double.isInfinite(v)) {
                throw new RejectedRecordException(BadRecordReason.OUT_OF_RANGE, "field=" + path + " offset="
                    + (s - start)
                    + ": the number is beyond the range of a double");
            }
            doubleValue = v;
            return next;
        }
        doubleValue = negative ? -v : v;
        return next;
    }
}
