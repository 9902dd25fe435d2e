package io.freshet.core;

import io.freshet.core.internal.kernel.EventPreparer;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.core.internal.kernel.PreparedEvent;
import io.freshet.core.internal.kernel.RowWriteKernel;
import io.freshet.core.spi.InMemoryRowStore;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import java.time.Duration;
import java.util.Objects;

/**
 * Tests a feature set definition without a broker or a store on disk, the way Kafka Streams users use
 * {@code TopologyTestDriver}: pipe events in, move a manual clock, read vectors. It runs the same compiled kernels
 * as the pipeline, so what passes here computes the same in production.
 *
 * <pre>{@code
 * FeatureTestDriver<Payment> driver = FeatureTestDriver.create(userRisk, startMs);
 * driver.pipe(new Payment(42, startMs, 12.5, false, 7));
 * driver.advance(Duration.ofMinutes(5));
 * FeatureVector v = driver.read(42);
 * assertEquals(1, v.getLong(userRisk.ref("txn_1h")));
 * }</pre>
 *
 * <p>Threading: single-threaded. Not for production (heap store, allocates).
 *
 * @param <E> the event type
 */
public final class FeatureTestDriver<E> {
    /** {@link #pipe} result: the event was applied to every feature it passed the filter of. */
    public static final int APPLIED = RowWriteKernel.APPLIED;
    /** {@link #pipe} result: applied, but a windowed feature dropped it as late (older than its oldest live tile). */
    public static final int APPLIED_LATE = RowWriteKernel.APPLIED_LATE;
    /** {@link #pipe} result: rejected, the event time is negative. */
    public static final int REJECTED_NEGATIVE_TIME = EventPreparer.REJECTED_NEGATIVE_TIME;
    /** {@link #pipe} result: rejected, the event time is further ahead of the clock than the set's future skew. */
    public static final int REJECTED_FUTURE = EventPreparer.REJECTED_FUTURE;
    /** {@link #pipe} result: rejected, a value extractor returned NaN or an infinity. */
    public static final int REJECTED_NON_FINITE = EventPreparer.REJECTED_NON_FINITE;

    private final FeatureSet<E> set;
    private final ManualClock clock;
    private final RowStore store;
    private final ShardWriter writer;
    private final EventPreparer<E> preparer;
    private final RowWriteKernel kernel;
    private final PreparedEvent prepared;
    private final FeatureReader reader;
    private final FeatureVector vector;
    private long applied;
    private long late;
    private long rejected;

    private FeatureTestDriver(FeatureSet<E> set, long startMs) {
        this.set = set;
        this.clock = new ManualClock(startMs);
        this.store = new InMemoryRowStore(StoreConfig.builder(set).capacity(1L << 40).build());
        this.writer = store.writer(0);
        this.preparer = Kernels.newPreparer(set);
        this.kernel = Kernels.newWriteKernel(set);
        this.prepared = new PreparedEvent(Kernels.preparedCapacity(set));
        this.reader = new FeatureReader(set, store, clock);
        this.vector = set.newVector();
    }

    /**
     * @param set the definition under test
     * @param startMs the clock's start, epoch ms
     * @param <E> event type
     * @return a driver
     */
    public static <E> FeatureTestDriver<E> create(FeatureSet<E> set, long startMs) {
        return new FeatureTestDriver<>(Objects.requireNonNull(set, "set can't be null"), startMs);
    }

    /**
     * Applies an event at the current clock, as the pipeline does: prepare (user code), then apply to the row.
     *
     * @param event the event
     * @return {@link #APPLIED}, {@link #APPLIED_LATE} or a negative {@code REJECTED_} code
     */
    public int pipe(E event) {
        long t = set.eventTimeOf(event);
        long now = clock.nowMs();
        int r = preparer.prepare(event, t, now, prepared);
        if (r < 0) {
            rejected++;
            return r;
        }
        int begin = set.keyType() == KeyType.LONG
            ? writer.begin(set.longKeyOf(event), ShardWriter.NO_SOURCE, 0, 0)
            : writer.begin(Objects.requireNonNull(set.textKeyOf(event), "text key extractor returned null"),
                ShardWriter.NO_SOURCE, 0, 0);
        if (begin != ShardWriter.BEGIN_OK) {
            throw new IllegalStateException("in-memory store refused the row: code=" + begin);
        }
        r = kernel.apply(prepared, writer.row(), now);
        writer.commit();
        applied++;
        if (r == APPLIED_LATE) {
            late++;
        }
        return r;
    }

    /**
     * @param by how far to move the clock
     * @return this
     */
    public FeatureTestDriver<E> advance(Duration by) {
        clock.advance(by);
        return this;
    }

    /**
     * @param timeMs the new clock time, epoch ms
     * @return this
     */
    public FeatureTestDriver<E> setTime(long timeMs) {
        clock.setMs(timeMs);
        return this;
    }

    /** @return the clock's time */
    public long nowMs() {
        return clock.nowMs();
    }

    /** @return the reader of the driver's store at its clock: what a {@link FeatureLog} or a batch read reads */
    public FeatureReader reader() {
        return reader;
    }

    /**
     * @param key numeric key
     * @return the driver's own vector filled for this key at the current clock (reused by the next read)
     */
    public FeatureVector read(long key) {
        reader.read(key, vector);
        return vector;
    }

    /**
     * @param key text key
     * @return the driver's own vector filled for this key (reused by the next read)
     */
    public FeatureVector read(CharSequence key) {
        reader.read(key, vector);
        return vector;
    }

    /**
     * @param key numeric key
     * @param into a caller-owned vector
     * @return true when the key has a row
     */
    public boolean read(long key, FeatureVector into) {
        return reader.read(key, into);
    }

    /**
     * @param key text key
     * @param into a caller-owned vector
     * @return true when the key has a row
     */
    public boolean read(CharSequence key, FeatureVector into) {
        return reader.read(key, into);
    }

    /**
     * Deletes the entity's row, as a tombstone (with {@code TombstonePolicy.DELETE}) or {@code FeaturePipeline.delete}
     * does in a pipeline: reads then report MISSING, and the key's next event starts a new row.
     *
     * @param key a numeric key
     * @return whether the key had a row
     */
    public boolean delete(long key) {
        return writer.delete(key, ShardWriter.NO_SOURCE, 0, 0) == ShardWriter.DELETED;
    }

    /**
     * Text-key variant of {@link #delete(long)}.
     *
     * @param key a text key
     * @return whether the key had a row
     */
    public boolean delete(CharSequence key) {
        return writer.delete(key, ShardWriter.NO_SOURCE, 0, 0) == ShardWriter.DELETED;
    }

    /**
     * Evicts rows idle longer than the set's TTL, as a store would.
     *
     * @return rows evicted
     */
    public int evictIdle() {
        return set.ttlMs() == Long.MAX_VALUE ? 0 : writer.evictIdle(clock.nowMs(), set.ttlMs(), Integer.MAX_VALUE);
    }

    /** @return events applied (including late ones) */
    public long appliedCount() {
        return applied;
    }

    /** @return events a windowed feature dropped as late */
    public long lateCount() {
        return late;
    }

    /** @return events rejected (negative or future time, non-finite value) */
    public long rejectedCount() {
        return rejected;
    }

    /** @return number of keys with a row */
    public long keyCount() {
        return store.size();
    }
}
