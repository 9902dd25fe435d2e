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
 * <p>Sampling: every record is counted, but only the first record of a batch and then every
 * {@linkplain #sampleEvery() N-th} record is measured; each measured value is recorded with the count of the records
 * it stands for (itself and the unmeasured ones after it, up to the next measured one or the end of the batch). So
 * counts are exact (a snapshot's stage count is the number of records), a percentile is that of a systematic 1-in-N
 * sample of the records, and the caller skips measuring (a clock read, a histogram update) for the others. Callers
 * ask {@link #due()} per record and measure only when it says so. {@code N} comes from the system property
 * {@value #SAMPLE_EVERY_PROP_NAME} (default {@value #SAMPLE_EVERY_DEFAULT}; 1 measures every record), read when a
 * pipeline builds its threads. Why sample: measuring every record (a histogram update per stage, and on the applier
 * a clock read) cost 106 ns per record on the consumer side and 187 ns on the applier side against 17 and 24 ns
 * sampled ({@code StageRecorderBenchmark}, same run), which at a million records a second is a large share of both
 * threads; a 1-in-16 sample still gives tens of thousands of values a second for the percentiles, and at low rates
 * (small polls) nearly every record is measured, as each batch's first always is.
 *
 * <p>Lanes: a recorder may keep several (the applier's poll → applied keeps one per feature set, which is the set's
 * apply latency): a value lands in one lane, all lanes share the phaser and swap together, so a lane costs the writer
 * one array load, and the lanes of an interval add up to that interval of the stage. A held sample stands only for
 * the records of its own lane: a record of another lane is measured.
 *
 * <p>Threading: {@link #beginBatch}, {@link #due}, {@link #record}, {@link #endBatch} from the one writer thread,
 * always in that bracket (a batch must end even when it throws: callers use try/finally, or the reader would wait for
 * ever); {@link #intervalHistogram} from any thread, serialised. Allocation: none after construction. Lock-free for
 * the writer (wait-free enter/exit); the reader waits at most for the writer's current batch to end.
 */
public final class StageRecorder {
    /**
     * System property: measure the first record of each batch and then every N-th (1: every record; 0: none, for a
     * benchmark's A/B only: the stages then count nothing).
     */
    public static final String SAMPLE_EVERY_PROP_NAME = "freshet.stages.sampleEvery";
    /** Default of {@value #SAMPLE_EVERY_PROP_NAME}. */
    public static final int SAMPLE_EVERY_DEFAULT = 16;

    private final long highestTrackableValue;
    private final int sampleEvery;
    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    /** Per lane, the histograms being written. */
    private volatile Histogram[] active;
    private Histogram[] inactive;
    /** The writer's view of {@link #active}, read once per batch inside the critical section. */
    private Histogram[] current;
    private long enterEpoch;
    /** The measured value that stands for the records counted in {@link #heldCount}; 0 records: none held. */
    private long heldValue;
    private long heldCount;
    private int heldLane;

    /** @param highestTrackableValue largest value recorded as is; larger ones are clamped to it */
    StageRecorder(long highestTrackableValue) {
        this(highestTrackableValue, 1, sampleEveryFromProperty());
    }

    /**
     * @param highestTrackableValue largest value recorded as is; larger ones are clamped to it
     * @param sampleEvery measure every N-th record of a batch (and its first), N ≥ 1; 0 measures none (an A/B
     *     switch for benchmarks: then {@link #due()} is always false and nothing is counted)
     */
    public StageRecorder(long highestTrackableValue, int sampleEvery) {
        this(highestTrackableValue, 1, sampleEvery);
    }

    /**
     * @param highestTrackableValue largest value recorded as is; larger ones are clamped to it
     * @param lanes histograms kept apart (at least 1)
     * @param sampleEvery as in {@link #StageRecorder(long, int)}
     */
    StageRecorder(long highestTrackableValue, int lanes, int sampleEvery) {
        if (sampleEvery < 0) {
            throw new IllegalArgumentException("sampleEvery=" + sampleEvery + " < 0: use 1 to measure every record");
        }
        if (lanes < 1) {
            throw new IllegalArgumentException("lanes=" + lanes + " < 1");
        }
        this.highestTrackableValue = highestTrackableValue;
        this.sampleEvery = sampleEvery;
        this.active = new Histogram[lanes];
        this.inactive = new Histogram[lanes];
        for (int i = 0; i < lanes; i++) {
            active[i] = new Histogram(1, highestTrackableValue, 3);
            inactive[i] = new Histogram(1, highestTrackableValue, 3);
        }
    }

    /**
     * @param highestTrackableValue largest value recorded as is; larger ones are clamped to it
     * @param lanes histograms kept apart (at least 1)
     * @return a recorder sampling as {@value #SAMPLE_EVERY_PROP_NAME} says
     */
    static StageRecorder withLanes(long highestTrackableValue, int lanes) {
        return new StageRecorder(highestTrackableValue, lanes, sampleEveryFromProperty());
    }

    private static int sampleEveryFromProperty() {
        String v = System.getProperty(SAMPLE_EVERY_PROP_NAME);
        if (v == null) {
            return SAMPLE_EVERY_DEFAULT;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException(SAMPLE_EVERY_PROP_NAME + "=" + v
            + " is not a count: set it to 1 (measure every record) or N > 1 (every N-th), or leave it unset");
    }

    /** @return N: the first record of a batch and then every N-th is measured (0: none) */
    public int sampleEvery() {
        return sampleEvery;
    }

    /** Writer: opens a batch; every {@link #record} until {@link #endBatch} lands in the same interval. */
    public void beginBatch() {
        enterEpoch = phaser.writerCriticalSectionEnter();
        current = active;
    }

    /**
     * Writer, once per record: counts it and says whether to measure it.
     *
     * @return true when the caller must measure this record and pass the value to {@link #record}; false when the
     *     record is counted with the value measured before it in this batch
     */
    public boolean due() {
        return due(0);
    }

    /**
     * Writer, once per record of {@code lane}: as {@link #due()}.
     *
     * @param lane the lane, 0 to lanes - 1
     * @return whether to measure this record
     */
    public boolean due(int lane) {
        final long held = heldCount;
        if (held > 0 && held < sampleEvery && heldLane == lane) {
            heldCount = held + 1;
            return false;
        }
        return sampleEvery != 0;
    }

    /**
     * Writer: the measured value of a record that {@link #due()} asked for (or of every record, when a caller does
     * not sample).
     *
     * @param value a value, clamped into [0, highest trackable]
     */
    public void record(long value) {
        record(0, value);
    }

    /**
     * Writer: as {@link #record(long)}, into {@code lane}.
     *
     * @param lane the lane, 0 to lanes - 1
     * @param value a value, clamped into [0, highest trackable]
     */
    public void record(int lane, long value) {
        if (heldCount > 0) {
            current[heldLane].recordValueWithCount(heldValue, heldCount);
        }
        heldValue = value < 0 ? 0 : Math.min(value, highestTrackableValue);
        heldCount = 1;
        heldLane = lane;
    }

    /** Writer: closes the batch. */
    public void endBatch() {
        if (heldCount > 0) {
            current[heldLane].recordValueWithCount(heldValue, heldCount);
            heldCount = 0;
        }
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
