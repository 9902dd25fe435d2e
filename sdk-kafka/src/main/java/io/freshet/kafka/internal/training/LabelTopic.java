package io.freshet.kafka.internal.training;

import io.freshet.kafka.RecordDecoder;
import io.freshet.kafka.RecordView;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Properties;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Labels from a Kafka topic, as an {@link Iterable} in label time: each iteration reads the topic from its log start
 * to the last stable offsets found when it begins ({@code read_committed}, assign mode, its own client id) and merges
 * the partitions by label time (ties by partition). Each partition must hold its labels in non-decreasing label time;
 * one that does not fails the iteration with the record's position. Memory: one poll per partition.
 *
 * <p>Threading: an iterator belongs to one thread. Its consumer closes when it is exhausted or {@link Labels#close()}
 * is called.
 *
 * @param <L> the label type
 */
public final class LabelTopic<L> implements Iterable<L> {
    private static final Duration POLL = Duration.ofMillis(200);

    private final Properties kafka;
    private final String topic;
    private final RecordDecoder<L> decoder;
    private final ToLongFunction<L> labelTimeMs;
    private final Duration stallTimeout;
    private final String clientId;

    /**
     * @param kafka client properties (bootstrap, security)
     * @param topic the labels' topic
     * @param decoder decodes a record into a label (each label gets its own instance)
     * @param labelTimeMs a label's time
     * @param stallTimeout how long the topic may return nothing before its end before the iteration fails
     * @param clientId the consumer's client id
     */
    public LabelTopic(Properties kafka, String topic, RecordDecoder<L> decoder, ToLongFunction<L> labelTimeMs,
        Duration stallTimeout, String clientId) {
        this.kafka = kafka;
        this.topic = topic;
        this.decoder = decoder;
        this.labelTimeMs = labelTimeMs;
        this.stallTimeout = stallTimeout;
        this.clientId = clientId;
    }

    @Override
    public Labels iterator() {
        return new Labels();
    }

    /** One pass over the topic. */
    public final class Labels implements Iterator<L>, AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<Part> parts = new ArrayList<>();
        private final RecordView view = new RecordView();
        private boolean closed;

        private final class Part {
            final TopicPartition tp;
            final long end;
            final ArrayDeque<L> labels = new ArrayDeque<>();
            final ArrayDeque<Long> times = new ArrayDeque<>();
            long lastTime = Long.MIN_VALUE;
            boolean fetchedAll;

            Part(TopicPartition tp, long start, long end) {
                this.tp = tp;
                this.end = end;
                this.fetchedAll = start >= end;
            }
        }

        Labels() {
            Properties p = new Properties();
            p.putAll(kafka);
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.remove(ConsumerConfig.GROUP_ID_CONFIG);
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            try {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalArgumentException("label topic=" + topic + " does not exist or has no "
                        + "partitions: create it, or name the topic the labels are on");
                }
                List<TopicPartition> all = new ArrayList<>();
                for (PartitionInfo info : infos) {
                    all.add(new TopicPartition(topic, info.partition()));
                }
                all.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
                Map<TopicPartition, Long> start = consumer.beginningOffsets(all, Duration.ofSeconds(30));
                Map<TopicPartition, Long> end = consumer.endOffsets(all, Duration.ofSeconds(30));
                for (TopicPartition tp : all) {
                    parts.add(new Part(tp, start.get(tp), end.get(tp)));
                }
                consumer.assign(all);
                consumer.seekToBeginning(all);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public boolean hasNext() {
            if (closed) {
                return false;
            }
            fill();
            for (Part p : parts) {
                if (!p.labels.isEmpty()) {
                    return true;
                }
            }
            close();
            return false;
        }

        @Override
        public L next() {
            if (!hasNext()) {
                throw new NoSuchElementException("label topic=" + topic + " has no more labels");
            }
            Part next = null;
            for (Part p : parts) {
                if (!p.labels.isEmpty() && (next == null || p.times.peekFirst() < next.times.peekFirst())) {
                    next = p;
                }
            }
            next.times.pollFirst();
            return next.labels.pollFirst();
        }

        /** Until every partition that is not at its end has a label buffered: only then is the next one known. */
        private void fill() {
            long deadline = System.currentTimeMillis() + stallTimeout.toMillis();
            while (true) {
                List<TopicPartition> resume = new ArrayList<>();
                List<TopicPartition> pause = new ArrayList<>();
                for (Part p : parts) {
                    if (!p.fetchedAll) {
                        (p.labels.isEmpty() ? resume : pause).add(p.tp);
                    }
                }
                if (resume.isEmpty()) {
                    return;
                }
                consumer.pause(pause);
                consumer.resume(resume);
                ConsumerRecords<byte[], byte[]> got = consumer.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> rec : got) {
                    Part p = partOf(rec.partition());
                    if (rec.offset() >= p.end) {
                        p.fetchedAll = true;
                        continue;
                    }
                    take(p, rec);
                    deadline = System.currentTimeMillis() + stallTimeout.toMillis();
                }
                for (TopicPartition tp : resume) {
                    Part p = partOf(tp.partition());
                    if (!p.fetchedAll && consumer.position(tp) >= p.end) {
                        p.fetchedAll = true;
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    close();
                    throw new IllegalStateException("label topic=" + topic + ": no record from " + resume + " for "
                        + stallTimeout.toMillis() + " ms before their end: check that the cluster is reachable and "
                        + "the client may read the topic");
                }
            }
        }

        private Part partOf(int partition) {
            for (Part p : parts) {
                if (p.tp.partition() == partition) {
                    return p;
                }
            }
            throw new IllegalStateException("record of unassigned partition " + topic + "-" + partition);
        }

        private void take(Part p, ConsumerRecord<byte[], byte[]> rec) {
            String where = rec.topic() + "-" + rec.partition() + "@" + rec.offset();
            final L label;
            try {
                label = decoder.decode(view.wrap(rec), decoder.newReusable());
            } catch (Exception e) {
                close();
                throw new IllegalStateException("label record " + where + " does not decode ("
                    + e.getClass().getSimpleName() + "): fix or remove it; labels have no skip policy", e);
            }
            if (label == null) {
                return; // not a label, as a decoder may say of a record
            }
            long t = labelTimeMs.applyAsLong(label);
            if (t < p.lastTime) {
                close();
                throw new IllegalStateException("label record " + where + " has time=" + t + " < " + p.lastTime
                    + " of the label before it in its partition: write each partition's labels in time order");
            }
            p.lastTime = t;
            p.labels.addLast(label);
            p.times.addLast(t);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                consumer.close(Duration.ofSeconds(5));
            }
        }
    }
}
