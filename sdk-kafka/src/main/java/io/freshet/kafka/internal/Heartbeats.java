package io.freshet.kafka.internal;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The heartbeat record of {@code FreshnessProbe}: no key, no value, one header {@value #HEADER} holding the probe's
 * wall clock at produce time (8 bytes, big-endian epoch ms).
 *
 * <p>Threading: stateless. Allocation: none.
 */
public final class Heartbeats {
    /** The header that marks a heartbeat. */
    public static final String HEADER = "freshet.heartbeat";

    private Heartbeats() {
    }

    /**
     * @param producedMs the probe's wall clock
     * @return the header's value
     */
    public static byte[] encode(long producedMs) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) producedMs;
            producedMs >>>= 8;
        }
        return b;
    }

    /**
     * @param rec a record with a null value
     * @return its produce time when it is a heartbeat, else -1
     */
    static long producedMs(ConsumerRecord<byte[], byte[]> rec) {
        if (rec.key() != null) {
            return -1;
        }
        Header h = rec.headers().lastHeader(HEADER);
        byte[] v = h == null ? null : h.value();
        if (v == null || v.length != 8) {
            return -1;
        }
        long t = 0;
        for (int i = 0; i < 8; i++) {
            t = (t << 8) | (v[i] & 0xFF);
        }
        return t;
    }
}
