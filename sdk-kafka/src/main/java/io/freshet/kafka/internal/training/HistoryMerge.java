package io.freshet.kafka.internal.training;

import io.freshet.kafka.internal.StartOffsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the history of a training run's topics, from start offsets to the last stable offsets found at the start,
 * as one stream in log order: offset order within each partition, partitions merged by their records' known time
 * (ties by topic index, then partition). A record's known time is the largest record timestamp of its partition up
 * to and including it: a record cannot have reached the broker before the records ahead of it in its log.
 *
 * <p>{@link #readUpTo} hands over every record whose known time is at most a horizon, and stops there: memory is one
 * poll per partition, whatever the topics' length. One consumer in assign mode, {@code read_committed}, its own
 * client id.
 *
 * <p>Threading: one thread. Not on a hot path: allocates per poll.
 */
public final class HistoryMerge implements AutoCloseable {
    /** Poll wait: short, so a stalled partition is noticed without long blocking. */
    private static final Duration POLL = Duration.ofMillis(200);

    /** Receives the merged records. */
    @FunctionalInterface
    public interface Sink {
        /**
         * @param rec the record
         * @param topicIndex index of its topic in the run's topic list
         * @param knownMs its known time
         */
        void accept(ConsumerRecord<byte[], byte[]> rec, int topicIndex, long knownMs);
    }

    /**
     * One partition's fetched records not yet handed over: the poll's own list of them and their known times, with a
     * cursor (no copy into a queue, no boxed time per record).
     */
    private static final class Part {
        final TopicPartition tp;
        final int topicIndex;
        final long start;
        final long end;
        List<ConsumerRecord<byte[], byte[]>> records = List.of();
        long[] known = new long[0];
        int next;
        long maxTs = Long.MIN_VALUE;
        boolean fetchedAll;

        Part(TopicPartition tp, int topicIndex, long start, long end) {
            this.tp = tp;
            this.topicIndex = topicIndex;
            this.start = start;
            this.end = end;
            this.fetchedAll = start >= end;
        }

        boolean isEmpty() {
            return next == records.size();
        }

        long headKnownMs() {
            return known[next];
        }

        /** Takes a poll's records of this partition, which has none left (only those are resumed). */
        boolean take(List<ConsumerRecord<byte[], byte[]>> got) {
            List<ConsumerRecord<byte[], byte[]>> kept = got;
            int n = got.size();
            if (n > 0 && got.get(n - 1).offset() >= end) {
                // The log went on past the end offsets found at the start: those records are not the run's.
                int keep = 0;
                while (keep < n && got.get(keep).offset() < end) {
                    keep++;
                }
                kept = got.subList(0, keep);
                fetchedAll = true;
            }
            if (kept.isEmpty()) {
                return false;
            }
            if (!isEmpty()) {
                throw new IllegalStateException("training history: " + tp + " was fetched with records left");
            }
            if (known.length < kept.size()) {
                known = new long[Math.max(kept.size(), known.length * 2)];
            }
            for (int i = 0; i < kept.size(); i++) {
                maxTs = Math.max(maxTs, kept.get(i).timestamp());
                known[i] = maxTs;
            }
            records = kept;
            next = 0;
            return true;
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<Part> parts = new ArrayList<>();
    private final Map<TopicPartition, Part> byTp = new HashMap<>();
    /** The parts in merge order (topic index, then partition), as an array for the per-record scan. */
    private Part[] ordered;
    private final long stallTimeoutMs;
    private final long toRead;
    private long read;

    /**
     * @param kafka client properties (bootstrap, security); consumer settings of the run override theirs
     * @param clientId the consumer's client id
     * @param topics the run's topics, in topic-index order
     * @param startTime with {@code startOffsets} null: each partition starts at its first record at or after this
     *     time (a partition with none starts at its end); null for the log start
     * @param startOffsets the first offset per partition (partitions not listed start at the log start), or null
     * @param stallTimeout how long a partition may return nothing before its end before the run fails
     */
    public HistoryMerge(Properties kafka, String clientId, List<String> topics, Instant startTime,
        Map<TopicPartition, Long> startOffsets, Duration stallTimeout) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.stallTimeoutMs = stallTimeout.toMillis();
        try {
            List<TopicPartition> all = partitionsOf(topics);
            Map<TopicPartition, Long> start = resolveStart(all, startTime, startOffsets);
            // read_committed: the end offsets are the last stable offsets, so open transactions are not waited for.
            Map<TopicPartition, Long> ends = consumer.endOffsets(all, Duration.ofSeconds(30));
            long total = 0;
            for (TopicPartition tp : all) {
                int ti = topics.indexOf(tp.topic());
                Part part = new Part(tp, ti, start.get(tp), ends.get(tp));
                parts.add(part);
                byTp.put(tp, part);
                total += Math.max(0, part.end - part.start);
            }
            parts.sort((a, b) -> a.topicIndex != b.topicIndex ? Integer.compare(a.topicIndex, b.topicIndex)
                : Integer.compare(a.tp.partition(), b.tp.partition()));
            this.toRead = total;
            this.ordered = parts.toArray(new Part[0]);
            consumer.assign(all);
            for (Part part : parts) {
                consumer.seek(part.tp, part.start);
            }
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    private List<TopicPartition> partitionsOf(List<String> topics) {
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException("topic=" + topic + " does not exist or has no partitions: create "
                    + "it, or name the topic the pipeline reads");
            }
            for (PartitionInfo info : infos) {
                all.add(new TopicPartition(topic, info.partition()));
            }
        }
        return all;
    }

    private Map<TopicPartition, Long> resolveStart(List<TopicPartition> all, Instant startTime,
        Map<TopicPartition, Long> startOffsets) {
        try {
            return StartOffsets.resolve(all, startTime, startOffsets, StartOffsets.consumer(consumer));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // The consumer's lookups throw only unchecked exceptions (its timeouts included).
            throw new IllegalStateException("training history: cannot resolve the start offsets of " + all + ": "
                + e.getMessage(), e);
        }
    }

    /** @return the first offset the run reads of each partition */
    public Map<TopicPartition, Long> startOffsets() {
        Map<TopicPartition, Long> out = new HashMap<>();
        for (Part p : parts) {
            out.put(p.tp, p.start);
        }
        return out;
    }

    /** @return the end offset (exclusive) the run reads each partition to */
    public Map<TopicPartition, Long> endOffsets() {
        Map<TopicPartition, Long> out = new HashMap<>();
        for (Part p : parts) {
            out.put(p.tp, p.end);
        }
        return out;
    }

    /** @return records between the start and end offsets, all partitions */
    public long recordsToRead() {
        return toRead;
    }

    /** @return records handed over so far */
    public long recordsRead() {
        return read;
    }

    /**
     * Hands every record whose known time is at most {@code horizonMs} to the sink, in log order.
     *
     * @param horizonMs the horizon (label time plus lag), epoch ms
     * @param sink where the records go
     */
    public void readUpTo(long horizonMs, Sink sink) {
        final Part[] all = ordered;
        while (true) {
            boolean mustFetch = false;
            Part next = null;
            long nextKnownMs = Long.MAX_VALUE;
            for (int i = 0; i < all.length; i++) {
                Part p = all[i];
                if (p.isEmpty()) {
                    // Its next record could come first, unless its known time is past the horizon already: known
                    // times never decrease within a partition.
                    mustFetch |= !p.fetchedAll && p.maxTs <= horizonMs;
                } else if (next == null || p.headKnownMs() < nextKnownMs) {
                    next = p; // strict: a tie goes to the lower topic index, then partition (parts are sorted so)
                    nextKnownMs = p.headKnownMs();
                }
            }
            if (mustFetch) {
                fetch();
                continue;
            }
            if (next == null || nextKnownMs > horizonMs) {
                return;
            }
            // Every record of this partition up to the next partition's head (or the horizon) goes now: the scan
            // above is paid once per run of records, not per record.
            long until = horizonMs;
            for (int i = 0; i < all.length; i++) {
                Part p = all[i];
                if (p == next) {
                    continue;
                }
                if (p.isEmpty()) {
                    if (!p.fetchedAll) {
                        // It may get a record known from its maxTs on; a tie goes to the lower index.
                        until = Math.min(until, p.topicIndex < next.topicIndex || p.topicIndex == next.topicIndex
                            && p.tp.partition() < next.tp.partition() ? p.maxTs - 1 : p.maxTs);
                    }
                } else {
                    long head = p.headKnownMs();
                    until = Math.min(until, p.topicIndex < next.topicIndex || p.topicIndex == next.topicIndex
                        && p.tp.partition() < next.tp.partition() ? head - 1 : head);
                }
            }
            final List<ConsumerRecord<byte[], byte[]>> records = next.records;
            final long[] known = next.known;
            final int size = records.size();
            int i = next.next;
            do {
                long knownMs = known[i];
                ConsumerRecord<byte[], byte[]> rec = records.get(i);
                i++;
                next.next = i;
                read++;
                sink.accept(rec, next.topicIndex, knownMs);
            } while (i < size && known[i] <= until);
        }
    }

    private void fetch() {
        List<TopicPartition> resume = new ArrayList<>();
        List<TopicPartition> pause = new ArrayList<>();
        for (Part p : parts) {
            if (p.fetchedAll) {
                continue;
            }
            (p.isEmpty() ? resume : pause).add(p.tp);
        }
        consumer.pause(pause);
        consumer.resume(resume);
        long deadline = System.currentTimeMillis() + stallTimeoutMs;
        while (true) {
            ConsumerRecords<byte[], byte[]> got = consumer.poll(POLL);
            boolean progress = false;
            for (TopicPartition tp : resume) {
                progress |= byTp.get(tp).take(got.records(tp));
            }
            for (TopicPartition tp : resume) {
                Part p = byTp.get(tp);
                if (!p.fetchedAll && consumer.position(tp) >= p.end) {
                    p.fetchedAll = true; // transaction markers and aborted records end a partition without a record
                }
                progress |= p.fetchedAll;
            }
            if (progress) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("training history: no record from " + resume + " for "
                    + stallTimeoutMs + " ms before their end offsets " + endOffsets() + ": check that the cluster is "
                    + "reachable and the client may read those topics");
            }
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
