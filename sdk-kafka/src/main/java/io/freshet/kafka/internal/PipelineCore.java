package io.freshet.kafka.internal;

import io.freshet.core.EpochClock;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.PipelineException;
import io.freshet.kafka.ScaleMode;
import io.freshet.kafka.Source;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared state of one running pipeline: sets and bindings, the matrix of hand-off rings (one per consumer
 * thread and applier thread), the thread objects, the first failure and the published lag. Built by
 * {@code FeaturePipeline}; the loops read it.
 *
 * <p>Threading: immutable after {@link #wire}, except the volatile/atomic fields, which any thread may read.
 */
public final class PipelineCore {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineCore.class);

    final String instanceId;
    final EpochClock clock;
    final ScaleMode mode;
    final Properties kafka;
    final List<SetRuntime> sets;
    final Binding[] bindings;
    final Map<String, Binding[]> bindingsByTopic;
    final int consumerCount;
    final int applierCount;
    final int queueCapacity;
    final long pollTimeoutMs;
    final boolean commitToKafka;
    HandOffRing[][] rings;
    IngestLoop[] loops;
    ShardApplier[] appliers;
    DeadLetterPublisher deadLetters;
    private final AtomicReference<PipelineException> failure = new AtomicReference<>();
    private volatile boolean running;
    /** Partition → consumer lag (records), as last published by the owning consumer thread. */
    final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
    /** Called by consumer threads after each lag refresh (updates readers' CATCHING_UP flag). */
    volatile Runnable statusListener;
    /** Bumped by awaitCaughtUp: each loop answers with a fresh end-offset comparison. */
    volatile long lagRequest;

    /**
     * @param instanceId this instance's id (client ids, key owners)
     * @param clock the applying clock
     * @param mode scale mode
     * @param kafka consumer properties, finalised
     * @param sets feature sets with their sources
     * @param consumerCount consumer threads
     * @param applierCount applier threads
     * @param queueCapacity slots per ring
     * @param pollTimeoutMs poll timeout
     */
    public PipelineCore(String instanceId, EpochClock clock, ScaleMode mode, Properties kafka, List<SetRuntime> sets,
        Map<SetRuntime, List<Source<?>>> sources, int consumerCount, int applierCount, int queueCapacity,
        long pollTimeoutMs) {
        this.instanceId = instanceId;
        this.clock = clock;
        this.mode = mode;
        this.kafka = kafka;
        this.sets = sets;
        this.consumerCount = consumerCount;
        this.applierCount = applierCount;
        this.queueCapacity = queueCapacity;
        this.pollTimeoutMs = pollTimeoutMs;
        this.commitToKafka = kafka.getProperty("group.id") != null;
        List<Binding> all = new ArrayList<>();
        Map<String, List<Binding>> byTopic = new HashMap<>();
        for (SetRuntime s : sets) {
            for (Source<?> src : sources.get(s)) {
                Binding b = s.addBinding(all.size(), src);
                all.add(b);
                byTopic.computeIfAbsent(b.topic, t -> new ArrayList<>()).add(b);
            }
        }
        this.bindings = all.toArray(new Binding[0]);
        Map<String, Binding[]> m = new HashMap<>();
        byTopic.forEach((t, l) -> m.put(t, l.toArray(new Binding[0])));
        this.bindingsByTopic = m;
    }

    /** @return every source topic, in registration order */
    public Set<String> topics() {
        Set<String> t = new LinkedHashSet<>();
        for (Binding b : bindings) {
            t.add(b.topic);
        }
        return t;
    }

    /** @return dead-letter topics in use */
    public Set<String> deadLetterTopics() {
        Set<String> t = new LinkedHashSet<>();
        for (Binding b : bindings) {
            if (b.policy == BadRecordPolicy.DEAD_LETTER) {
                t.add(b.source.deadLetterTopic());
            }
        }
        return t;
    }

    /** @return the sets */
    public List<SetRuntime> sets() {
        return sets;
    }

    /**
     * Creates rings, loops and appliers once every store is open.
     *
     * @param replicatedAssignment partitions per consumer thread (replicated mode), or null
     */
    public void wire(List<List<TopicPartition>> replicatedAssignment) {
        if (!deadLetterTopics().isEmpty()) {
            deadLetters = new DeadLetterPublisher(kafka, "freshet-" + instanceId + "-dlq", 30_000);
        }
        rings = new HandOffRing[consumerCount][applierCount];
        for (int c = 0; c < consumerCount; c++) {
            for (int a = 0; a < applierCount; a++) {
                rings[c][a] = new HandOffRing(queueCapacity, bindings);
            }
        }
        appliers = new ShardApplier[applierCount];
        for (int a = 0; a < applierCount; a++) {
            appliers[a] = new ShardApplier(this, a);
        }
        loops = new IngestLoop[consumerCount];
        for (int c = 0; c < consumerCount; c++) {
            loops[c] = new IngestLoop(this, c, replicatedAssignment == null ? null : replicatedAssignment.get(c));
        }
    }

    /** Starts the applier threads, then the consumer threads. */
    public void startThreads() {
        running = true;
        for (ShardApplier a : appliers) {
            a.start("freshet-" + instanceId + "-apply-" + a.index);
        }
        for (IngestLoop l : loops) {
            l.start("freshet-" + instanceId + "-ingest-" + l.index);
        }
    }

    /** @return the applier thread that owns a shard (of any set) */
    int applierOf(int shard) {
        return shard % applierCount;
    }

    /** @return true while the pipeline runs and nothing has failed */
    boolean running() {
        return running && failure.get() == null;
    }

    /** @return true while threads should keep going (false once closed or failed) */
    public boolean isRunning() {
        return running();
    }

    /**
     * Records the first failure and stops the loops; later failures are logged only.
     *
     * @param e the failure
     */
    public void fail(PipelineException e) {
        if (failure.compareAndSet(null, e)) {
            if (e instanceof io.freshet.kafka.BadRecordException) {
                // User code's exception (reachable as the failure's cause) may quote the payload: not logged.
                LOG.error("pipeline instance={} stopped: {}", instanceId, e.getMessage());
            } else {
                LOG.error("pipeline instance={} stopped: {}", instanceId, e.getMessage(), e.getCause());
            }
        } else {
            LOG.warn("pipeline instance={} further failure after stop: {}", instanceId, e.getMessage());
        }
        for (ShardApplier a : appliers == null ? new ShardApplier[0] : appliers) {
            a.wake();
        }
    }

    /** @param listener called by consumer threads after each lag refresh; must be cheap and thread-safe */
    public void onStatusChange(Runnable listener) {
        this.statusListener = listener;
    }

    void statusChanged() {
        Runnable l = statusListener;
        if (l != null) {
            l.run();
        }
    }

    /** @return the first failure, or null */
    public PipelineException failure() {
        return failure.get();
    }

    /**
     * Stops the threads: consumers drain their rings, checkpoint and close; then appliers finish.
     *
     * @param timeoutMs bound on the wait per thread
     */
    public void stop(long timeoutMs) throws InterruptedException {
        running = false;
        if (loops != null) {
            for (IngestLoop l : loops) {
                l.wakeup();
            }
            for (IngestLoop l : loops) {
                l.join(timeoutMs);
            }
        }
        if (appliers != null) {
            for (ShardApplier a : appliers) {
                a.requestStop();
            }
            for (ShardApplier a : appliers) {
                a.join(timeoutMs);
            }
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
    }

    /** @return true when every ring is empty and every applied slot released */
    boolean ringsIdle() {
        for (HandOffRing[] row : rings) {
            for (HandOffRing r : row) {
                if (!r.idle()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** @return number of consumer threads */
    public int loopsCount() {
        return consumerCount;
    }

    /** @return number of applier threads */
    public int appliersCount() {
        return applierCount;
    }

    /** @return the applying clock */
    public EpochClock clock() {
        return clock;
    }

    /** @return true when every hand-off slot is free (nothing routed waits to be applied) */
    public boolean ringsAreIdle() {
        return rings != null && ringsIdle();
    }

    /**
     * @param l a consumer loop
     * @return its event → broker recorder (ms)
     */
    public StageRecorder eventToBroker(IngestLoop l) {
        return l.eventToBrokerMs;
    }

    /**
     * @param l a consumer loop
     * @return its broker → poll recorder (ms)
     */
    public StageRecorder brokerToPoll(IngestLoop l) {
        return l.brokerToPollMs;
    }

    /**
     * @param a an applier
     * @return its poll → applied recorder (µs)
     */
    public StageRecorder pollToApplied(ShardApplier a) {
        return a.pollToAppliedUs;
    }

    /** @return the consumer loops */
    public IngestLoop[] loops() {
        return loops;
    }

    /** @return the applier loops */
    public ShardApplier[] appliers() {
        return appliers;
    }

    /** @return the published lag per partition */
    public Map<TopicPartition, Long> lag() {
        return lag;
    }

    /**
     * Asks every consumer thread for a fresh end-offset comparison.
     *
     * @return the request id to wait for with {@link #freshlyCaughtUp(long)}
     */
    public long requestFreshLag() {
        long r = System.nanoTime();
        lagRequest = r;
        return r;
    }

    /**
     * @param request a request id
     * @param endOffsets last stable offsets read after the request was made
     * @return 1 when every consumer answered the request with positions at or past the end offsets, nothing
     *     paused, and every ring idle; 0 when some are behind; -1 when some have not answered yet
     */
    public int freshlyCaughtUp(long request, Map<TopicPartition, Long> endOffsets) {
        boolean all = true;
        for (IngestLoop l : loops) {
            if (l.answeredRequest < request) {
                return -1;
            }
            all &= l.answeredCaughtUp;
            for (Map.Entry<TopicPartition, Long> e : l.answeredPositions.entrySet()) {
                Long end = endOffsets.get(e.getKey());
                long lagRecords = end == null ? -1 : Math.max(0, end - e.getValue());
                lag.put(e.getKey(), lagRecords);
                all &= lagRecords == 0;
            }
        }
        if (all && ringsIdle()) {
            // A fresher verdict than the loops' periodic one; their next refresh confirms or revises it.
            for (IngestLoop l : loops) {
                l.caughtUp = true;
            }
            return 1;
        }
        return 0;
    }

    /**
     * Hands partitions that appeared after start to the consumer threads, each to the one with the fewest.
     *
     * @param fresh new partitions of source topics
     */
    void distribute(List<TopicPartition> fresh) {
        int[] size = new int[loops.length];
        List<List<TopicPartition>> give = new ArrayList<>();
        for (int i = 0; i < loops.length; i++) {
            size[i] = loops[i].assignmentSizeWithPending();
            give.add(new ArrayList<>());
        }
        for (TopicPartition tp : fresh) {
            int best = 0;
            for (int i = 1; i < size.length; i++) {
                if (size[i] < size[best]) {
                    best = i;
                }
            }
            give.get(best).add(tp);
            size[best]++;
        }
        for (int i = 0; i < loops.length; i++) {
            if (!give.get(i).isEmpty()) {
                loops[i].addAssignment(give.get(i));
            }
        }
    }

    /** @return every partition assigned to a consumer of this pipeline now */
    public List<TopicPartition> assignment() {
        List<TopicPartition> out = new ArrayList<>();
        for (IngestLoop l : loops) {
            out.addAll(l.assignment());
        }
        return out;
    }

    /** @return the instance id */
    public String instanceId() {
        return instanceId;
    }

    /** @return the mode */
    public ScaleMode mode() {
        return mode;
    }

    /**
     * @param set a set index
     * @param counter counter id
     * @return the sum over threads
     */
    public long count(int set, int counter) {
        long n = 0;
        for (IngestLoop l : loops) {
            n += l.counters.get(set, counter);
        }
        for (ShardApplier a : appliers) {
            n += a.counters.get(set, counter);
        }
        return n;
    }

    /** Counter ids for {@link #count}. */
    public static final class CounterIds {
        /** Applied records. */
        public static final int APPLIED = Counters.APPLIED;
        /** Late records. */
        public static final int LATE = Counters.LATE;
        /** Duplicates. */
        public static final int DUPLICATES = Counters.DUPLICATES;
        /** Skipped bad records. */
        public static final int SKIPPED = Counters.SKIPPED;
        /** Dead-lettered records. */
        public static final int DEAD_LETTERED = Counters.DEAD_LETTERED;
        /** First bad-record counter; add the reason's ordinal. */
        public static final int BAD_BASE = Counters.BAD_BASE;

        private CounterIds() {
        }
    }
}
