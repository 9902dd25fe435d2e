package io.freshet.kafka.internal;

import io.freshet.core.EpochClock;
import io.freshet.kafka.BadRecordReason;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Routes one consumer thread's polled records: each record, for each set it feeds, is extracted and prepared
 * ({@link EventExtractor}) and handed to the applier that owns its key's shard, or handled as a bad record.
 *
 * <p>Back-pressure: when a ring is full the record's partition is paused and the rest of its polled records kept
 * pending; once the ring is half free they are routed and the partition resumed. {@code poll()} keeps running
 * meanwhile (returning other partitions' records), so the group never times out.
 *
 * <p>Threading: the consumer thread only. Allocation: none per record (kafka-clients' partition set view per poll).
 */
final class Router {
    /** Highest event → broker and broker → poll latency tracked, ms (larger values are clamped). */
    static final long MAX_LATENCY_MS = java.util.concurrent.TimeUnit.DAYS.toMillis(1);

    private static final int OK = 0;
    private static final int BLOCKED = 1;
    private static final int FAILED = 2;

    private final PartitionTable table;
    private final ConsumerLanes lanes;
    private final EventExtractor extractor;
    private final BadRecordHandler badRecords;
    private final Counters counters;
    private final EpochClock clock;
    private final LagBoard board;
    final StageRecorder eventToBrokerMs = new StageRecorder(MAX_LATENCY_MS);
    final StageRecorder brokerToPollMs = new StageRecorder(MAX_LATENCY_MS);
    /** The applying clock, read once per batch of routed records (the time checks need ms, not a read per record). */
    private long batchNowMs;

    Router(PartitionTable table, ConsumerLanes lanes, EventExtractor extractor, BadRecordHandler badRecords,
        Counters counters, EpochClock clock, LagBoard board) {
        this.board = board;
        this.table = table;
        this.lanes = lanes;
        this.extractor = extractor;
        this.badRecords = badRecords;
        this.counters = counters;
        this.clock = clock;
    }

    /** @return false when the pipeline failed */
    boolean route(ConsumerRecords<byte[], byte[]> records) {
        beginBatch();
        try {
            final long pollNanos = System.nanoTime();
            final long pollMs = System.currentTimeMillis();
            for (TopicPartition tp : records.partitions()) {
                PartitionState ps = table.get(tp);
                if (ps == null) {
                    continue;
                }
                if (ps.paused) {
                    // poll() returns no records of a paused partition; if it ever did, dropping them would lose them.
                    throw new IllegalStateException("poll returned records of paused partition " + tp);
                }
                if (!routeFrom(ps, records.records(tp), 0, 0, pollNanos, pollMs)) {
                    return false;
                }
            }
            return true;
        } finally {
            endBatch();
        }
    }

    /**
     * Routes the pending records of paused partitions whose ring is half free again.
     *
     * @return false when the pipeline failed
     */
    boolean resumeDrained() {
        beginBatch();
        try {
            final List<PartitionState> paused = table.paused;
            for (int i = paused.size() - 1; i >= 0 && i < paused.size(); i--) {
                PartitionState ps = paused.get(i);
                if (lanes.halfFree(ps.blockedApplier)
                    && !routeFrom(ps, ps.pending, ps.pendingIndex, ps.pendingBinding, ps.pendingPollNanos,
                        ps.pendingPollMs)) {
                    return false;
                }
            }
            return true;
        } finally {
            endBatch();
        }
    }

    /** @return true when some paused partition's ring is half free (the consumer should not park) */
    boolean anyBlockedRingHalfFree() {
        final List<PartitionState> paused = table.paused;
        for (int i = 0, n = paused.size(); i < n; i++) {
            if (lanes.halfFree(paused.get(i).blockedApplier)) {
                return true;
            }
        }
        return false;
    }

    /** One stage-recorder batch per poll (not per record): see StageRecorder. */
    private void beginBatch() {
        batchNowMs = clock.nowMs();
        eventToBrokerMs.beginBatch();
        brokerToPollMs.beginBatch();
    }

    private void endBatch() {
        brokerToPollMs.endBatch();
        eventToBrokerMs.endBatch();
        lanes.wakeAppliers();
    }

    /**
     * Routes a partition's records from {@code start} (its first binding from {@code firstBinding}). When a ring is
     * full the partition is paused and keeps the rest of the list as pending, to continue once the ring drains:
     * nothing is fetched twice.
     *
     * @return false when the pipeline failed
     */
    private boolean routeFrom(PartitionState ps, List<ConsumerRecord<byte[], byte[]>> list, int start,
        int firstBinding, long pollNanos, long pollMs) {
        final Binding[] bindings = ps.bindings;
        for (int i = start, n = list.size(); i < n; i++) {
            ConsumerRecord<byte[], byte[]> rec = list.get(i);
            // A heartbeat has no value (one null check per record); it feeds no set and only moves the position.
            if (rec.value() == null && heartbeat(ps, rec, pollMs)) {
                ps.routedUpTo = rec.offset();
                continue;
            }
            for (int j = i == start ? firstBinding : 0; j < bindings.length; j++) {
                int r = routeOne(ps, bindings[j], rec, pollNanos, pollMs);
                if (r == FAILED) {
                    return false;
                }
                if (r == BLOCKED) {
                    ps.pending = list;
                    ps.pendingIndex = i;
                    ps.pendingBinding = j;
                    ps.pendingPollNanos = pollNanos;
                    ps.pendingPollMs = pollMs;
                    table.pause(ps);
                    return true;
                }
            }
            ps.routedUpTo = rec.offset();
        }
        ps.pending = null;
        table.resume(ps);
        return true;
    }

    /** @return true when the record is a FreshnessProbe heartbeat (then recorded as the partition's newest) */
    private boolean heartbeat(PartitionState ps, ConsumerRecord<byte[], byte[]> rec, long pollMs) {
        long producedMs = Heartbeats.producedMs(rec);
        if (producedMs < 0) {
            return false;
        }
        HeartbeatSeen seen = ps.heartbeat;
        if (seen == null) {
            seen = board.heartbeats.computeIfAbsent(ps.tp, tp -> new HeartbeatSeen());
            ps.heartbeat = seen;
        }
        seen.seen(producedMs, pollMs);
        return true;
    }

    private int routeOne(PartitionState ps, Binding b, ConsumerRecord<byte[], byte[]> rec, long pollNanos,
        long pollMs) {
        if (b.detached) {
            return OK; // the set's feeding stopped (a retired migration source): its store is not touched again
        }
        final EventExtractor x = extractor;
        final BadRecordReason reason = x.extract(b, rec, batchNowMs);
        if (reason != null) {
            return bad(b, rec, reason, x.cause, x.shard);
        }
        final int applier = lanes.applierOf(x.shard);
        final Slot slot = lanes.claim(applier);
        if (slot == null) {
            ps.blockedApplier = applier;
            return BLOCKED;
        }
        slot.kind = x.tombstone ? Slot.DELETE : Slot.RECORD;
        slot.binding = b;
        slot.shard = x.shard;
        slot.partition = rec.partition();
        slot.offset = rec.offset();
        if (b.longKey) {
            slot.longKey = x.longKey;
        } else {
            slot.textKey.copyOf(x.textKey);
        }
        slot.pollNanos = pollNanos;
        slot.record = rec;
        if (x.tombstone) {
            lanes.publishRecord(applier, slot);
            return OK;
        }
        x.handOver(slot);
        lanes.publishRecord(applier, slot);
        long ts = rec.timestamp();
        if (ts >= 0) {
            // Every record is counted; only the sampled ones are measured (see StageRecorder).
            if (eventToBrokerMs.due()) {
                eventToBrokerMs.record(ts - x.eventTimeMs);
            }
            if (brokerToPollMs.due()) {
                brokerToPollMs.record(pollMs - ts);
            }
        }
        return OK;
    }

    /**
     * @param shard the record's shard when known (a prepare rejection: today's applier would have found a replayed
     *     record a duplicate there first), else -1
     */
    private int bad(Binding b, ConsumerRecord<byte[], byte[]> rec, BadRecordReason reason, Throwable cause,
        int shard) {
        final SetRuntime set = b.set;
        if (set.allShardsPast(b.topicIndex, rec.partition(), rec.offset())
            || shard >= 0 && set.shardPast(shard, b.topicIndex, rec.partition(), rec.offset())) {
            // A replay after a restart: this record was handled (skipped, dead-lettered or applied) before.
            counters.increment(set.index, Counters.DUPLICATES);
            return OK;
        }
        return badRecords.handle(b, rec, reason, cause) == BadRecordHandler.FAILED ? FAILED : OK;
    }
}
