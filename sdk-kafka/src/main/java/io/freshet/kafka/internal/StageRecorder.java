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
 * <p>Threading: {@link #beginBatch}, {@link #record}, {@link #endBatch} from the one writer thread, always in that
 * bracket (a batch must end even when it throws: callers use try/finally, or the reader would wait for ever);
 * {@link #intervalHistogram} from any thread, serialised. Allocation: none after construction. Lock-free for the
 * writer (wait-free enter/exit); the reader waits at most for the writer's current batch to end.
 */
public final class StageRecorder {
    private final long highestTrackableValue;
    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    private volatile Histogram active;
    private Histogram inactive;
    /** The writer's view of {@link #active}, read once per batch inside the critical section. */
    private Histogram current;
    private long enterEpoch;

    /** @param highestTrackableValue largest value recorded as is; larger ones are clamped to it */
    StageRecorder(long highestTrackableValue) {
        this.highestTrackableValue = highestTrackableValue;
        this.active = new Histogram(1, highestTrackableValue, 3);
        this.inactive = new Histogram(1, highestTrackableValue, 3);
    }

    /** Writer: opens a batch; every {@link #record} until {@link #endBatch} lands in the same interval. */
    void beginBatch() {
        enterEpoch = phaser.writerCriticalSectionEnter();
        current = active;
    }

    /** @param value a value, clamped into [0, highest trackable] */
    void record(long value) {
        current.recordValue(value < 0 ? 0 : Math.min(value, highestTrackableValue));
    }

    /** Writer: closes the batch. */
    void endBatch() {
        phaser.writerCriticalSectionExit(enterEpoch);
    }

    /**
     * Reader: swaps the histograms and returns what was recorded since the previous call.
     *
     * @return the interval histogram, owned by this recorder and valid until the next call
     */
    public synchronized Histogram intervalHistogram() {
        phaser.readerLock();
        try {
            inactive.reset();
            Histogram done = active;
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
