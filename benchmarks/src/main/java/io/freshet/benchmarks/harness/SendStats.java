package io.freshet.benchmarks.harness;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * What a {@link FreshnessHarness} sender measured: its schedule's lateness, acknowledgements, and its JVM's garbage
 * collections; passed from a producer child as one line ({@link #encode()}). Filled by one thread, then read by
 * another after the sender finished.
 */
final class SendStats {
    /** Events sent. */
    long sent;
    /** Largest lateness of a send() call behind its intended time, ns. */
    long maxBehindNanos;
    /** Intended send time → send() called, µs (measured events only; the sending thread). */
    Histogram sendCallMicros = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    /** Intended send time → acknowledgement callback, µs (the producer's I/O thread; read after close). */
    Histogram ackMicros = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    /** Collections and their time, ms, of the sender's JVM between the first measured event and the flush. */
    long[] gc = new long[] {-1, -1};

    /** @return one line: the counters, then both histograms in HdrHistogram's compressed form, Base64 */
    String encode() {
        return sent + " " + maxBehindNanos + " " + gc[0] + " " + gc[1] + " " + encode(sendCallMicros) + " "
            + encode(ackMicros);
    }

    private static String encode(Histogram h) {
        ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(b);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(b.array(), n));
    }

    /** @return stats decoded from {@link #encode()} */
    static SendStats decode(String line) throws DataFormatException {
        String[] f = line.split(" ");
        SendStats s = new SendStats();
        s.sent = Long.parseLong(f[0]);
        s.maxBehindNanos = Long.parseLong(f[1]);
        s.gc = new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])};
        s.sendCallMicros = Histogram.decodeFromCompressedByteBuffer(
            ByteBuffer.wrap(Base64.getDecoder().decode(f[4])), 0);
        s.ackMicros = Histogram.decodeFromCompressedByteBuffer(
            ByteBuffer.wrap(Base64.getDecoder().decode(f[5])), 0);
        return s;
    }
}
