package io.freshet.benchmarks.harness;

import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.internal.CommitStamps;
import io.freshet.kafka.internal.PipelineInternals;
import io.freshet.kafka.internal.PipelineTelemetry;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Freshet's broker append → readable for every record, without a thread that reads rows: each applier stamps the
 * moment it released a record's row (its seqlock commit, after which {@code FeatureReader} sees the record) into a
 * preallocated ring ({@link CommitStamps}), and this probe's thread, which parks between drains, turns the stamps into:
 * <ul>
 *   <li>broker append → readable: the record's timestamp ({@code LogAppendTime}, ms) against the wall clock's µs at
 *       the release: the same clocks and the same ms truncation as {@link BareConsumerProbe}'s append → poll, so the
 *       two compare;</li>
 *   <li>poll → readable: {@code nanoTime} from the return of the poll that brought the record to the release;</li>
 *   <li>broker append → poll, of the pipeline's own consumer (the first part of append → readable, and what the
 *       bare consumer measures of itself).</li>
 * </ul>
 * The applier's clock is {@code nanoTime}; it becomes wall-clock µs with the offset between the two clocks sampled at
 * each drain (every {@value #DRAIN_PARK_MS} ms: their drift over that is nil). Measured records: from each partition's
 * first measured event on (intended send time at or after the measured interval's start, as the bare consumer
 * filters; the pipeline's decoder notes that event's offset: one producer thread sends in order, so later offsets of
 * the partition are measured events too).
 *
 * <p>Cost to the system under test: three stores and an ordered one per record on the applier, no allocation; the
 * probe's thread wakes {@value #DRAIN_PARK_MS} ms apart. Threading: {@link #start}, {@link #stopInto} from the
 * harness thread. Allocates freely off the applier (a harness).
 */
final class CommitStampProbe implements AutoCloseable {
    /** Park between drains, ms: at 20,000 records/s, 100 stamps per drain; the ring holds 0.65 s at 100k/s. */
    static final long DRAIN_PARK_MS = 5;
    private static final int RING = 1 << 16;
    /** Partitions of the probed topic at most. */
    static final int MAX_PARTITIONS = 1024;

    private final PipelineTelemetry telemetry;
    private final CommitStamps[] rings;
    /** Per partition, the first measured offset (Long.MAX_VALUE: none yet), set by the pipeline's decoder. */
    private final AtomicLongArray firstMeasuredOffset;
    private final Histogram appendToReadableMicros = new Histogram(Harness.MAX_LATENCY_MICROS, 3);
    private final Histogram pollToReadableMicros = new Histogram(Harness.MAX_LATENCY_MICROS, 3);
    private final Histogram appendToPollMicros = new Histogram(Harness.MAX_LATENCY_MICROS, 3);
    private volatile boolean running = true;
    private volatile Throwable failure;
    private Thread thread;
    /** Probe thread: wall-clock µs minus nanoTime µs, sampled at the current drain. */
    private long wallMinusNanoMicros;

    /**
     * @param pipeline a started pipeline
     * @param firstMeasuredOffset from {@link #offsetsPerPartition()}, filled in by the pipeline's decoder
     */
    CommitStampProbe(FeaturePipeline pipeline, AtomicLongArray firstMeasuredOffset) {
        this.telemetry = PipelineInternals.telemetryOf(pipeline);
        this.firstMeasuredOffset = firstMeasuredOffset;
        this.rings = new CommitStamps[telemetry.applierCount()];
        for (int i = 0; i < rings.length; i++) {
            rings[i] = new CommitStamps(RING);
        }
    }

    /** @return per partition (up to {@value #MAX_PARTITIONS}) "no measured offset yet" */
    static AtomicLongArray offsetsPerPartition() {
        AtomicLongArray a = new AtomicLongArray(MAX_PARTITIONS);
        for (int i = 0; i < MAX_PARTITIONS; i++) {
            a.set(i, Long.MAX_VALUE);
        }
        return a;
    }

    /** Installs the rings and starts draining. */
    void start() {
        for (int i = 0; i < rings.length; i++) {
            telemetry.stampCommits(i, rings[i]);
        }
        thread = new Thread(this::run, "commit-stamp-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        CommitStamps.Sink sink = this::onStamp;
        try {
            while (running) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DRAIN_PARK_MS));
                drainAll(sink);
            }
            drainAll(sink);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }

    private void drainAll(CommitStamps.Sink sink) {
        Instant now = Instant.now();
        long nanoMicros = System.nanoTime() / 1_000;
        wallMinusNanoMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000 - nanoMicros;
        for (CommitStamps r : rings) {
            r.drain(sink);
        }
    }

    private void onStamp(long timestampMs, int partition, long offset, long pollNanos, long releasedNanos) {
        if (offset < firstMeasuredOffset.get(partition)) {
            return; // a warm-up event
        }
        long releasedWallMicros = releasedNanos / 1_000 + wallMinusNanoMicros;
        appendToReadableMicros.recordValue(Harness.clampMicros(releasedWallMicros - timestampMs * 1_000));
        pollToReadableMicros.recordValue(Harness.clampMicros((releasedNanos - pollNanos) / 1_000));
        appendToPollMicros.recordValue(
            Harness.clampMicros(pollNanos / 1_000 + wallMinusNanoMicros - timestampMs * 1_000));
    }

    /**
     * Stops the probe (give the pipeline its drain time first) and returns its figures.
     *
     * @param row where they go: {@code stampAppendToReadableMicros}, {@code stampPollToReadableMicros},
     *     {@code stampAppendToPollMicros} (the pipeline's own consumer: the bare consumer's figure for it),
     *     {@code stampLost}
     */
    void stopInto(Map<String, Object> row) throws InterruptedException {
        close();
        long lost = 0;
        for (CommitStamps r : rings) {
            lost += r.lost();
        }
        row.put("stampLost", lost);
        Harness.putProbeFigures(row, "stampStatus", failure,
            new String[] {"stampAppendToReadableMicros", "stampPollToReadableMicros", "stampAppendToPollMicros"},
            appendToReadableMicros, pollToReadableMicros, appendToPollMicros);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        Harness.wakeAndJoin(thread);
        thread = null;
        for (int i = 0; i < rings.length; i++) {
            telemetry.stampCommits(i, null);
        }
    }
}
