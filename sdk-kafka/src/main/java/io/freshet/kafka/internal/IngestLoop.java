package io.freshet.kafka.internal;

import io.freshet.core.EpochClock;
import io.freshet.kafka.PipelineException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The duty cycle of one consumer thread: poll its own {@link KafkaConsumer} (byte arrays, {@code read_committed},
 * no auto-commit), route the records ({@link Router}: extraction, hand-off, back-pressure), then the periodic
 * work — progress markers ({@link PartitionTable}), lag ({@link LagProbe}) and offset commits for lag tools
 * ({@link OffsetCommitter}).
 *
 * <p>Offsets: the store is the truth. On assignment each partition is sought to where its store stands
 * ({@link PartitionTable}); shards skip what they already applied. Positions are also committed to Kafka
 * asynchronously (every second, from the store's offsets) for lag tools only.
 *
 * <p>Idling: {@code poll()} is the wait; only when every partition is paused for back-pressure does the thread park
 * ({@link IdleStrategy#parkOnly()}, at most 1 ms) until an applier frees slots, then poll(0) to stay a live group
 * member.
 *
 * <p>Threading: one thread; the consumer is confined to it (built by the owner before the thread starts). Accessors
 * are read from any thread. Allocation: none per record beyond kafka-clients' own (per poll: the partition set view;
 * per second: lag and commit maps).
 */
public final class IngestLoop implements Agent {
    private static final Logger LOG = LoggerFactory.getLogger(IngestLoop.class);
    private static final long MARKER_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long LAG_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long COMMIT_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final Duration PAUSED_POLL = Duration.ofMillis(1);
    private static final long RETRY_PARK_NS = TimeUnit.MILLISECONDS.toNanos(100);

    /** What one consumer thread is given at construction. */
    static final class Wiring {
        int index;
        Properties kafka;
        String clientId;
        List<TopicPartition> manualAssignment;
        List<String> topics;
        Map<String, Binding[]> bindingsByTopic;
        Binding[] bindings;
        List<SetRuntime> sets;
        int preparedCapacity;
        HandOffRing[] rings;
        IdleStrategy[] applierIdlers;
        ShardApplier[] appliers;
        FailureLatch failures;
        LagBoard lagBoard;
        EpochClock clock;
        long pollTimeoutMs;
        boolean commitToKafka;
        DeadLetterPublisher deadLetters;
        IdleStrategy idle;
        /** A migration's backfill: where never-applied partitions start (null: the log start). */
        Map<TopicPartition, Long> startOffsets;
        /** A migration's backfill budget, or null (live consumers are never throttled). */
        BackfillThrottle throttle;
        /** Where the loop acknowledges stops of a set's feeding (its slot: {@link #index}). */
        FeedStops feedStops;
    }

    final int index;
    final Counters counters;
    private final IdleStrategy idle;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> manualAssignment;
    private final List<String> topics;
    private final FailureLatch failures;
    private final LagBoard lagBoard;
    private final Duration pollTimeout;
    private final boolean commitToKafka;
    private final PartitionTable table;
    private final Router router;
    private final LagProbe lagProbe;
    private final OffsetCommitter committer;
    private final BackfillThrottle throttle;
    private final FeedStops feedStops;
    private final BooleanSupplier stillRunning = this::isRunning;
    private volatile boolean running = true;
    private long lastMarkerNs;
    private long lastLagNs;
    private long lastCommitNs;
    private long lastRetriableLogMs;
    private long handledRequest;

    IngestLoop(Wiring w) {
        this.index = w.index;
        this.idle = w.idle;
        this.counters = new Counters(w.sets.size());
        this.manualAssignment = w.manualAssignment;
        this.topics = w.topics;
        this.failures = w.failures;
        this.lagBoard = w.lagBoard;
        this.pollTimeout = Duration.ofMillis(w.pollTimeoutMs);
        this.commitToKafka = w.commitToKafka;
        Properties p = new Properties();
        p.putAll(w.kafka);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, w.clientId);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        ConsumerLanes lanes = new ConsumerLanes(index, w.rings, w.applierIdlers, failures, w.appliers);
        this.committer = new OffsetCommitter(consumer);
        this.table = new PartitionTable(index, consumer, w.bindingsByTopic, lanes, committer, commitToKafka,
            failures, lagBoard);
        this.router = new Router(table, lanes, new EventExtractor(w.bindings, w.sets, w.preparedCapacity),
            BadRecordHandler.blocking(counters, failures, w.deadLetters), counters, w.clock, lagBoard);
        this.lagProbe = new LagProbe(consumer, table, lagBoard, fetchMaxWaitMs(w.kafka));
        this.table.startOffsets(w.startOffsets);
        this.throttle = w.throttle;
        this.feedStops = w.feedStops;
    }

    private static long fetchMaxWaitMs(Properties kafka) {
        Object w = kafka.get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG);
        if (w != null) {
            try {
                return Long.parseLong(w.toString().trim());
            } catch (NumberFormatException e) {
                // KafkaConsumer's constructor rejects it with a clear message.
            }
        }
        return 500;
    }

    /** @return this thread's idle strategy (appliers wake it after releasing slots) */
    IdleStrategy idleStrategy() {
        return idle;
    }

    @Override
    public void requestStop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void onStart() {
        try {
            if (manualAssignment != null) {
                table.assignManually(manualAssignment);
            } else {
                consumer.subscribe(topics, table);
            }
        } catch (WakeupException e) {
            running = false; // stopped while starting: onClose checkpoints nothing more than it has
        }
    }

    @Override
    public int doWork() {
        if (!running || failures.failed()) {
            return DONE;
        }
        if (feedStops != null) {
            // From here on this cycle's plain reads of Binding.detached see every stop requested so far.
            feedStops.acknowledge(index);
        }
        try {
            table.takeAdditions();
            if (manualAssignment != null && table.assigned.isEmpty()) {
                // More consumer threads than partitions: this one has none (until partitions are added) and a
                // consumer assigned nothing refuses to poll. It answers lag requests (caught up: nothing behind).
                periodic(true);
                return 0;
            }
            if (!table.paused.isEmpty() && !router.resumeDrained()) {
                return DONE;
            }
            final boolean allPaused = table.allPaused();
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(allPaused ? Duration.ZERO : table.paused.isEmpty() ? pollTimeout
                    : PAUSED_POLL);
            } catch (RetriableException e) {
                logRetriable(e);
                LockSupport.parkNanos(RETRY_PARK_NS);
                return 1;
            }
            if (!records.isEmpty() && !router.route(records)) {
                return DONE;
            }
            if (throttle != null && !records.isEmpty()) {
                throttle.charge(records, stillRunning);
            }
            periodic(records.isEmpty());
            return table.allPaused() ? 0 : 1;
        } catch (WakeupException e) {
            // close() woke us: the next cycle (or the runner) ends.
            return running ? 1 : DONE;
        } catch (AuthenticationException e) {
            // Two handlers, not a multi-catch: a multi-catch's handler is typed by the common superclass as compiled
            // (kafka-clients 4.x: InvalidConfigurationException), which 3.9.x lacks, and the JVM then refuses the
            // class (VerifyError) in an application that pins 3.9.
            throw denied(e);
        } catch (AuthorizationException e) {
            throw denied(e);
        }
    }

    /**
     * Not retriable: the broker says no until an operator changes credentials or ACLs; stop (status DOWN) rather
     * than spin. The store keeps its offsets, so a restart after the fix loses nothing.
     */
    private static PipelineException denied(RuntimeException e) {
        return new PipelineException("consumer thread=" + Thread.currentThread().getName() + ": "
            + AccessErrors.explain(e, "READ") + "; the store keeps its offsets: restart the pipeline once granted", e);
    }

    private void periodic(boolean pollWasEmpty) {
        long nowNs = System.nanoTime();
        if (pollWasEmpty || nowNs - lastMarkerNs > MARKER_INTERVAL_NS) {
            lastMarkerNs = nowNs;
            table.flushMarkers(table.assigned, false);
        }
        long request = lagBoard.request;
        if (request != handledRequest) {
            handledRequest = request;
            KafkaException e = lagProbe.answer(request);
            if (e != null) {
                logRetriable(e);
            }
        } else if (nowNs - lastLagNs > LAG_INTERVAL_NS) {
            lastLagNs = nowNs;
            lagProbe.refresh();
        }
        if (commitToKafka && nowNs - lastCommitNs > COMMIT_INTERVAL_NS) {
            lastCommitNs = nowNs;
            committer.commit(table.assigned, false);
        }
    }

    private boolean isRunning() {
        return running && !failures.failed();
    }

    @Override
    public boolean hasPendingWork() {
        return !running || failures.failed() || router.anyBlockedRingHalfFree()
            || feedStops != null && feedStops.pending(index);
    }

    @Override
    public void onClose() {
        try {
            if (!failures.failed()) {
                table.checkpoint();
            }
        } catch (RuntimeException e) {
            LOG.warn("consumer={} checkpoint at shutdown failed: {}", index, e.toString());
        } finally {
            try {
                ConsumerClose.close(consumer, Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("consumer={} close failed: {}", index, e.toString());
            }
            lagProbe.caughtUp = false;
        }
    }

    /** Closes the consumer of a loop whose thread never started. */
    void closeUnstarted() {
        try {
            ConsumerClose.close(consumer, Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.warn("consumer={} close failed: {}", index, e.toString());
        }
    }

    private void logRetriable(Exception e) {
        long now = System.currentTimeMillis();
        if (now - lastRetriableLogMs > 10_000) {
            lastRetriableLogMs = now;
            LOG.warn("consumer={} transient Kafka error, retrying: {}", index, e.toString());
        }
    }

    /** @return partitions assigned now (a snapshot) */
    public List<TopicPartition> assignment() {
        return table.assignment();
    }

    /** @return whether the last refresh found this consumer caught up */
    public boolean caughtUp() {
        return table.assignedOnce && lagProbe.caughtUp;
    }

    /** @return back-pressure pauses so far */
    public long pauses() {
        return table.pauses;
    }

    /** @return this thread's event → broker recorder (ms) */
    public StageRecorder eventToBrokerMs() {
        return router.eventToBrokerMs;
    }

    /** @return this thread's broker → poll recorder (ms) */
    public StageRecorder brokerToPollMs() {
        return router.brokerToPollMs;
    }

    /** @return the last answer to a caught-up request: its id */
    long answeredRequest() {
        return lagProbe.answeredRequest;
    }

    /** @return the last answer to a caught-up request: positions */
    Map<TopicPartition, Long> answeredPositions() {
        return lagProbe.answeredPositions;
    }

    /** @return the last answer to a caught-up request: nothing paused and assigned */
    boolean answeredCaughtUp() {
        return lagProbe.answeredCaughtUp;
    }

    /** Marks the consumer caught up on a fresher verdict than its own periodic one (awaitCaughtUp). */
    void confirmCaughtUp() {
        lagProbe.caughtUp = true;
    }

    /** @param tps partitions added to a source topic after start */
    void addAssignment(List<TopicPartition> tps) {
        table.add(tps);
    }

    /** @return partitions assigned now plus those handed over and not yet taken */
    int assignmentSizeWithPending() {
        return table.sizeWithPending();
    }
}
