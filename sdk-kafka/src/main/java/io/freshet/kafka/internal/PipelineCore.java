package io.freshet.kafka.internal;

import io.freshet.core.spi.RowStore;

import io.freshet.core.EpochClock;
import io.freshet.core.internal.kernel.Kernels;
import io.freshet.kafka.BadRecordPolicy;
import io.freshet.kafka.PipelineException;
import io.freshet.kafka.ScaleMode;
import io.freshet.kafka.Source;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * The wiring and lifecycle of one running pipeline: sets and bindings, the matrix of hand-off rings (one per
 * consumer thread and applier thread), the agents and their runners, the first failure and the published lag.
 * Built by {@code FeaturePipeline}. Nothing below reads it: each agent gets what it needs at construction.
 *
 * <p>Threading: immutable after {@link #wire}; {@link #stop} by the owner; the rest from any thread.
 */
public final class PipelineCore {
    private final String instanceId;
    private final EpochClock clock;
    private final ScaleMode mode;
    private final Properties kafka;
    private final List<SetRuntime> sets;
    private final Binding[] bindings;
    /** Source topic → its bindings (read by the partition watcher). */
    final Map<String, Binding[]> bindingsByTopic;
    private final int consumerCount;
    private final int applierCount;
    private final int queueCapacity;
    private final long pollTimeoutMs;
    private final boolean commitToKafka;
    private final FailureLatch failures;
    private final LagBoard lagBoard = new LagBoard();
    private HandOffRing[][] rings;
    private IngestLoop[] loops;
    private ShardApplier[] appliers;
    private AgentRunner[] loopRunners;
    private AgentRunner[] applierRunners;
    private DeadLetterAgent deadLetters;
    private AgentRunner deadLetterRunner;
    private DeadLetterPublisher deadLetterPublisher;
    private volatile boolean running;
    private Map<TopicPartition, Long> startOffsets;
    private BackfillThrottle throttle;
    /** Stops of a set's feeding while running: slots 0..consumers-1 are the consumers, then the appliers. */
    private FeedStops feedStops;
    private IdleStrategy[] allIdlers;

    /**
     * @param instanceId this instance's id (client ids, key owners)
     * @param clock the applying clock
     * @param mode scale mode
     * @param kafka consumer properties, finalised
     * @param sets feature sets
     * @param sources each set's sources
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
        this.failures = new FailureLatch(instanceId);
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

    /**
     * Makes this pipeline a migration's backfill: partitions its store never applied start at the given offsets,
     * and its consumers keep to the throttle's budget. Before {@link #wire}.
     *
     * @param offsets start offsets (absent partitions: the log start)
     * @param budget the throttle, or null
     */
    public void backfill(Map<TopicPartition, Long> offsets, BackfillThrottle budget) {
        this.startOffsets = offsets == null ? null : Map.copyOf(offsets);
        this.throttle = budget;
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
     * Creates rings, agents and their runners once every store is open (the consumers' clients included).
     *
     * @param replicatedAssignment partitions per consumer thread (replicated mode), or null
     */
    public void wire(List<List<TopicPartition>> replicatedAssignment) {
        int preparedCapacity = 1;
        boolean textKeys = false;
        for (SetRuntime s : sets) {
            preparedCapacity = Math.max(preparedCapacity, Kernels.preparedCapacity(s.set));
            textKeys |= !s.longKey;
        }
        if (!deadLetterTopics().isEmpty()) {
            // One thread-safe producer: consumers wait for it themselves, appliers through the agent (they must not).
            deadLetterPublisher = new DeadLetterPublisher(kafka, "freshet-" + instanceId + "-dlq", 30_000);
            deadLetters = new DeadLetterAgent(deadLetterPublisher, applierCount, failures);
            deadLetterRunner = new AgentRunner(deadLetters, deadLetters.idleStrategy(), failures, "dead-letter",
                "the stores are consistent, restart the pipeline");
        }
        rings = new HandOffRing[consumerCount][applierCount];
        for (int c = 0; c < consumerCount; c++) {
            for (int a = 0; a < applierCount; a++) {
                rings[c][a] = new HandOffRing(queueCapacity, preparedCapacity, textKeys);
            }
        }
        // Idle strategies first: each side wakes the other's, so both exist before either agent.
        IdleStrategy[] consumerIdlers = new IdleStrategy[consumerCount];
        for (int c = 0; c < consumerCount; c++) {
            consumerIdlers[c] = IdleStrategy.parkOnly();
        }
        IdleStrategy[] applierIdlers = new IdleStrategy[applierCount];
        feedStops = new FeedStops(consumerCount + applierCount);
        appliers = new ShardApplier[applierCount];
        applierRunners = new AgentRunner[applierCount];
        for (int a = 0; a < applierCount; a++) {
            HandOffRing[] column = new HandOffRing[consumerCount];
            for (int c = 0; c < consumerCount; c++) {
                column[c] = rings[c][a];
            }
            appliers[a] = new ShardApplier(a, applierCount, sets, column, consumerIdlers, failures, clock,
                deadLetters);
            appliers[a].feedStops(feedStops, consumerCount + a);
            applierIdlers[a] = appliers[a].idleStrategy();
            applierRunners[a] = new AgentRunner(appliers[a], applierIdlers[a], failures, "applier",
                "the store is consistent up to its last commit, restart the pipeline");
        }
        IdleStrategy[] toWake = applierIdlers;
        if (deadLetters != null) {
            toWake = Arrays.copyOf(applierIdlers, applierCount + 1);
            toWake[applierCount] = deadLetters.idleStrategy();
        }
        failures.wakeOnFailure(toWake);
        allIdlers = Arrays.copyOf(consumerIdlers, consumerCount + applierCount);
        System.arraycopy(applierIdlers, 0, allIdlers, consumerCount, applierCount);
        List<String> topicList = new ArrayList<>(topics());
        loops = new IngestLoop[consumerCount];
        loopRunners = new AgentRunner[consumerCount];
        for (int c = 0; c < consumerCount; c++) {
            IngestLoop.Wiring w = new IngestLoop.Wiring();
            w.index = c;
            w.kafka = kafka;
            w.clientId = instanceId + "#c" + c;
            w.manualAssignment = replicatedAssignment == null ? null : replicatedAssignment.get(c);
            w.topics = topicList;
            w.bindingsByTopic = bindingsByTopic;
            w.bindings = bindings;
            w.sets = sets;
            w.preparedCapacity = preparedCapacity;
            w.rings = rings[c];
            w.applierIdlers = applierIdlers;
            w.appliers = appliers;
            w.failures = failures;
            w.lagBoard = lagBoard;
            w.clock = clock;
            w.pollTimeoutMs = pollTimeoutMs;
            w.commitToKafka = commitToKafka;
            w.deadLetters = deadLetterPublisher;
            w.idle = consumerIdlers[c];
            w.startOffsets = startOffsets;
            w.throttle = throttle;
            w.feedStops = feedStops;
            loops[c] = new IngestLoop(w);
            loopRunners[c] = new AgentRunner(loops[c], consumerIdlers[c], failures, "consumer",
                "the stores are consistent, restart the pipeline");
        }
    }

    /** Starts the dead-letter thread and the applier threads, then the consumer threads. */
    public void startThreads() {
        running = true;
        if (deadLetterRunner != null) {
            deadLetterRunner.start("freshet-" + instanceId + "-dead-letters");
        }
        for (int a = 0; a < applierRunners.length; a++) {
            applierRunners[a].start("freshet-" + instanceId + "-apply-" + a);
        }
        for (int c = 0; c < loopRunners.length; c++) {
            loopRunners[c].start("freshet-" + instanceId + "-ingest-" + c);
        }
    }

    /** @return true while threads should keep going (false once closed or failed) */
    public boolean isRunning() {
        return running && failures.failure() == null;
    }

    /**
     * Records the first failure and stops the loops; later failures are logged only.
     *
     * @param e the failure
     */
    public void fail(PipelineException e) {
        failures.fail(e);
    }

    /**
     * Hands an application delete to the applier that owns the key's shard (its single writer).
     *
     * @param set the set
     * @param longKey the key (LONG-keyed set)
     * @param textKey the key (TEXT-keyed set), else null
     * @return the request, whose future completes once the delete is applied
     */
    public DeleteRequest requestDelete(SetRuntime set, long longKey, String textKey) {
        ShardApplier[] a = appliers;
        if (a == null || !isRunning()) {
            PipelineException why = failures.failure();
            throw new IllegalStateException("pipeline instance=" + instanceId + " is not running"
                + (why == null ? "" : " (failed: " + why.getMessage() + ")") + ": deletes go through its appliers; "
                + "start it first");
        }
        RowStore store = set.store();
        int shard = textKey == null ? store.shardOf(longKey) : store.shardOf(textKey);
        DeleteRequest r = new DeleteRequest(set, shard, longKey, textKey);
        a[shard % applierCount].requestDelete(r);
        return r;
    }

    /**
     * Stops feeding a set while the pipeline runs (a migration's retire): its records are skipped from now on, its
     * store no longer written or read by the pipeline's threads, and {@code serving} (the store its readers read now)
     * becomes the set's store for status and metrics. Waits until every consumer and applier thread has
     * acknowledged; the caller may close the old store after that (once its readers are gone too).
     *
     * @param set a set of this pipeline
     * @param serving the store that serves the set's reads from now on
     * @param timeoutMs how long to wait for the threads
     * @return true when every thread acknowledged (or they all stopped); false on timeout: then the old store must
     *     stay open until the pipeline closes
     */
    public boolean stopFeeding(SetRuntime set, RowStore serving, long timeoutMs) {
        for (Binding b : set.bindings) {
            b.detached = true;
        }
        set.detached = true;
        boolean quiet = feedStops == null || feedStops.awaitAcknowledged(feedStops.request(),
            TimeUnit.MILLISECONDS.toNanos(timeoutMs), () -> !anyThreadAlive(), this::wakeAll);
        set.store = serving;
        return quiet;
    }

    private void wakeAll() {
        for (IdleStrategy i : allIdlers) {
            i.wake();
        }
    }

    /** @return the first failure, or null */
    public PipelineException failure() {
        return failures.failure();
    }

    /**
     * Records why {@code start()} failed, so that status and {@code failure()} say it (DOWN with the reason) rather
     * than "not started".
     *
     * @param e the failure start() throws
     */
    public void failedToStart(PipelineException e) {
        failures.fail(e);
    }

    /** @return the lag the consumers publish */
    public LagBoard lagBoard() {
        return lagBoard;
    }

    /**
     * Stops the threads: consumers drain their rings, checkpoint and close; then appliers finish; then the
     * dead-letter thread.
     *
     * @param timeoutMs bound on the wait per thread
     */
    public void stop(long timeoutMs) throws InterruptedException {
        boolean started = running;
        running = false;
        if (loops != null) {
            for (int c = 0; c < loops.length; c++) {
                if (loopRunners[c] == null) {
                    continue;
                }
                if (started) {
                    loopRunners[c].requestStop();
                } else {
                    loops[c].closeUnstarted();
                }
            }
            join(loopRunners, timeoutMs);
        }
        if (applierRunners != null) {
            for (AgentRunner r : applierRunners) {
                if (r != null) {
                    r.requestStop();
                }
            }
            join(applierRunners, timeoutMs);
        }
        if (deadLetterRunner != null) {
            deadLetterRunner.requestStop();
            if (started) {
                deadLetterRunner.join(timeoutMs);
            } else {
                deadLetters.onClose();
            }
        }
        if (deadLetterPublisher != null) {
            deadLetterPublisher.close();
        }
    }

    private static void join(AgentRunner[] runners, long timeoutMs) throws InterruptedException {
        for (AgentRunner r : runners) {
            if (r != null) {
                r.join(timeoutMs);
            }
        }
    }

    /** @return true when every hand-off slot is free (nothing routed waits to be applied) */
    public boolean ringsIdle() {
        if (rings == null) {
            return false;
        }
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
    public int consumerCount() {
        return consumerCount;
    }

    /** @return number of applier threads */
    public int applierCount() {
        return applierCount;
    }

    /** @return the applying clock */
    public EpochClock clock() {
        return clock;
    }

    /** @return the consumer loops (null before wiring) */
    public IngestLoop[] loops() {
        return loops;
    }

    /** @return the applier loops (null before wiring) */
    public ShardApplier[] appliers() {
        return appliers;
    }

    /** @return true while every consumer thread runs */
    public boolean consumersAlive() {
        return allAlive(loopRunners);
    }

    /** @return true while every applier thread runs */
    public boolean appliersAlive() {
        return allAlive(applierRunners);
    }

    /** @return true while any pipeline thread still runs */
    public boolean anyThreadAlive() {
        return anyAlive(loopRunners) || anyAlive(applierRunners)
            || deadLetterRunner != null && deadLetterRunner.isAlive();
    }

    private static boolean allAlive(AgentRunner[] runners) {
        if (runners == null) {
            return false;
        }
        for (AgentRunner r : runners) {
            if (r == null || !r.isAlive()) {
                return false;
            }
        }
        return true;
    }

    private static boolean anyAlive(AgentRunner[] runners) {
        if (runners != null) {
            for (AgentRunner r : runners) {
                if (r != null && r.isAlive()) {
                    return true;
                }
            }
        }
        return false;
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
     * @param counter counter id ({@link CounterIds})
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
        /** Records that found their shard full and waited for room. */
        public static final int FULL_WAITS = Counters.FULL_WAITS;
        /** Rows deleted (tombstones and application deletes). */
        public static final int DELETED = Counters.DELETED;
        /** First bad-record counter; add the reason's ordinal. */
        public static final int BAD_BASE = Counters.BAD_BASE;

        private CounterIds() {
        }
    }
}
