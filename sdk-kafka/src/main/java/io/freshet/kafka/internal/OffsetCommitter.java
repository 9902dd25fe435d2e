package io.freshet.kafka.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offsets as the store has them: a partition's stored position (where its consumer seeks), and their commit to
 * Kafka, for lag tools only (the store stays the truth; a failed commit is harmless).
 *
 * <p>Threading: the consumer thread only. Allocation: per commit (a map), once a second at most.
 */
final class OffsetCommitter {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetCommitter.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final KafkaConsumer<byte[], byte[]> consumer;

    OffsetCommitter(KafkaConsumer<byte[], byte[]> consumer) {
        this.consumer = consumer;
    }

    /** Minimum over the partition's fed sets of their stored position; -1 when none applied anything. */
    static long storedPosition(PartitionState ps) {
        long pos = Long.MAX_VALUE;
        boolean any = false;
        for (Binding b : ps.bindings) {
            if (b.detached) {
                continue; // no longer fed: its store's offsets stand still (and it may be closed)
            }
            long p = b.set.storedPosition(b.topicIndex, ps.tp.partition());
            if (p < 0) {
                p = 0;
            } else {
                any = true;
            }
            pos = Math.min(pos, p);
        }
        return any ? pos : -1;
    }

    /**
     * @param partitions the partitions to commit
     * @param sync wait for the answer (rebalance, shutdown)
     */
    void commit(List<PartitionState> partitions, boolean sync) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionState ps : partitions) {
            long pos = storedPosition(ps);
            if (pos >= 0) {
                offsets.put(ps.tp, new OffsetAndMetadata(pos));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            if (sync) {
                consumer.commitSync(offsets, TIMEOUT);
            } else {
                consumer.commitAsync(offsets, (o, e) -> {
                    if (e != null) {
                        harmless(e);
                    }
                });
            }
        } catch (KafkaException e) {
            harmless(e);
        }
    }

    private static void harmless(Exception e) {
        LOG.debug("lag-tool offset commit failed (harmless, the store holds the offsets): {}", e.toString());
    }
}
