package io.freshet.kafka.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A preallocated ring of commit stamps that an applier writes for every record it applies while the ring is
 * installed ({@code PipelineTelemetry.stampCommits}): the record's broker timestamp (ms), partition and offset (so a
 * harness can tell which records it measures), the {@code nanoTime} of the poll that brought it and the
 * {@code nanoTime} just after its row's seqlock was released ({@code commit}), the moment a {@code FeatureReader} can
 * see it. A harness turns these into broker append → readable and poll → readable per record without a reader thread
 * that reads the row, so the probe does not take the CPU it measures.
 *
 * <p>Why a ring and not a histogram on the applier: the applier must stay allocation- and lock-free and cheap
 * (five plain stores and one ordered store per record); converting to wall-clock time, filtering the measured
 * interval and recording percentiles happen on the reader's thread, which drains on its own schedule.
 *
 * <p>Threading: one writer ({@link #record}, the applier thread it is installed on) and one reader ({@link #drain});
 * lock-free and wait-free for both. When the writer laps the reader, the overwritten stamps are skipped and counted
 * ({@link #lost()}); a stamp being overwritten while the reader copies it is detected and counted as lost, never
 * returned torn. Allocation: none after construction.
 */
public final class CommitStamps {
    private static final int FIELDS = 5;
    private static final VarHandle PUBLISHED;

    static {
        try {
            PUBLISHED = MethodHandles.lookup().findVarHandle(CommitStamps.class, "published", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Per stamp: timestamp ms, partition, offset, poll nanos, released nanos. */
    private final long[] stamps;
    private final int mask;
    /** Stamps written so far: [0, published) are complete. Written by the writer only (release). */
    @SuppressWarnings("unused") // through PUBLISHED
    private volatile long published;
    /** The writer's own copy of {@link #published}. */
    private long next;
    /** Reader: the next stamp to return. */
    private long readFrom;
    /** Reader: stamps overwritten before they were read. */
    private long lost;

    /** @param capacity stamps held, a power of two of at least 2 (one fewer is safely readable after a lap) */
    public CommitStamps(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1 || capacity > (1 << 26)) {
            throw new IllegalArgumentException("capacity=" + capacity
                + " is not a power of two in [2, 2^26]: use e.g. 65536");
        }
        this.stamps = new long[capacity * FIELDS];
        this.mask = capacity - 1;
    }

    /**
     * Writer: one applied record.
     *
     * @param timestampMs the record's broker timestamp (CreateTime or LogAppendTime, as the topic says), ms
     * @param partition the record's partition
     * @param offset the record's offset
     * @param pollNanos {@code nanoTime} when the poll that brought the record returned
     * @param releasedNanos {@code nanoTime} after the record's row was committed
     */
    public void record(long timestampMs, int partition, long offset, long pollNanos, long releasedNanos) {
        final long seq = next;
        // The previous publication must be visible before this stamp overwrites an old one: a reader that sees a
        // new value in an old stamp's place then also sees a count that tells it that stamp is gone.
        VarHandle.storeStoreFence();
        final int at = (int) (seq & mask) * FIELDS;
        stamps[at] = timestampMs;
        stamps[at + 1] = partition;
        stamps[at + 2] = offset;
        stamps[at + 3] = pollNanos;
        stamps[at + 4] = releasedNanos;
        next = seq + 1;
        PUBLISHED.setRelease(this, seq + 1);
    }

    /** What {@link #drain} hands each stamp to. */
    @FunctionalInterface
    public interface Sink {
        /**
         * @param timestampMs the record's broker timestamp, ms
         * @param partition the record's partition
         * @param offset the record's offset
         * @param pollNanos when its poll returned
         * @param releasedNanos when its row was committed
         */
        void accept(long timestampMs, int partition, long offset, long pollNanos, long releasedNanos);
    }

    /**
     * Reader: hands every stamp written since the previous drain to {@code sink}, oldest first, skipping (and
     * counting in {@link #lost()}) those the writer overwrote first.
     *
     * @param sink receives the stamps
     * @return stamps handed over
     */
    public int drain(Sink sink) {
        final long upTo = (long) PUBLISHED.getAcquire(this);
        final int capacity = mask + 1;
        long from = readFrom;
        // Stamp upTo - capacity may be being overwritten now (the writer writes stamp upTo): only later ones are safe.
        if (upTo - from >= capacity) {
            lost += upTo - capacity + 1 - from;
            from = upTo - capacity + 1;
        }
        int handed = 0;
        for (long seq = from; seq < upTo; seq++) {
            final int at = (int) (seq & mask) * FIELDS;
            final long timestampMs = stamps[at];
            final int partition = (int) stamps[at + 1];
            final long offset = stamps[at + 2];
            final long pollNanos = stamps[at + 3];
            final long releasedNanos = stamps[at + 4];
            // Copied before the count is read again: if the writer has since started on stamp seq + capacity (which
            // shares the place), the copy may be torn and is dropped.
            VarHandle.loadLoadFence();
            final long now = (long) PUBLISHED.getAcquire(this);
            if (now - seq >= capacity) {
                lost++;
                continue;
            }
            sink.accept(timestampMs, partition, offset, pollNanos, releasedNanos);
            handed++;
        }
        readFrom = upTo;
        return handed;
    }

    /** @return reader: stamps overwritten before they were read, since construction */
    public long lost() {
        return lost;
    }

    /** @return stamps written since construction (any thread) */
    public long written() {
        return (long) PUBLISHED.getAcquire(this);
    }
}
