package io.freshet.kafka.internal;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer-side state of one assigned partition: how far it is routed and marked, whether back-pressure paused it
 * (and the polled records it keeps pending meanwhile), and its lag.
 *
 * <p>Threading: the consumer thread only.
 */
final class PartitionState {
    final TopicPartition tp;
    final Set<TopicPartition> singleton;
    final Binding[] bindings;
    long routedUpTo = -1;
    /** The partition's newest heartbeat, once one arrived (the board's entry, cached: no lookup per heartbeat). */
    HeartbeatSeen heartbeat;
    long markedUpTo = -1;
    boolean paused;
    /** The applier whose full ring paused the partition. */
    int blockedApplier;
    long lag = -1;
    List<ConsumerRecord<byte[], byte[]>> pending;
    int pendingIndex;
    int pendingBinding;
    long pendingPollNanos;
    long pendingPollMs;

    PartitionState(TopicPartition tp, Binding[] bindings) {
        this.tp = tp;
        this.singleton = Collections.singleton(tp);
        this.bindings = bindings;
    }

    /** @return polled records kept pending while paused */
    int pendingCount() {
        return pending == null ? 0 : pending.size() - pendingIndex;
    }
}
