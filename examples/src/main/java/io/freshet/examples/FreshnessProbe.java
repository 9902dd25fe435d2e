package io.freshet.examples;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureVector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Measures freshness end to end, as a model server sees it: every {@value #INTERVAL_MS} ms it sends one payment of
 * the reserved user {@value #PROBE_USER} through the demo's own producer, with the wall clock as its event time,
 * then reads that user through the pipeline's {@link FeatureReader} until the row holds that event time. The time
 * from just before {@code send} to the first read that sees the payment is one sample: produce → readable, in µs.
 *
 * <p>One probe is in flight at a time; a probe not readable within {@value #TIMEOUT_MS} ms is counted in
 * {@link #timeouts()} and recorded at the timeout, so a stall shows as a bad percentile rather than as fewer
 * samples. The pipeline's own stage histograms (cumulative since start) are reported next to this in the summary.
 *
 * <p>Threading: one thread of its own; {@link #intervalHistogram} is called by one other thread (the status
 * printer), {@link #total} after {@link #close}. Allocation: none per probe beyond the producer's record.
 */
public final class FreshnessProbe implements AutoCloseable {
    /** The user id probes are sent for (the generator draws users from 1). */
    public static final long PROBE_USER = 0;
    /** Time between probes, ms. */
    public static final long INTERVAL_MS = 10;
    /** A probe not readable after this long is a timeout, ms. */
    public static final long TIMEOUT_MS = 10_000;
    private static final long HIGHEST_US = TimeUnit.MINUTES.toMicros(1);
    private static final long POLL_NS = 50_000;

    private final PaymentProducer producer;
    private final FeatureReader reader;
    private final Recorder recorder = new Recorder(HIGHEST_US, 3);
    private final Histogram total = new Histogram(HIGHEST_US, 3);
    private final Thread thread;
    private Histogram interval;
    private volatile boolean running = true;
    private volatile long timeouts;

    /**
     * @param producer the demo's producer, shared so probes ride in the same batches as the payments
     * @param reader the reader of the user-risk set
     */
    public FreshnessProbe(PaymentProducer producer, FeatureReader reader) {
        this.producer = producer;
        this.reader = reader;
        this.thread = new Thread(this::run, "freshet-demo-probe");
        this.thread.setDaemon(true);
    }

    /** Starts probing. */
    public void start() {
        thread.start();
    }

    private void run() {
        FeatureVector v = reader.featureSet().newVector();
        Payment probe = new Payment();
        long lastTsMs = 0;
        long nextNs = System.nanoTime();
        while (running) {
            // Distinct, increasing event times: the row's newest event time then names the probe exactly.
            long tsMs = Math.max(System.currentTimeMillis(), lastTsMs + 1);
            lastTsMs = tsMs;
            probe.set(PROBE_USER, tsMs, 1.0, false, 0, 0);
            long sentNs = System.nanoTime();
            producer.send(probe);
            long deadlineNs = sentNs + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
            while (running) {
                reader.read(PROBE_USER, v);
                long now = System.nanoTime();
                if (v.rowEventTimeMs() >= tsMs) {
                    recorder.recordValue(Math.min(HIGHEST_US, (now - sentNs) / 1000));
                    break;
                }
                if (now > deadlineNs) {
                    timeouts++;
                    recorder.recordValue(TimeUnit.MILLISECONDS.toMicros(TIMEOUT_MS));
                    break;
                }
                LockSupport.parkNanos(POLL_NS);
            }
            nextNs += TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS);
            long wait = nextNs - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else {
                nextNs = System.nanoTime();
            }
        }
    }

    /**
     * The samples since the previous call, also added to {@link #total}. Called by one thread.
     *
     * @return produce → readable, µs; reused by the next call
     */
    public synchronized Histogram intervalHistogram() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return interval;
    }

    /** @return every sample so far (call {@link #intervalHistogram} first to include the latest), µs */
    public synchronized Histogram total() {
        return total;
    }

    /** @return probes not readable within {@value #TIMEOUT_MS} ms */
    public long timeouts() {
        return timeouts;
    }

    /** Stops probing (waits for the probe in flight, at most {@value #TIMEOUT_MS} ms). */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(TIMEOUT_MS + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
