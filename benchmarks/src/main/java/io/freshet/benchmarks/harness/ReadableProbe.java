package io.freshet.benchmarks.harness;

import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Freshet's freshness as a caller sees it: the moment an event is readable through {@link FeatureReader}. The
 * producer sends every {@code probeEvery}-th event with a probe key of its own (one no other event uses) and the
 * probe's sequence number as its amount; so the probe key's window count says how many probe events the store holds.
 * Before it sends a measured probe event the producer {@linkplain #arm arms} this probe, whose thread then reads the
 * key through {@link FeatureReader#read(long, FeatureVector)} in a spin until the count includes the event, and
 * records, per event:
 * <ul>
 *   <li>broker append → readable ({@code LogAppendTime}, ms, against the wall clock's µs at the read that saw it:
 *       the same clocks and the same ms truncation as {@link BareConsumerProbe}'s append → poll, so the two
 *       compare);</li>
 *   <li>decoded → readable (the pipeline's decoder runs on the consumer thread right after the poll that brought
 *       the event: Freshet's poll → readable, within the routing of the records before it in that poll);</li>
 *   <li>intended send → readable (end to end).</li>
 * </ul>
 *
 * <p>Two ways to wait ({@link Mode}): {@link Mode#PARK} (the default) parks {@value #PARK_NANOS} ns between reads
 * (on Linux a park lasts at least the timer slack, ~50 µs, so the figure includes up to about a park's length of
 * polling granularity), which leaves the 2 cores to the broker and the pipeline; {@link Mode#SPIN} (the old probe,
 * kept as an option) spins from before the send, so the reader is already reading when the row commits and the
 * figure is not a thread's wake-up latency, but on 2 cores it is a third busy thread beside the consumer and the
 * applier and perturbs what it measures (measured: append → readable p99 2.4–3.1× the bare consumer's, while the
 * applier's own commit stamps, {@link CommitStampProbe}, which take no thread, are the primary figure). A descheduled
 * reader still measures late: on a loaded machine that is part of the figure, as it would be for a caller. The
 * probe key's count is a 5 min sliding window: runs longer than that are refused.
 *
 * <p>Threading: {@link #arm} from the producer thread, {@link #decoded} from the pipeline's consumer thread (one),
 * the probe's own thread reads. Allocates freely (a harness).
 */
final class ReadableProbe implements AutoCloseable {
    /** How the probe's thread waits between reads of the probe key. */
    enum Mode {
        /** Parks {@value ReadableProbe#PARK_NANOS} ns between reads. */
        PARK,
        /** Spins ({@code Thread.onSpinWait}) between reads. */
        SPIN
    }

    /** Park between reads in {@link Mode#PARK}, ns (Linux rounds it up to its timer slack, ~50 µs). */
    static final long PARK_NANOS = 20_000;
    /** Longest a probe event may take to become readable before it counts as lost. */
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(30);

    final long probeKey;
    final int probeEvery;
    private final Mode mode;
    private final FeatureReader reader;
    private final FeatureVector vector;
    private final FeatureRef count;
    private final AtomicLongArray intendedNanos;
    private final AtomicLongArray appendMs;
    private final AtomicLongArray decodedNanos;
    private final Histogram appendToReadableMicros = new Histogram(Harness.MAX_LATENCY_MICROS, 3);
    private final Histogram decodedToReadableMicros = new Histogram(Harness.MAX_LATENCY_MICROS, 3);
    private final Histogram intendedToReadableMicros = new Histogram(Harness.MAX_LATENCY_MICROS, 3);
    /** Probe sequence numbers armed so far: [0, armed) may be waited for; unarmed ones (warm-up) are skipped. */
    private volatile int armed;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private long lost;
    private Thread thread;

    /**
     * @param reader the pipeline's reader of {@code set}
     * @param set the set (its count feature {@code countFeature} over the probe key counts probe events)
     * @param countFeature a count feature of the set
     * @param probeKey a key no other event uses
     * @param probeEvery every how many events one is a probe
     * @param maxProbes most probe events of the run
     * @param mode how to wait between reads
     */
    ReadableProbe(FeatureReader reader, FeatureSet<?> set, String countFeature, long probeKey, int probeEvery,
        int maxProbes, Mode mode) {
        this.mode = mode;
        this.reader = reader;
        this.vector = set.newVector();
        this.count = set.ref(countFeature);
        this.probeKey = probeKey;
        this.probeEvery = probeEvery;
        this.intendedNanos = new AtomicLongArray(maxProbes);
        this.appendMs = new AtomicLongArray(maxProbes);
        this.decodedNanos = new AtomicLongArray(maxProbes);
        for (int i = 0; i < maxProbes; i++) {
            intendedNanos.set(i, -1);
        }
    }

    /** Starts the reading thread. */
    void start() {
        thread = new Thread(this::run, "readable-probe");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Producer thread, before sending probe event {@code seq} of the measured interval.
     *
     * @param seq the probe's sequence number (0 for the first probe event of the run, warm-up included)
     * @param intended its intended send time, nanoTime
     */
    void arm(int seq, long intended) {
        intendedNanos.set(seq, intended);
        armed = seq + 1;
        LockSupport.unpark(thread);
    }

    /**
     * Consumer thread: the decoder met probe event {@code seq}.
     *
     * @param seq the probe's sequence number (its amount)
     * @param appendTimestampMs the record's timestamp (log append time)
     */
    void decoded(int seq, long appendTimestampMs) {
        if (seq >= 0 && seq < appendMs.length()) {
            appendMs.set(seq, appendTimestampMs);
            decodedNanos.set(seq, System.nanoTime());
        }
    }

    private void run() {
        try {
            int next = 0;
            while (running) {
                int upTo = armed;
                if (next >= upTo) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                    continue;
                }
                long intended = intendedNanos.get(next);
                if (intended < 0) {
                    next++; // a warm-up probe: not armed, not measured
                    continue;
                }
                awaitReadable(next, intended);
                next++;
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }

    private void awaitReadable(int seq, long intended) {
        final long want = seq + 1L;
        while (running) {
            if (reader.read(probeKey, vector) && vector.getLong(count) >= want) {
                long readableNanos = System.nanoTime();
                Instant now = Instant.now();
                long wallMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
                intendedToReadableMicros.recordValue(Harness.clampMicros((readableNanos - intended) / 1_000));
                appendToReadableMicros.recordValue(Harness.clampMicros(wallMicros - appendMs.get(seq) * 1_000));
                decodedToReadableMicros.recordValue(
                    Harness.clampMicros((readableNanos - decodedNanos.get(seq)) / 1_000));
                return;
            }
            if (System.nanoTime() - intended > GIVE_UP_NANOS) {
                lost++;
                return;
            }
            if (mode == Mode.SPIN) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(PARK_NANOS);
            }
        }
    }

    /**
     * Stops the probe and returns its figures.
     *
     * @param row where they go: {@code readableAppendToReadableMicros}, {@code readableDecodedToReadableMicros},
     *     {@code readableIntendedToReadableMicros}, {@code readableProbes}, {@code readableLost}
     */
    void stopInto(Map<String, Object> row) throws InterruptedException {
        close();
        row.put("readableProbeEvery", probeEvery);
        row.put("readableProbeMode", mode.name().toLowerCase(java.util.Locale.ROOT));
        row.put("readableProbes", intendedToReadableMicros.getTotalCount());
        row.put("readableLost", lost);
        Harness.putProbeFigures(row, "readableStatus", failure, new String[] {"readableAppendToReadableMicros",
            "readableDecodedToReadableMicros", "readableIntendedToReadableMicros"},
            appendToReadableMicros, decodedToReadableMicros, intendedToReadableMicros);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        Harness.wakeAndJoin(thread);
    }
}
