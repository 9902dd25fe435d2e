package io.freshet.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The test wire format and its garbage-free decoder: magic 'F', version 1, userId, tsMs, amount (IEEE bits),
 * declined (0/1), merchant length (-1 for null) and UTF-8 bytes, big-endian, nothing after. Every malformed input
 * throws (without echoing the payload).
 */
final class PaymentCodec implements RecordDecoder<Payment> {
    static final byte MAGIC = 'F';
    static final byte VERSION = 1;
    static final int HEADER = 31;

    static byte[] encode(Payment p) {
        byte[] m = p.merchantNull ? new byte[0] : p.merchant.toString().getBytes(StandardCharsets.UTF_8);
        return encode(VERSION, p.userId, p.tsMs, p.amount, p.declined ? 1 : 0, p.merchantNull ? -1 : m.length, m);
    }

    static byte[] encode(byte version, long user, long ts, double amount, int declined, int merchantLen,
        byte[] merchant) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + merchant.length);
        b.put(MAGIC).put(version).putLong(user).putLong(ts).putDouble(amount).put((byte) declined)
            .putInt(merchantLen).put(merchant);
        return b.array();
    }

    @Override
    public Payment newReusable() {
        return new Payment();
    }

    @Override
    public Payment decode(RecordView record, Payment reuse) {
        byte[] v = record.value();
        Payment p = reuse == null ? new Payment() : reuse;
        if (v.length < HEADER) {
            throw new IllegalArgumentException("truncated: length=" + v.length + " < header=" + HEADER);
        }
        if (v[0] != MAGIC) {
            throw new IllegalArgumentException("not a payment: magic=" + v[0]);
        }
        if (v[1] != VERSION) {
            throw new IllegalArgumentException("unsupported version=" + v[1]);
        }
        p.userId = getLong(v, 2);
        p.tsMs = getLong(v, 10);
        p.amount = Double.longBitsToDouble(getLong(v, 18));
        if (v[26] != 0 && v[26] != 1) {
            throw new IllegalArgumentException("declined flag=" + v[26] + " is not 0/1");
        }
        p.declined = v[26] == 1;
        int len = (int) getLong4(v, 27);
        p.merchant.setLength(0);
        if (len == -1) {
            p.merchantNull = true;
            if (v.length != HEADER) {
                throw new IllegalArgumentException("trailing bytes after null merchant");
            }
            return p;
        }
        if (len < 0 || len != v.length - HEADER) {
            throw new IllegalArgumentException("merchant length=" + len + " but " + (v.length - HEADER)
                + " bytes left");
        }
        p.merchantNull = false;
        decodeUtf8(v, HEADER, v.length, p.merchant);
        return p;
    }

    private static long getLong(byte[] v, int o) {
        long r = 0;
        for (int i = 0; i < 8; i++) {
            r = (r << 8) | (v[o + i] & 0xFF);
        }
        return r;
    }

    private static long getLong4(byte[] v, int o) {
        return ((v[o] & 0xFF) << 24) | ((v[o + 1] & 0xFF) << 16) | ((v[o + 2] & 0xFF) << 8) | (v[o + 3] & 0xFF);
    }

    /** Strict UTF-8 (no overlongs, no surrogates), straight into the reusable builder. */
    private static void decodeUtf8(byte[] v, int from, int to, StringBuilder out) {
        int i = from;
        while (i < to) {
            int b = v[i] & 0xFF;
            int cp;
            int n;
            if (b < 0x80) {
                cp = b;
                n = 0;
            } else if (b >= 0xC2 && b <= 0xDF) {
                cp = b & 0x1F;
                n = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                cp = b & 0x0F;
                n = 2;
            } else if (b >= 0xF0 && b <= 0xF4) {
                cp = b & 0x07;
                n = 3;
            } else {
                throw new IllegalArgumentException("invalid UTF-8 lead byte at " + (i - from));
            }
            for (int k = 1; k <= n; k++) {
                if (i + k >= to || (v[i + k] & 0xC0) != 0x80) {
                    throw new IllegalArgumentException("invalid UTF-8 continuation at " + (i - from));
                }
                cp = (cp << 6) | (v[i + k] & 0x3F);
            }
            if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))
                || (cp >= 0xD800 && cp <= 0xDFFF)) {
                throw new IllegalArgumentException("overlong or surrogate UTF-8 at " + (i - from));
            }
            out.appendCodePoint(cp);
            i += n + 1;
        }
    }
}
