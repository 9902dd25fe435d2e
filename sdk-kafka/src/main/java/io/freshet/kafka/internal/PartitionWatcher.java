package io.freshet.kafka.internal;

import io.freshet.kafka.PipelineException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicated mode's answer to partitions added to a source topic after start: manual assignment never hears of them
 * (no group rebalance happens), so this task, run periodically, describes the source topics through the admin client
 * and hands each new partition to the consumer thread with the fewest partitions. The consumer assigns it at its
 * next iteration and reads it from the store's position (from the log start when the store has none).
 *
 * <p>Why the admin client and not {@code KafkaConsumer.partitionsFor}: the consumer answers from its metadata cache,
 * refreshed only every {@code metadata.max.age.ms} (5 min by default), and belongs to the consumer thread.
 *
 * <p>Threading: run by one scheduler thread at a time; it only touches the consumers through
 * {@link IngestLoop#addAssignment}. Allocates (off the hot path). Never throws: a failed look-up is logged and
 * retried at the next run; a partition the store's offset table cannot hold stops the pipeline with a typed error.
 */
public final class PartitionWatcher implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionWatcher.class);
    private static final long DESCRIBE_TIMEOUT_MS = 10_000;

    private final PipelineCore core;
    private final Admin admin;
    private final Map<String, Integer> partitionsByTopic;
    private long lastWarnMs;

    /**
     * @param core the running pipeline
     * @param admin an admin client of the same cluster (owned by the caller)
     * @param partitionsByTopic partition counts known now (those assigned at start); updated here when topics grow,
     *     so it must be safe for concurrent reads
     */
    public PartitionWatcher(PipelineCore core, Admin admin, Map<String, Integer> partitionsByTopic) {
        this.core = core;
        this.admin = admin;
        this.partitionsByTopic = partitionsByTopic;
    }

    @Override
    public void run() {
        if (!core.isRunning()) {
            return;
        }
        try {
            check();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            warn("partition check failed, retrying at the next interval: " + e);
        }
    }

    private void check() throws InterruptedException {
        Map<String, TopicDescription> topics;
        try {
            topics = admin.describeTopics(core.topics()).allTopicNames().get(DESCRIBE_TIMEOUT_MS,
                TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            warn("cannot describe source topics " + core.topics() + " for new partitions: " + e);
            return;
        }
        for (Map.Entry<String, TopicDescription> e : topics.entrySet()) {
            String topic = e.getKey();
            int now = e.getValue().partitions().size();
            Integer known = partitionsByTopic.get(topic);
            if (known == null || now <= known) {
                continue;
            }
            for (Binding b : core.bindingsByTopic.get(topic)) {
                if (b.set.detached) {
                    continue;
                }
                try {
                    b.set.storedPosition(b.topicIndex, now - 1);
                } catch (IllegalArgumentException x) {
                    core.fail(new PipelineException("set=" + b.set.set.name() + " topic=" + topic + " grew to " + now
                        + " partitions, more than the store's offset table holds (" + x.getMessage() + "): raise"
                        + " StoreConfig.maxPartitions and restart", x));
                    return;
                }
            }
            List<TopicPartition> fresh = new ArrayList<>();
            for (int p = known; p < now; p++) {
                fresh.add(new TopicPartition(topic, p));
            }
            LOG.info("topic={} grew from {} to {} partitions: assigning {}", topic, known, now, fresh);
            core.distribute(fresh);
            partitionsByTopic.put(topic, now);
        }
    }

    private void warn(String message) {
        long nowMs = System.currentTimeMillis();
        if (nowMs - lastWarnMs > 60_000) {
            lastWarnMs = nowMs;
            LOG.warn("{} (logged at most every minute)", message);
        }
    }
}
