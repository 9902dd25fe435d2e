package io.freshet.kafka.internal;

import io.freshet.kafka.BadRecordException;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.OffsetMismatchException;
import io.freshet.kafka.PipelineException;
import io.freshet.kafka.RecordView;
import io.freshet.kafka.ScaleMode;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer thread: polls its own {@link KafkaConsumer} (byte arrays, {@code read_committed}, no auto-commit),
 * decodes each record in place, extracts key and event time, routes it to the shard that owns the key through the
 * ring of that shard's applier, and sends progress markers so that every shard's offset advances.
 *
 * <p>Offsets: the store is the truth. On assignment each partition is sought to the minimum over its sets' shards
 * of applied offset + 1 (the beginning when nothing was applied; below the log start is a typed failure); shards
 * skip what they already applied. Positions are also committed to Kafka asynchronously (every second, from the
 * store's offsets) for lag tools only.
 *
 * <p>Back-pressure: when a ring is full the record's partition is paused and the rest of its polled records kept
 * pending; once the ring is half free they are routed and the partition resumed. {@code poll()} keeps running
 * meanwhile (returning other partitions' records), so the group never times out.
 *
 * <p>Lag: the consumer's own (its last fetch answer's end offset minus its position), except that when no fetch
 * response at all arrived for max(5 s, 3 × {@code fetch.max.wait.ms} + 1 s) while some partition is not paused
 * (broker down or unreachable) the lag is unknown (-1), so the set reports CATCHING_UP rather than a lag frozen at
 * its last value; reads go on from the store meanwhile.
 *
 * <p>Rebalance (sharded mode): revoked partitions are drained (every record routed so far applied) and
 * checkpointed (markers applied, offsets committed) before the callback returns.
 *
 * <p>Threading: one thread; the consumer is confined to it. Allocation: none per record beyond kafka-clients' own
 * (per poll: the partition set view; per second: lag and commit maps).
 */
public final class IngestLoop implements Runnable, ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(IngestLoop.class);
    private static final long MARKER_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long LAG_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long COMMIT_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long DRAIN_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final Duration PAUSED_POLL = Duration.ofMillis(1);
    private static final long BACK_PRESSURE_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
    /** Shortest fetch silence (no fetch response at all) after which the lag counts as unknown, ms. */
    private static final long FETCH_SILENCE_MIN_MS = 5_000;
    /** Highest event → broker and broker → poll latency tracked, ms (larger values are clamped). */
    static final long MAX_LATENCY_MS = TimeUnit.DAYS.toMillis(1);

    /**
     * Records published to one applier within a poll batch between two wake-ups of it: a large batch (catch-up) is
     * applied while it is still being routed, but a parked applier is not woken for each record of a small one.
     * Woken per record, it preempted the consumer on its core, applied that one record, parked again and was woken
     * by the next: the consumer's routing of a batch took p99 0.9 ms instead of 0.1 ms (freshness harness, 2 cores).
     */
    static final int WAKE_EVERY_RECORDS = 64;

    private static final int OK = 0;
    private static final int BLOCKED = 1;
    private static final int FAILED = 2;

    final PipelineCore core;
    final int index;
    final Counters counters;
    final StageRecorder eventToBrokerMs = new StageRecorder(MAX_LATENCY_MS);
    final StageRecorder brokerToPollMs = new StageRecorder(MAX_LATENCY_MS);
    private final List<TopicPartition> manualAssignment;
    private final HandOffRing[] rings;
    private final ShardApplier[] appliers;
    /** Per applier: records published to it since it was last woken (consumer thread only). */
    private final int[] publishedSinceWake;
    private final Object[] scratch;
    private final RecordView view = new RecordView();
    /** The applying clock, read once per batch of routed records (the time checks need ms, not a read per record). */
    private long batchNowMs;
    private final Duration pollTimeout;
    private final Map<TopicPartition, PartitionState> states = new HashMap<>();
    private final ArrayList<PartitionState> assigned = new ArrayList<>();
    private final ArrayList<PartitionState> paused = new ArrayList<>();
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;
    private long lastMarkerNs;
    private long lastLagNs;
    private long lastCommitNs;
    /** The consumer's count of fetch responses (null until found), and when it last moved. */
    private Metric fetchResponses;
    private boolean fetchResponsesLookedUp;
    private double lastFetchResponses = -1;
    private long lastFetchResponseNs;
    private final long fetchSilenceNs;
    private long lastRetriableLogMs;
    private long lastSkipLogMs;
    private long handledRequest;
    /** True while the thread parks waiting for an applier to free slots; appliers unpark it. */
    volatile boolean waitingForSpace;
    /** Number of times back-pressure paused a partition. */
    volatile long pauses;
    /** True once the first assignment is known (immediately in replicated mode). */
    volatile boolean assignedOnce;
    /** Caught up as of the last periodic refresh (lag 0 everywhere, nothing paused). */
    volatile boolean caughtUp;
    volatile long answeredRequest;
    volatile Map<TopicPartition, Long> answeredPositions = Map.of();
    volatile boolean answeredCaughtUp;
    private volatile List<TopicPartition> assignmentSnapshot = List.of();
    /** Partitions added to a topic after start, handed over by the partition watcher (replicated mode). */
    private final ConcurrentLinkedQueue<TopicPartition> added = new ConcurrentLinkedQueue<>();
    private volatile boolean additionsPending;

    IngestLoop(PipelineCore core, int index, List<TopicPartition> manualAssignment) {
        this.core = core;
        this.index = index;
        this.counters = new Counters(core.sets.size());
        this.manualAssignment = manualAssignment;
        this.rings = core.rings[index];
        this.appliers = core.appliers;
        this.publishedSinceWake = new int[core.appliers.length];
        this.scratch = new Object[core.bindings.length];
        for (Binding b : core.bindings) {
            scratch[b.index] = b.decoder.newReusable();
        }
        this.pollTimeout = Duration.ofMillis(core.pollTimeoutMs);
        // An idle broker still answers every fetch within fetch.max.wait.ms (default 500 ms): a consumer that heard
        // nothing for several of those cannot know its lag, whatever its last answer said.
        long fetchWaitMs = 500;
        Object w = core.kafka.get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG);
        if (w != null) {
            try {
                fetchWaitMs = Long.parseLong(w.toString().trim());
            } catch (NumberFormatException e) {
                // KafkaConsumer's constructor rejects it with a clear message.
            }
        }
        this.fetchSilenceNs = TimeUnit.MILLISECONDS.toNanos(Math.max(FETCH_SILENCE_MIN_MS, 3 * fetchWaitMs + 1_000));
    }

    void start(String name) {
        Properties p = new Properties();
        p.putAll(core.kafka);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, core.instanceId + "#c" + index);
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        thread = new Thread(this, name);
        thread.setDaemon(true);
        thread.start();
    }

    void wakeup() {
        if (consumer != null) {
            consumer.wakeup();
        }
    }

    void join(long timeoutMs) throws InterruptedException {
        if (thread != null) {
            thread.join(timeoutMs);
            if (thread.isAlive()) {
                LOG.warn("consumer thread={} still running {} ms after stop", thread.getName(), timeoutMs);
            }
        }
    }

    /** @return true while the thread runs */
    public boolean isAlive() {
        return thread != null && thread.isAlive();
    }

    /** @return partitions assigned now (a snapshot) */
    public List<TopicPartition> assignment() {
        return assignmentSnapshot;
    }

    /** @return whether the last refresh found this consumer caught up */
    public boolean caughtUp() {
        return assignedOnce && caughtUp;
    }

    /**
     * Hands this consumer partitions that appeared after start (replicated mode); the consumer thread assigns them
     * at its next iteration and reads them from the store's position, or from the log start.
     *
     * @param tps new partitions of source topics
     */
    void addAssignment(List<TopicPartition> tps) {
        added.addAll(tps);
        additionsPending = true;
    }

    /** @return partitions assigned now plus those handed over and not yet taken */
    int assignmentSizeWithPending() {
        return assignmentSnapshot.size() + added.size();
    }

    /** @return back-pressure pauses so far */
    public long pauses() {
        return pauses;
    }

    @Override
    public void run() {
        try {
            if (core.mode == ScaleMode.REPLICATED) {
                consumer.assign(manualAssignment);
                addPartitions(manualAssignment);
                assignedOnce = true;
            } else {
                consumer.subscribe(core.topics(), this);
            }
            loop();
        } catch (WakeupException e) {
            // close() woke us: fall through to the shutdown below.
        } catch (Throwable t) {
            core.fail(t instanceof PipelineException ? (PipelineException) t
                : new PipelineException("consumer thread=" + Thread.currentThread().getName() + " died: " + t
                    + "; the stores are consistent, restart the pipeline", t));
        } finally {
            shutdown();
        }
    }

    private void loop() {
        while (core.running()) {
            if (additionsPending) {
                takeAdditions();
            }
            if (!paused.isEmpty() && !resumeDrainedRecorded()) {
                return;
            }
            ConsumerRecords<byte[], byte[]> records;
            final boolean allPaused = !paused.isEmpty() && paused.size() == assigned.size();
            if (allPaused) {
                // Nothing to fetch until an applier frees slots: park until one signals (or 1 ms), rather than
                // in poll(), then poll(0) to stay a live group member.
                waitingForSpace = true;
                if (!anyBlockedRingHalfFree()) {
                    LockSupport.parkNanos(this, BACK_PRESSURE_WAIT_NS);
                }
                waitingForSpace = false;
            }
            try {
                records = consumer.poll(allPaused ? Duration.ZERO : paused.isEmpty() ? pollTimeout : PAUSED_POLL);
            } catch (WakeupException e) {
                continue; // close() woke us; the loop condition decides
            } catch (RetriableException e) {
                logRetriable(e);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                continue;
            }
            if (!records.isEmpty() && !routeRecorded(records)) {
                return;
            }
            long nowNs = System.nanoTime();
            if (records.isEmpty() || nowNs - lastMarkerNs > MARKER_INTERVAL_NS) {
                lastMarkerNs = nowNs;
                flushMarkers(assigned, false);
            }
            long request = core.lagRequest;
            if (request != handledRequest) {
                handledRequest = request;
                answerLagRequest(request);
            } else if (nowNs - lastLagNs > LAG_INTERVAL_NS) {
                lastLagNs = nowNs;
                refreshLag();
            }
            if (core.commitToKafka && nowNs - lastCommitNs > COMMIT_INTERVAL_NS) {
                lastCommitNs = nowNs;
                commit(false);
            }
        }
    }

    /** {@link #route} inside one batch of the stage recorders. */
    private boolean routeRecorded(ConsumerRecords<byte[], byte[]> records) {
        batchNowMs = core.clock.nowMs();
        eventToBrokerMs.beginBatch();
        brokerToPollMs.beginBatch();
        try {
            return route(records);
        } finally {
            brokerToPollMs.endBatch();
            eventToBrokerMs.endBatch();
            wakeAppliers();
        }
    }

    /** {@link #resumeDrained} inside one batch of the stage recorders. */
    private boolean resumeDrainedRecorded() {
        batchNowMs = core.clock.nowMs();
        eventToBrokerMs.beginBatch();
        brokerToPollMs.beginBatch();
        try {
            return resumeDrained();
        } finally {
            brokerToPollMs.endBatch();
            eventToBrokerMs.endBatch();
            wakeAppliers();
        }
    }

    /**
     * After a batch: wakes every parked applier once. The in-batch {@link ShardApplier#wakeIfParked} (every
     * {@value #WAKE_EVERY_RECORDS} records) reads the applier's flag without a fence, so it can miss an applier that
     * announced its park just as a record was published (store-load reordering); the fence here closes that window
     * once per batch, so a parked applier never sleeps its full park with work queued.
     */
    private void wakeAppliers() {
        VarHandle.fullFence();
        for (int i = 0; i < appliers.length; i++) {
            publishedSinceWake[i] = 0;
            appliers[i].wakeIfParked();
        }
    }

    /** @return false when the pipeline failed */
    private boolean route(ConsumerRecords<byte[], byte[]> records) {
        final long pollNanos = System.nanoTime();
        final long pollMs = System.currentTimeMillis();
        for (TopicPartition tp : records.partitions()) {
            PartitionState ps = states.get(tp);
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
                    if (!ps.paused) {
                        consumer.pause(ps.singleton);
                        ps.paused = true;
                        paused.add(ps);
                        pauses++;
                    }
                    return true;
                }
            }
            ps.routedUpTo = rec.offset();
        }
        ps.pending = null;
        if (ps.paused) {
            consumer.resume(ps.singleton);
            ps.paused = false;
            paused.remove(ps);
        }
        return true;
    }

    private int routeOne(PartitionState ps, Binding b, ConsumerRecord<byte[], byte[]> rec, long pollNanos,
        long pollMs) {
        BadRecordReason reason = null;
        Throwable cause = null;
        Object event = null;
        long key = 0;
        CharSequence textKey = null;
        long t = 0;
        final byte[] value = rec.value();
        final byte[] k = rec.key();
        if (value == null) {
            reason = BadRecordReason.TOMBSTONE;
        } else if ((long) value.length + (k == null ? 0 : k.length) > b.maxRecordBytes) {
            reason = BadRecordReason.OVERSIZED;
        } else {
            try {
                event = b.decoder.decode(view.wrap(rec), scratch[b.index]);
                if (event == null) {
                    reason = BadRecordReason.NULL_EVENT;
                }
            } catch (Throwable e) {
                reason = BadRecordReason.DECODE_ERROR;
                cause = e;
            }
            if (reason == null) {
                try {
                    if (b.longKey) {
                        key = b.featureSet.longKeyOf(event);
                    } else {
                        textKey = b.featureSet.textKeyOf(event);
                        if (textKey == null) {
                            reason = BadRecordReason.NULL_KEY;
                        }
                    }
                } catch (Throwable e) {
                    reason = BadRecordReason.KEY_ERROR;
                    cause = e;
                }
            }
            if (reason == null) {
                try {
                    t = b.featureSet.eventTimeOf(event);
                    final long now = batchNowMs;
                    if (t < 0) {
                        reason = BadRecordReason.NEGATIVE_TIME;
                    } else if (t - now > b.futureSkewMs) {
                        reason = BadRecordReason.FUTURE_TIME;
                    } else if (now - t > b.maxEventAgeMs) {
                        reason = BadRecordReason.TOO_OLD;
                    }
                } catch (Throwable e) {
                    reason = BadRecordReason.TIME_ERROR;
                    cause = e;
                }
            }
        }
        if (reason != null) {
            return bad(b, rec, reason, cause);
        }
        final SetRuntime set = b.set;
        final int shard = b.longKey ? set.store.shardOf(key) : set.store.shardOf(textKey);
        final int applier = core.applierOf(shard);
        final HandOffRing ring = rings[applier];
        final Slot slot = ring.claim();
        if (slot == null) {
            ps.blockedRing = applier;
            return BLOCKED;
        }
        slot.kind = Slot.RECORD;
        slot.binding = b;
        slot.shard = shard;
        slot.partition = rec.partition();
        slot.offset = rec.offset();
        slot.longKey = key;
        slot.textKey = textKey;
        slot.eventTimeMs = t;
        slot.pollNanos = pollNanos;
        slot.record = rec;
        if (event == scratch[b.index] && event != null) {
            // The decoder filled our reusable instance: hand it over with the slot and take the slot's idle one.
            scratch[b.index] = slot.spare[b.index];
            slot.spare[b.index] = event;
        }
        slot.event = event;
        ring.publish(slot);
        if (++publishedSinceWake[applier] >= WAKE_EVERY_RECORDS) {
            publishedSinceWake[applier] = 0;
            appliers[applier].wakeIfParked();
        }
        long ts = rec.timestamp();
        if (ts >= 0) {
            eventToBrokerMs.record(ts - t);
            brokerToPollMs.record(pollMs - ts);
        }
        return OK;
    }

    private int bad(Binding b, ConsumerRecord<byte[], byte[]> rec, BadRecordReason reason, Throwable cause) {
        final int set = b.set.index;
        if (b.set.allShardsPast(b.topicIndex, rec.partition(), rec.offset())) {
            // A replay after a restart: this record was handled (skipped or dead-lettered) before.
            counters.increment(set, Counters.DUPLICATES);
            return OK;
        }
        counters.bad(set, reason);
        if (b.policy == BadRecordPolicy.FAIL) {
            core.fail(new BadRecordException(b.set.set.name(), b.topic, rec.partition(), rec.offset(), reason, "",
                cause));
            return FAILED;
        }
        if (b.policy == BadRecordPolicy.DEAD_LETTER) {
            Exception e = core.deadLetters.publish(b.source.deadLetterTopic(), b.set.set.name(), rec, reason, cause);
            if (e != null) {
                core.fail(new BadRecordException(b.set.set.name(), b.topic, rec.partition(), rec.offset(), reason,
                    "deadLetterTopic=" + b.source.deadLetterTopic() + " could not be written: " + e, cause));
                return FAILED;
            }
            counters.increment(set, Counters.DEAD_LETTERED);
        } else {
            counters.increment(set, Counters.SKIPPED);
            long nowMs = System.currentTimeMillis();
            if (nowMs - lastSkipLogMs > 10_000) {
                lastSkipLogMs = nowMs;
                LOG.warn("skipping bad record set={} topic={} partition={} offset={} reason={}{} (logged at most every"
                    + " 10 s per thread; see metrics for counts)", b.set.set.name(), b.topic, rec.partition(),
                    rec.offset(), reason, cause == null ? "" : " cause=" + cause.getClass().getName());
            }
        }
        return OK;
    }

    /**
     * Sends a progress marker for each partition with newly routed records to every shard of its sets.
     *
     * @param force wait for ring space (rebalance, shutdown) instead of trying again later
     */
    private void flushMarkers(List<PartitionState> partitions, boolean force) {
        for (int i = 0, n = partitions.size(); i < n; i++) {
            PartitionState ps = partitions.get(i);
            if (ps.routedUpTo <= ps.markedUpTo) {
                continue;
            }
            boolean all = true;
            for (Binding b : ps.bindings) {
                for (int shard = 0; shard < b.set.shards && all; shard++) {
                    int a = core.applierOf(shard);
                    Slot slot = rings[a].claim();
                    while (slot == null && force && core.failure() == null) {
                        appliers[a].wake();
                        LockSupport.parkNanos(50_000);
                        slot = rings[a].claim();
                    }
                    if (slot == null) {
                        all = false;
                        break;
                    }
                    slot.kind = Slot.MARKER;
                    slot.binding = b;
                    slot.shard = shard;
                    slot.partition = ps.tp.partition();
                    slot.offset = ps.routedUpTo;
                    rings[a].publish(slot);
                    appliers[a].wakeIfParked();
                }
            }
            if (all) {
                ps.markedUpTo = ps.routedUpTo;
            }
        }
    }

    private boolean anyBlockedRingHalfFree() {
        for (int i = 0, n = paused.size(); i < n; i++) {
            HandOffRing r = rings[paused.get(i).blockedRing];
            if (r.freeSlots() >= Math.max(1, r.capacity() / 2)) {
                return true;
            }
        }
        return false;
    }

    /** Unparks the thread if it waits for ring space (called by appliers after releasing slots). */
    void wakeIfWaiting() {
        if (waitingForSpace) {
            LockSupport.unpark(thread);
        }
    }

    /** @return false when the pipeline failed */
    private boolean resumeDrained() {
        for (int i = paused.size() - 1; i >= 0 && i < paused.size(); i--) {
            PartitionState ps = paused.get(i);
            HandOffRing r = rings[ps.blockedRing];
            if (r.freeSlots() >= Math.max(1, r.capacity() / 2)) {
                if (!routeFrom(ps, ps.pending, ps.pendingIndex, ps.pendingBinding, ps.pendingPollNanos,
                    ps.pendingPollMs)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Waits until the appliers have applied everything this consumer published. */
    private void drainRings() {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT_NS;
        for (HandOffRing r : rings) {
            while (!r.idle() && core.failure() == null) {
                if (System.nanoTime() > deadline) {
                    LOG.warn("consumer={} gave up draining after {} s; offsets stay where the store has them",
                        index, TimeUnit.NANOSECONDS.toSeconds(DRAIN_TIMEOUT_NS));
                    return;
                }
                for (ShardApplier a : appliers) {
                    a.wake();
                }
                LockSupport.parkNanos(100_000);
            }
        }
    }

    private void refreshLag() {
        boolean all = true;
        final boolean silent = fetchSilent(System.nanoTime());
        for (int i = 0, n = assigned.size(); i < n; i++) {
            PartitionState ps = assigned.get(i);
            OptionalLong l = consumer.currentLag(ps.tp);
            if (silent && !ps.paused) {
                // The consumer's lag is its last fetch answer's: during a broker outage it would say 0 for ever.
                ps.lag = -1;
            } else if (l.isPresent() && l.getAsLong() >= 0) {
                ps.lag = l.getAsLong() + ps.pendingCount();
            } else {
                // Unknown locally: no fetch answer yet, or (seen after seeking to the store's offsets) an end offset
                // cached from before the seek, which makes the lag negative. Keep the last published verdict,
                // which awaitCaughtUp may have made fresher than anything this consumer knows.
                Long published = core.lag.get(ps.tp);
                if (published != null) {
                    ps.lag = published;
                }
            }
            if (ps.lag != 0 || ps.paused) {
                all = false;
            }
            core.lag.put(ps.tp, ps.lag);
        }
        caughtUp = all;
        core.statusChanged();
    }

    /**
     * @param nowNs now, {@link System#nanoTime()}
     * @return true when fetching partitions got no fetch response for longer than the silence bound (broker down
     *     or unreachable): their lag is unknown
     */
    private boolean fetchSilent(long nowNs) {
        if (!fetchResponsesLookedUp) {
            fetchResponsesLookedUp = true;
            lastFetchResponseNs = nowNs;
            for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
                MetricName n = e.getKey();
                if ("fetch-total".equals(n.name()) && "consumer-fetch-manager-metrics".equals(n.group())) {
                    fetchResponses = e.getValue();
                }
            }
        }
        if (fetchResponses == null) {
            return false; // a client without the metric: no verdict rather than a wrong one
        }
        Object v = fetchResponses.metricValue();
        double count = v instanceof Number ? ((Number) v).doubleValue() : -1;
        if (count != lastFetchResponses || paused.size() == assigned.size()) {
            // Fully paused consumers do not fetch: their silence says nothing about the broker.
            lastFetchResponses = count;
            lastFetchResponseNs = nowNs;
            return false;
        }
        return nowNs - lastFetchResponseNs > fetchSilenceNs;
    }

    /**
     * Publishes this consumer's positions (records before them routed, markers flushed) for a caught-up check.
     * Local calls only: a ListOffsets request here would queue behind the long-polling fetch on the same
     * connection, so the end offsets are read by the waiting thread through the admin client instead.
     */
    private void answerLagRequest(long request) {
        flushMarkers(assigned, true);
        Map<TopicPartition, Long> positions = new HashMap<>();
        boolean anyPaused = false;
        try {
            for (PartitionState ps : assigned) {
                positions.put(ps.tp, consumer.position(ps.tp, METADATA_TIMEOUT) - ps.pendingCount());
                anyPaused |= ps.paused;
            }
        } catch (KafkaException e) {
            logRetriable(e);
            anyPaused = true;
        }
        answeredPositions = positions;
        answeredCaughtUp = !anyPaused && assignedOnce;
        answeredRequest = request;
    }

    private void commit(boolean sync) {
        if (assigned.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionState ps : assigned) {
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
                consumer.commitSync(offsets, METADATA_TIMEOUT);
            } else {
                consumer.commitAsync(offsets, (o, e) -> {
                    if (e != null) {
                        LOG.debug("lag-tool offset commit failed (harmless, the store holds the offsets): {}",
                            e.toString());
                    }
                });
            }
        } catch (KafkaException e) {
            LOG.debug("lag-tool offset commit failed (harmless, the store holds the offsets): {}", e.toString());
        }
    }

    /** Minimum over the partition's sets of their stored position; -1 when none applied anything. */
    private long storedPosition(PartitionState ps) {
        long pos = Long.MAX_VALUE;
        boolean any = false;
        for (Binding b : ps.bindings) {
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

    private void addPartitions(Collection<TopicPartition> tps) {
        List<TopicPartition> fresh = new ArrayList<>();
        List<TopicPartition> stored = new ArrayList<>();
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition tp : tps) {
            PartitionState ps = new PartitionState(tp, core.bindingsByTopic.get(tp.topic()));
            states.put(tp, ps);
            assigned.add(ps);
            long pos = storedPosition(ps);
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
        if (!fresh.isEmpty()) {
            consumer.seekToBeginning(fresh);
        }
        assignmentSnapshot = List.copyOf(states.keySet());
        LOG.info("consumer={} assigned {} (from store: {}, from log start: {})", index, tps, positions, fresh);
    }

    /** Assigns the partitions the watcher handed over, keeping every current partition's position. */
    private void takeAdditions() {
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
        addPartitions(fresh);
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
        drainRings();
        if (commitSync && core.commitToKafka && core.failure() == null) {
            commit(true);
        }
        for (PartitionState ps : gone) {
            states.remove(ps.tp);
            assigned.remove(ps);
            paused.remove(ps);
            ps.pending = null;
            core.lag.remove(ps.tp);
        }
        assignmentSnapshot = List.copyOf(states.keySet());
        LOG.info("consumer={} drained and checkpointed revoked {}", index, tps);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        removePartitions(partitions, true);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        removePartitions(partitions, false);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        try {
            addPartitions(partitions);
        } catch (PipelineException e) {
            core.fail(e);
        }
        assignedOnce = true;
    }

    private void shutdown() {
        try {
            if (core.failure() == null && consumer != null) {
                flushMarkers(assigned, true);
                drainRings();
                if (core.commitToKafka) {
                    commit(true);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("consumer={} checkpoint at shutdown failed: {}", index, e.toString());
        } finally {
            if (consumer != null) {
                try {
                    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
                } catch (RuntimeException e) {
                    LOG.warn("consumer={} close failed: {}", index, e.toString());
                }
            }
            caughtUp = false;
        }
    }

    private void logRetriable(Exception e) {
        long now = System.currentTimeMillis();
        if (now - lastRetriableLogMs > 10_000) {
            lastRetriableLogMs = now;
            LOG.warn("consumer={} transient Kafka error, retrying: {}", index, e.toString());
        }
    }

    /** Consumer-side state of one assigned partition. */
    static final class PartitionState {
        final TopicPartition tp;
        final Set<TopicPartition> singleton;
        final Binding[] bindings;
        long routedUpTo = -1;
        long markedUpTo = -1;
        boolean paused;
        int blockedRing;
        long lag = -1;
        List<ConsumerRecord<byte[], byte[]>> pending;
        int pendingIndex;
        int pendingBinding;
        long pendingPollNanos;
        long pendingPollMs;

        int pendingCount() {
            return pending == null ? 0 : pending.size() - pendingIndex;
        }

        PartitionState(TopicPartition tp, Binding[] bindings) {
            this.tp = tp;
            this.singleton = Collections.singleton(tp);
            this.bindings = bindings;
        }
    }
}
