package io.freshet.kafka.internal;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.WriterReaderPhaser;

/**
 * The histogram of one freshness stage on one pipeline thread, readable as intervals without stopping the writer:
 * HdrHistogram's {@code SingleWriterRecorder} idea (two histograms and a {@link WriterReaderPhaser}), but the writer
 * enters the phaser once per batch of records ({@link #beginBatch}/{@link #endBatch} around a poll's routing or an
 * applier's ring drain) instead of once per value. {@code SingleWriterRecorder.recordValue} pays two atomic
 * read-modify-writes per value; at a million records a second on two stages that was a visible share of the
 * consumer thread's time.
 *
 * <p>A recorder may keep several lanes (the applier's poll → applied keeps one per feature set, which is the set's
 * apply latency): a value lands in one lane, all lanes share the phaser and swap together, so a lane costs the writer
 * one array load and nothing else, and the lanes of an interval add up to that interval of the stage.
 *
 * <p>Threading: {@link #beginBatch}, {@link #record}, {@link #endBatch} from the one writer thread, always in that
 * bracket (a batch must end even when it throws: callers use try/finally, or the reader would wait for ever);
 * {@link #intervalHistogram} from any thread, serialised. Allocation: none after construction. Lock-free for the
 * writer (wait-free enter/exit); the reader waits at most for the writer's current batch to end.
 */
public final class StageRecorder {
    private final long highestTrackableValue;
    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    /** Per lane, the histograms being written. */
    private volatile Histogram[] active;
    private Histogram[] inactive;
    /** The writer's view of {@link #active}, read once per batch inside the critical section. */
    private Histogram[] current;
    private long enterEpoch;

    /** @param highestTrackableValue largest value recorded as is; larger ones are clamped to it */
    StageRecorder(long highestTrackableValue) {
        this(highestTrackableValue, 1);
    }

    /**
     * @param highestTrackableValue largest value recorded as is; larger ones are clamped to it
     * @param lanes histograms kept apart (at least 1)
     */
    StageRecorder(long highestTrackableValue, int lanes) {
        if (lanes < 1) {
            throw new IllegalArgumentException("lanes=" + lanes + " < 1");
        }
        this.highestTrackableValue = highestTrackableValue;
        this.active = new Histogram[lanes];
        this.inactive = new Histogram[lanes];
        for (int i = 0; i < lanes; i++) {
            active[i] = new Histogram(1, highestTrackableValue, 3);
            inactive[i] = new Histogram(1, highestTrackableValue, 3);
        }
    }

    /** Writer: opens a batch; every {@link #record} until {@link #endBatch} lands in the same interval. */
    void beginBatch() {
        enterEpoch = phaser.writerCriticalSectionEnter();
        current = active;
    }

    /** @param value a value for lane 0, clamped into [0, highest trackable] */
    void record(long value) {
        record(0, value);
    }

    /**
     * @param lane the lane, 0 to lanes - 1
     * @param value a value, clamped into [0, highest trackable]
     */
    void record(int lane, long value) {
        current[lane].recordValue(value < 0 ? 0 : Math.min(value, highestTrackableValue));
    }

    /** Writer: closes the batch. */
    void endBatch() {
        phaser.writerCriticalSectionExit(enterEpoch);
    }

    /**
     * Reader of a one-lane recorder: swaps the histograms and returns what was recorded since the previous call.
     *
     * @return the interval histogram, owned by this recorder and valid until the next call
     * @throws IllegalStateException when the recorder has several lanes (use {@link #intervalHistograms})
     */
    public Histogram intervalHistogram() {
        Histogram[] lanes = intervalHistograms();
        if (lanes.length != 1) {
            throw new IllegalStateException("lanes=" + lanes.length + ": read them with intervalHistograms()");
        }
        return lanes[0];
    }

    /**
     * Reader: swaps the histograms of every lane at once and returns what was recorded since the previous call.
     *
     * @return per lane, the interval histogram, owned by this recorder and valid until the next call
     */
    public synchronized Histogram[] intervalHistograms() {
        phaser.readerLock();
        try {
            for (Histogram h : inactive) {
                h.reset();
            }
            Histogram[] done = active;
            active = inactive;
            inactive = done;
            // Waits until every batch that may still write into `done` has ended.
            phaser.flipPhase(10_000);
            return done;
        } finally {
            phaser.readerUnlock();
        }
    }
}
