package io.freshet.kafka;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a migration's backfill starts reading the source topics: the first offset at or after a timestamp (Kafka's
 * {@code offsetsForTimes}), the log start, or explicit offsets. Resolved to offsets once, when the migration first
 * starts, and recorded in its state file, so a restart resumes the same backfill.
 *
 * <p>Immutable and thread-safe.
 */
public final class MigrationStart {
    final Instant time;
    final Map<TopicPartition, Long> offsets;

    private MigrationStart(Instant time, Map<TopicPartition, Long> offsets) {
        this.time = time;
        this.offsets = offsets;
    }

    /**
     * @param time records with a timestamp at or after it are backfilled (a partition with none starts at its end)
     * @return the start
     */
    public static MigrationStart at(Instant time) {
        return new MigrationStart(Objects.requireNonNull(time, "time can't be null"), null);
    }

    /** @return a start at each partition's log start offset: the whole retained history */
    public static MigrationStart logStart() {
        return new MigrationStart(null, null);
    }

    /**
     * @param offsets the first offset to apply per source partition; partitions not listed start at the log start
     * @return the start
     */
    public static MigrationStart offsets(Map<TopicPartition, Long> offsets) {
        Objects.requireNonNull(offsets, "offsets can't be null");
        offsets.forEach((tp, o) -> {
            if (o == null || o < 0) {
                throw new IllegalArgumentException("offset=" + o + " for " + tp + ": offsets start at 0");
            }
        });
        return new MigrationStart(null, Map.copyOf(offsets));
    }

    @Override
    public String toString() {
        return time != null ? "at " + time : offsets != null ? "offsets " + offsets : "log start";
    }
}
