package io.freshet.kafka.internal;

import io.freshet.kafka.OffsetMismatchException;
import io.freshet.kafka.PipelineException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions one consumer thread owns: assignment and seeking (each partition to the minimum over its sets'
 * shards of applied offset + 1; the beginning when nothing was applied; below the log start is a typed failure),
 * pausing and resuming under back-pressure, progress markers, partitions added after start (replicated mode), and
 * rebalances (sharded mode: revoked partitions are drained — every record routed so far applied — and checkpointed
 * — markers applied, offsets committed — before the callback returns).
 *
 * <p>Threading: the consumer thread (the rebalance callbacks run inside its poll), except {@link #assignment()},
 * {@link #add} and {@link #sizeWithPending()} (any thread).
 */
final class PartitionTable implements ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionTable.class);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);

    private final int index;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Binding[]> bindingsByTopic;
    private final ConsumerLanes lanes;
    private final OffsetCommitter committer;
    private final boolean commitToKafka;
    private final FailureLatch failures;
    private final LagBoard lagBoard;
    private final Map<TopicPartition, PartitionState> states = new HashMap<>();
    final ArrayList<PartitionState> assigned = new ArrayList<>();
    final ArrayList<PartitionState> paused = new ArrayList<>();
    private volatile List<TopicPartition> assignmentSnapshot = List.of();
    /** Partitions added to a topic after start, handed over by the partition watcher (replicated mode). */
    private final ConcurrentLinkedQueue<TopicPartition> added = new ConcurrentLinkedQueue<>();
    private volatile boolean additionsPending;
    /** True once the first assignment is known (immediately in replicated mode). */
    volatile boolean assignedOnce;
    /** Number of times back-pressure paused a partition. */
    volatile long pauses;
    /** Where a partition the store never applied starts (a migration's backfill), or null: the log start. */
    private Map<TopicPartition, Long> startOffsets;

    PartitionTable(int index, KafkaConsumer<byte[], byte[]> consumer, Map<String, Binding[]> bindingsByTopic,
        ConsumerLanes lanes, OffsetCommitter committer, boolean commitToKafka, FailureLatch failures,
        LagBoard lagBoard) {
        this.index = index;
        this.consumer = consumer;
        this.bindingsByTopic = bindingsByTopic;
        this.lanes = lanes;
        this.committer = committer;
        this.commitToKafka = commitToKafka;
        this.failures = failures;
        this.lagBoard = lagBoard;
    }

    /** @param offsets where partitions the store never applied start (absent ones: the log start) */
    void startOffsets(Map<TopicPartition, Long> offsets) {
        this.startOffsets = offsets;
    }

    /** @param tps the replicated-mode assignment: assigned and sought now */
    void assignManually(List<TopicPartition> tps) {
        consumer.assign(tps);
        PipelineEvents.rebalance(index, "assigned", tps);
        addPartitions(tps);
        assignedOnce = true;
    }

    /** @return the state of an assigned partition, or null */
    PartitionState get(TopicPartition tp) {
        return states.get(tp);
    }

    /** @return partitions assigned now (a snapshot) */
    List<TopicPartition> assignment() {
        return assignmentSnapshot;
    }

    /** @return partitions assigned now plus those handed over and not yet taken */
    int sizeWithPending() {
        return assignmentSnapshot.size() + added.size();
    }

    /** @return true when every assigned partition is paused (and there is one) */
    boolean allPaused() {
        return !paused.isEmpty() && paused.size() == assigned.size();
    }

    /** Back-pressure: stops fetching the partition until {@link #resume}. */
    void pause(PartitionState ps) {
        if (!ps.paused) {
            consumer.pause(ps.singleton);
            ps.paused = true;
            PipelineEvents.backPressure(ps, true);
            paused.add(ps);
            pauses++;
        }
    }

    /** Fetches the partition again. */
    void resume(PartitionState ps) {
        if (ps.paused) {
            consumer.resume(ps.singleton);
            ps.paused = false;
            PipelineEvents.backPressure(ps, false);
            paused.remove(ps);
        }
    }

    /**
     * Hands this consumer partitions that appeared after start (replicated mode); the consumer thread assigns them
     * at its next cycle and reads them from the store's position, or from the log start.
     *
     * @param tps new partitions of source topics
     */
    void add(List<TopicPartition> tps) {
        added.addAll(tps);
        additionsPending = true;
    }

    /** Assigns the partitions handed over, if any, keeping every current partition's position. */
    void takeAdditions() {
        if (!additionsPending) {
            return;
        }
        additionsPending = false;
        List<TopicPartition> fresh = new ArrayList<>();
        TopicPartition tp;
        while ((tp = added.poll()) != null) {
            if (!states.containsKey(tp) && !fresh.contains(tp)) {
                fresh.add(tp);
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        List<TopicPartition> all = new ArrayList<>(states.keySet());
        all.addAll(fresh);
        // assign() keeps the fetch position and pause state of partitions that stay assigned.
        consumer.assign(all);
        PipelineEvents.rebalance(index, "assigned", fresh);
        addPartitions(fresh);
    }

    private void addPartitions(Collection<TopicPartition> tps) {
        List<TopicPartition> fresh = new ArrayList<>();
        List<TopicPartition> stored = new ArrayList<>();
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition tp : tps) {
            PartitionState ps = new PartitionState(tp, bindingsByTopic.get(tp.topic()));
            states.put(tp, ps);
            assigned.add(ps);
            long pos = OffsetCommitter.storedPosition(ps);
            if (pos < 0) {
                fresh.add(tp);
            } else {
                stored.add(tp);
                positions.put(tp, pos);
            }
        }
        if (!stored.isEmpty()) {
            Map<TopicPartition, Long> start = consumer.beginningOffsets(stored, METADATA_TIMEOUT);
            for (TopicPartition tp : stored) {
                long pos = positions.get(tp);
                Long logStart = start.get(tp);
                if (logStart != null && pos < logStart) {
                    throw new OffsetMismatchException(OffsetMismatchException.Kind.LOG_START, "topic=" + tp.topic()
                        + " partition=" + tp.partition() + " store position=" + pos + " < log start offset="
                        + logStart + ": records " + pos + ".." + (logStart - 1) + " were deleted by retention before"
                        + " this store applied them; restart with OffsetMismatchPolicy.REBUILD or delete the store");
                }
                consumer.seek(tp, pos);
            }
        }
        if (startOffsets != null) {
            for (Iterator<TopicPartition> it = fresh.iterator(); it.hasNext();) {
                TopicPartition tp = it.next();
                Long start = startOffsets.get(tp);
                if (start != null) {
                    consumer.seek(tp, start);
                    positions.put(tp, start);
                    it.remove();
                }
            }
        }
        if (!fresh.isEmpty()) {
            consumer.seekToBeginning(fresh);
        }
        assignmentSnapshot = List.copyOf(states.keySet());
        LOG.info("consumer={} assigned {} (from store: {}, from log start: {})", index, tps, positions, fresh);
    }

    /**
     * Sends a progress marker for each partition with newly routed records to every shard of its sets, so that
     * every shard's offset advances, also for partitions it sees no record of.
     *
     * @param force wait for ring space (rebalance, shutdown, a caught-up check) instead of trying again later
     */
    void flushMarkers(List<PartitionState> partitions, boolean force) {
        for (int i = 0, n = partitions.size(); i < n; i++) {
            PartitionState ps = partitions.get(i);
            if (ps.routedUpTo <= ps.markedUpTo) {
                continue;
            }
            boolean all = true;
            for (Binding b : ps.bindings) {
                for (int shard = 0; shard < b.set.shards && all; shard++) {
                    int a = lanes.applierOf(shard);
                    Slot slot = force ? lanes.claimWaiting(a) : lanes.claim(a);
                    if (slot == null) {
                        all = false;
                        break;
                    }
                    slot.kind = Slot.MARKER;
                    slot.binding = b;
                    slot.shard = shard;
                    slot.partition = ps.tp.partition();
                    slot.offset = ps.routedUpTo;
                    lanes.publishMarker(a, slot);
                }
            }
            if (all) {
                ps.markedUpTo = ps.routedUpTo;
            }
        }
    }

    /** Flushes every marker, drains the rings and commits: what a clean stop leaves behind. */
    void checkpoint() {
        flushMarkers(assigned, true);
        lanes.drain();
        if (commitToKafka) {
            committer.commit(assigned, true);
        }
    }

    private void removePartitions(Collection<TopicPartition> tps, boolean commitSync) {
        List<PartitionState> gone = new ArrayList<>();
        for (TopicPartition tp : tps) {
            PartitionState ps = states.get(tp);
            if (ps != null) {
                gone.add(ps);
            }
        }
        if (gone.isEmpty()) {
            return;
        }
        flushMarkers(gone, true);
        lanes.drain();
        if (commitSync && commitToKafka && !failures.failed()) {
            committer.commit(assigned, true);
        }
        for (PartitionState ps : gone) {
            states.remove(ps.tp);
            assigned.remove(ps);
            paused.remove(ps);
            ps.pending = null;
            lagBoard.lag.remove(ps.tp);
        }
        assignmentSnapshot = List.copyOf(states.keySet());
        LOG.info("consumer={} drained and checkpointed revoked {}", index, tps);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        PipelineEvents.rebalance(index, "revoked", partitions);
        removePartitions(partitions, true);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        PipelineEvents.rebalance(index, "lost", partitions);
        removePartitions(partitions, false);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        PipelineEvents.rebalance(index, "assigned", partitions);
        try {
            addPartitions(partitions);
        } catch (PipelineException e) {
            failures.fail(e);
        }
        assignedOnce = true;
    }
}
