package io.freshet.kafka;

import java.time.Duration;
import java.util.List;

/**
 * A snapshot of a migration's backfill: per source partition and in total, records done and to do (from the start
 * offset to the live position found when the migration first started), % done, the rate over the last sampling
 * interval, the ETA at that rate, the phase and the shadow's lag behind the live topics' ends now.
 *
 * <p>Immutable. Taken by {@link Migration#progress()} (every second by the migration's own thread) and logged at
 * the migration's log interval.
 *
 * @param phase BACKFILLING, TAILING, READY or FAILED
 * @param done records of the backfill range applied (or skipped past), all partitions
 * @param toDo records in the backfill range, all partitions
 * @param recordsPerSecond backfill rate over the last sampling interval
 * @param eta time left at that rate; {@link Duration#ZERO} once past the range, null while the rate is 0
 * @param lagRecords records the shadow store is behind the topics' last stable offsets now (-1: unknown)
 * @param partitions per partition
 */
public record MigrationProgress(MigrationPhase phase, long done, long toDo, double recordsPerSecond, Duration eta,
    long lagRecords, List<PartitionProgress> partitions) {

    /**
     * One source partition of the backfill.
     *
     * @param topic source topic
     * @param partition partition
     * @param startOffset first offset the backfill applies
     * @param targetOffset live position when the migration first started: the backfill's end
     * @param position where the shadow store stands (next offset to apply)
     * @param done records of [start, target) passed
     * @param toDo target - start
     */
    public record PartitionProgress(String topic, int partition, long startOffset, long targetOffset, long position,
        long done, long toDo) {
    }

    /** @return done / toDo in percent (100 when there is nothing to do) */
    public double percentDone() {
        return toDo == 0 ? 100.0 : 100.0 * done / toDo;
    }

    /** @return a one-line summary, as logged */
    @Override
    public String toString() {
        return String.format("phase=%s done=%d/%d (%.1f%%) rate=%.0f rec/s eta=%s lag=%d", phase, done, toDo,
            percentDone(), recordsPerSecond, eta == null ? "?" : eta.toSeconds() + "s", lagRecords);
    }
}
