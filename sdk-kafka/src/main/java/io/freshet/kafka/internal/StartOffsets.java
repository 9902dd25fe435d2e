package io.freshet.kafka.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a read of the topics' history starts (a migration's backfill, a training run), resolved to one offset per
 * partition from a {@code MigrationStart}: the log start; the first record at or after a time (a partition with none
 * starts at its last stable offset, so it has nothing to read); or explicit offsets (partitions not listed start at
 * the log start). Explicit offsets are checked: each names a partition of the topics and is not below its log start.
 * One rule for both readers, over either client ({@link #admin}, {@link #consumer}).
 *
 * <p>Threading: any thread, as its client allows. Not on a hot path: allocates per call.
 */
public final class StartOffsets {
    private static final long TIMEOUT_MS = 30_000;

    private StartOffsets() {
    }

    /** The offsets a resolution asks the cluster for. */
    public interface Lookup {
        /**
         * @param partitions the partitions
         * @return each partition's log start offset
         * @throws Exception when the cluster does not answer
         */
        Map<TopicPartition, Long> logStart(List<TopicPartition> partitions) throws Exception;

        /**
         * @param partitions the partitions
         * @param timeMs a record timestamp, epoch ms
         * @return each partition's first offset with a timestamp at or after {@code timeMs}; absent or negative when
         *     the partition has none
         * @throws Exception when the cluster does not answer
         */
        Map<TopicPartition, Long> firstAtOrAfter(List<TopicPartition> partitions, long timeMs) throws Exception;

        /**
         * @param partitions the partitions
         * @return each partition's last stable offset (the end a {@code read_committed} reader sees)
         * @throws Exception when the cluster does not answer
         */
        Map<TopicPartition, Long> lastStable(List<TopicPartition> partitions) throws Exception;
    }

    /**
     * @param partitions every partition of the topics read
     * @param time the start time, or null
     * @param offsets explicit start offsets, or null (then {@code time}, or the log start when that is null too)
     * @param lookup the cluster's answers
     * @return the first offset to read, per partition of {@code partitions}
     * @throws IllegalArgumentException when an explicit offset names another partition or is below its log start
     * @throws Exception what the lookup threw
     */
    public static Map<TopicPartition, Long> resolve(List<TopicPartition> partitions, Instant time,
        Map<TopicPartition, Long> offsets, Lookup lookup) throws Exception {
        Map<TopicPartition, Long> logStart = lookup.logStart(partitions);
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            out.put(tp, logStart.get(tp));
        }
        if (offsets != null) {
            for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
                Long first = logStart.get(e.getKey());
                if (first == null || !partitions.contains(e.getKey())) {
                    throw new IllegalArgumentException("start offset for " + e.getKey() + ", which is not a partition "
                        + "of the topics read " + partitions + ": name only their partitions");
                }
                if (e.getValue() < first) {
                    throw new IllegalArgumentException(e.getKey() + " start offset=" + e.getValue() + " < log start "
                        + "offset=" + first + ": retention deleted that history; start at or after it");
                }
                out.put(e.getKey(), e.getValue());
            }
        } else if (time != null) {
            Map<TopicPartition, Long> got = lookup.firstAtOrAfter(partitions, time.toEpochMilli());
            Map<TopicPartition, Long> end = null;
            for (TopicPartition tp : partitions) {
                Long o = got.get(tp);
                if (o == null || o < 0) {
                    // No record at or after the time: the partition's history before it is all there is to skip.
                    end = end != null ? end : lookup.lastStable(partitions);
                    o = end.get(tp);
                }
                out.put(tp, o);
            }
        }
        return out;
    }

    /**
     * @param admin an admin client
     * @return the lookup through it ({@code READ_COMMITTED} offsets)
     */
    public static Lookup admin(Admin admin) {
        return new Lookup() {
            @Override
            public Map<TopicPartition, Long> logStart(List<TopicPartition> partitions) throws Exception {
                return list(admin, partitions, OffsetSpec.earliest());
            }

            @Override
            public Map<TopicPartition, Long> firstAtOrAfter(List<TopicPartition> partitions, long timeMs)
                throws Exception {
                return list(admin, partitions, OffsetSpec.forTimestamp(timeMs));
            }

            @Override
            public Map<TopicPartition, Long> lastStable(List<TopicPartition> partitions) throws Exception {
                return list(admin, partitions, OffsetSpec.latest());
            }
        };
    }

    private static Map<TopicPartition, Long> list(Admin admin, List<TopicPartition> partitions, OffsetSpec spec)
        throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
        for (TopicPartition tp : partitions) {
            ask.put(tp, spec);
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> got = admin.listOffsets(ask,
            new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        got.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /**
     * @param consumer a consumer ({@code read_committed}, so that its end offsets are the last stable ones)
     * @return the lookup through it
     */
    public static Lookup consumer(Consumer<?, ?> consumer) {
        Duration timeout = Duration.ofMillis(TIMEOUT_MS);
        return new Lookup() {
            @Override
            public Map<TopicPartition, Long> logStart(List<TopicPartition> partitions) {
                return consumer.beginningOffsets(partitions, timeout);
            }

            @Override
            public Map<TopicPartition, Long> firstAtOrAfter(List<TopicPartition> partitions, long timeMs) {
                Map<TopicPartition, Long> ask = new HashMap<>();
                for (TopicPartition tp : partitions) {
                    ask.put(tp, timeMs);
                }
                Map<TopicPartition, Long> out = new HashMap<>();
                for (Map.Entry<TopicPartition, OffsetAndTimestamp> e : consumer.offsetsForTimes(ask, timeout)
                    .entrySet()) {
                    if (e.getValue() != null) {
                        out.put(e.getKey(), e.getValue().offset());
                    }
                }
                return out;
            }

            @Override
            public Map<TopicPartition, Long> lastStable(List<TopicPartition> partitions) {
                return consumer.endOffsets(partitions, timeout);
            }
        };
    }
}
