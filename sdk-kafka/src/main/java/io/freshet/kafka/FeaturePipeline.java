package io.freshet.kafka;

import io.freshet.core.EpochClock;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.KeyType;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreConfig;
import io.freshet.core.spi.StoreEngine;
import io.freshet.kafka.internal.Binding;
import io.freshet.kafka.internal.IngestLoop;
import io.freshet.kafka.internal.PartitionWatcher;
import io.freshet.kafka.internal.PipelineCore;
import io.freshet.kafka.internal.PipelineCore.CounterIds;
import io.freshet.kafka.internal.Preflight;
import io.freshet.kafka.internal.SetRuntime;
import io.freshet.kafka.internal.ShardApplier;
import io.freshet.kafka.internal.StageRecorder;
import io.freshet.kafka.internal.StatusTracker;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime that turns Kafka topics into fresh rows in the store: consumer threads decode and route records by
 * entity key to single-writer shard appliers over bounded lock-free queues of pre-allocated slots; the appliers
 * run the feature kernels on the store's rows with an exactly-once effect per record.
 *
 * <pre>{@code
 * FeaturePipeline pipeline = FeaturePipeline.builder()
 *     .kafka(props)                                        // plain Kafka client properties, passed through
 *     .register(userRisk, engine, storeConfig, Source.of("payments", decoder).deadLetterTo("payments.dlq"))
 *     .start();
 * pipeline.awaitCaughtUp(Duration.ofMinutes(1));
 * FeatureReader reader = pipeline.reader(userRisk);
 * }</pre>
 *
 * <p>Semantics: the store's offsets are the truth — each partition is read from the minimum over the store's
 * shards of (applied offset + 1), shards skip what they already applied, so a crash at any point neither loses
 * nor double-counts a record (given an engine that keeps its undo protocol). Consumers use
 * {@code isolation.level=read_committed} (aborted transactions are never applied) and never auto-commit; positions
 * are committed to Kafka only for lag tools, when a {@code group.id} is set. At start the store's Kafka cluster id,
 * topic ids and positions are checked against the cluster ({@link OffsetMismatchPolicy}).
 *
 * <p>Threading: {@link #reader}, {@link #status}, {@link #metrics}, {@link #keyOwner} are thread-safe;
 * {@code start}/{@code close} are called by one owner thread. Allocation: none per record beyond kafka-clients'
 * own (and the user's decoder); snapshots and status allocate.
 */
public final class FeaturePipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeaturePipeline.class);
    private static final long STOP_TIMEOUT_MS = 60_000;
    private static final long OWNER_CACHE_NS = TimeUnit.SECONDS.toNanos(1);

    private final PipelineCore core;
    private final OffsetMismatchPolicy mismatchPolicy;
    private final Properties kafka;
    private final Map<FeatureSet<?>, SetRuntime> bySet = new LinkedHashMap<>();
    /** Partitions per source topic; grows when the partition watcher sees a topic grow (replicated mode). */
    private final Map<String, Integer> partitionsByTopic = new ConcurrentHashMap<>();
    private final Map<SetRuntime, StatusTracker> trackers = new HashMap<>();
    private final long partitionCheckIntervalMs;
    private ScheduledExecutorService watcher;
    private Admin admin;
    private volatile boolean started;
    private volatile boolean closed;
    /** Per stage (event → broker, broker → poll, poll → applied): totals since start. Guarded by metrics(). */
    private final Histogram[] totals = {new Histogram(3), new Histogram(3), new Histogram(3)};
    /** Per stage: what the recorders gathered since the previous metrics() call. Guarded by metrics(). */
    private final Histogram[] interval = {new Histogram(3), new Histogram(3), new Histogram(3)};
    private long intervalStartMs;
    private Map<TopicPartition, String> owners = Map.of();
    private long ownersAtNs;

    private FeaturePipeline(Builder b, String instanceId) {
        this.kafka = b.consumerProperties();
        this.mismatchPolicy = b.mismatchPolicy;
        this.partitionCheckIntervalMs = b.partitionCheckIntervalMs;
        List<SetRuntime> sets = new ArrayList<>();
        Map<SetRuntime, List<Source<?>>> sources = new HashMap<>();
        for (Registration r : b.registrations) {
            SetRuntime s = new SetRuntime(sets.size(), r.set, r.store, r.engine, r.config);
            sets.add(s);
            sources.put(s, r.sources);
            bySet.put(r.set, s);
            trackers.put(s, new StatusTracker(b.runningLagToleranceRecords,
                TimeUnit.MILLISECONDS.toNanos(b.runningLagGraceMs)));
        }
        this.core = new PipelineCore(instanceId, b.clock, b.mode, kafka, sets, sources, b.consumerThreads,
            b.applierThreads, b.queueCapacity > 0 ? b.queueCapacity : Builder.defaultQueueCapacity(kafka),
            b.pollTimeoutMs);
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the stores, checks them against the cluster, and starts the applier and consumer threads.
     *
     * @return this
     * @throws OffsetMismatchException when a store's offsets do not belong to this cluster/topic (policy FAIL)
     * @throws PipelineException when topics are missing or the cluster cannot be reached
     */
    public synchronized FeaturePipeline start() {
        if (started) {
            throw new IllegalStateException("pipeline instance=" + core.instanceId() + " was already started");
        }
        started = true;
        try {
            for (SetRuntime s : core.sets()) {
                RowStore store = s.ownsStore() ? s.storeEngineOpen() : s.store();
                checkStore(s.featureSet(), store);
                s.bindStore(store);
            }
            admin = Admin.create(adminProperties());
            Preflight pf = new Preflight(admin, core.topics(), core.deadLetterTopics());
            for (SetRuntime s : core.sets()) {
                OffsetMismatchException m = pf.check(s);
                if (m != null) {
                    if (mismatchPolicy == OffsetMismatchPolicy.FAIL) {
                        throw m;
                    }
                    LOG.warn("rebuilding store of set={} from the log start: {}", s.featureSet().name(),
                        m.getMessage());
                    rebuild(s);
                    OffsetMismatchException again = pf.check(s);
                    if (again != null) {
                        throw again;
                    }
                }
                pf.record(s);
            }
            for (String t : core.topics()) {
                partitionsByTopic.put(t, pf.partitions(t));
            }
            List<List<TopicPartition>> assignment = null;
            if (core.mode() == ScaleMode.REPLICATED) {
                assignment = new ArrayList<>();
                int n = core.consumerCount();
                for (int i = 0; i < n; i++) {
                    assignment.add(new ArrayList<>());
                }
                int k = 0;
                for (String t : core.topics()) {
                    for (int p = 0; p < pf.partitions(t); p++) {
                        assignment.get(k++ % n).add(new TopicPartition(t, p));
                    }
                }
            }
            core.wire(assignment);
            for (SetRuntime s : core.sets()) {
                s.setReader(new FeatureReader(s.featureSet(), s.store(), core.clock()));
                s.reader().setCatchingUp(true);
            }
            core.lagBoard().onRefresh(this::refreshReaders);
            intervalStartMs = System.currentTimeMillis();
            core.startThreads();
            if (core.mode() == ScaleMode.REPLICATED) {
                watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "freshet-" + core.instanceId() + "-partitions");
                    t.setDaemon(true);
                    return t;
                });
                watcher.scheduleWithFixedDelay(new PartitionWatcher(core, admin, partitionsByTopic),
                    partitionCheckIntervalMs, partitionCheckIntervalMs, TimeUnit.MILLISECONDS);
            }
            LOG.info("pipeline instance={} started mode={} sets={} topics={} consumers={} appliers={}",
                core.instanceId(), core.mode(), bySet.keySet().stream().map(FeatureSet::name).toList(),
                core.topics(), core.consumerCount(), core.applierCount());
            return this;
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    private static void checkStore(FeatureSet<?> set, RowStore store) {
        if (store.layout().fingerprint() != set.fingerprint()) {
            throw new PipelineException("set=" + set.name() + ": store was created for fingerprint="
                + Long.toHexString(store.layout().fingerprint()) + " but the set has fingerprint="
                + Long.toHexString(set.fingerprint()) + "; open the store with set.rowLayout()", null);
        }
    }

    private void rebuild(SetRuntime s) {
        s.store().close();
        Path dir = s.storeConfig().directory();
        if (dir != null && Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                        if (!d.equals(dir)) {
                            Files.delete(d);
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw new PipelineException("set=" + s.featureSet().name() + ": cannot delete store directory=" + dir
                    + " for a rebuild: " + e, e);
            }
        }
        RowStore fresh = s.storeEngineOpen();
        checkStore(s.featureSet(), fresh);
        s.bindStore(fresh);
    }

    private Properties adminProperties() {
        Properties p = new Properties();
        p.putAll(kafka);
        for (String k : new String[] {"group.id", "isolation.level", "enable.auto.commit", "auto.offset.reset",
            "max.poll.records", "max.poll.interval.ms", "key.deserializer", "value.deserializer", "client.id",
            "group.instance.id", "partition.assignment.strategy", "fetch.min.bytes", "fetch.max.wait.ms",
            "fetch.max.bytes", "max.partition.fetch.bytes", "session.timeout.ms", "heartbeat.interval.ms"}) {
            p.remove(k);
        }
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, "freshet-" + core.instanceId() + "-admin");
        return p;
    }

    /**
     * Waits until every assigned partition of every set has been applied up to its end (fresh end offsets, lag 0)
     * and every queue is drained.
     *
     * @param timeout how long to wait
     * @return true when caught up, false on timeout
     * @throws PipelineException when the pipeline is down (the failure)
     * @throws InterruptedException when interrupted
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        checkStarted();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            throwIfDown();
            long request = core.requestFreshLag();
            Map<TopicPartition, Long> end = lastStableOffsets(core.assignment());
            int answer = -1;
            while (end != null && (answer = core.freshlyCaughtUp(request, end)) < 0) {
                throwIfDown();
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(2);
            }
            if (answer == 1) {
                refreshReaders();
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    /** @return end offsets as read_committed consumers see them, or null when the cluster did not answer */
    private Map<TopicPartition, Long> lastStableOffsets(List<TopicPartition> partitions)
        throws InterruptedException {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (TopicPartition tp : partitions) {
            q.put(tp, OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        if (q.isEmpty()) {
            return out;
        }
        try {
            admin.listOffsets(q, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(10, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debug("end offsets unavailable: {}", e.toString());
            return null;
        }
    }

    private void throwIfDown() {
        PipelineException f = core.failure();
        if (f != null) {
            throw f;
        }
        if (closed) {
            throw new IllegalStateException("pipeline instance=" + core.instanceId() + " is closed");
        }
    }

    private void checkStarted() {
        if (!started) {
            throw new IllegalStateException("pipeline instance=" + core.instanceId() + " is not started: call start()");
        }
    }

    /**
     * @param set a registered feature set
     * @return its status now
     */
    public SetStatus status(FeatureSet<?> set) {
        SetRuntime s = runtime(set);
        if (!started) {
            return new SetStatus(SetStatus.State.DOWN, -1, "not started");
        }
        if (closed) {
            return new SetStatus(SetStatus.State.DOWN, -1, "closed");
        }
        PipelineException f = core.failure();
        if (f != null) {
            return new SetStatus(SetStatus.State.DOWN, -1, f.getMessage());
        }
        if (core.loops() == null) {
            return new SetStatus(SetStatus.State.DOWN, -1, "not started");
        }
        Set<String> topics = new HashSet<>();
        for (Binding b : s.bindings()) {
            topics.add(b.source().topic());
        }
        boolean caughtUp = true;
        long lag = 0;
        if (!core.consumersAlive()) {
            return new SetStatus(SetStatus.State.DOWN, -1, "consumer thread stopped");
        }
        for (IngestLoop l : core.loops()) {
            caughtUp &= l.caughtUp();
            for (TopicPartition tp : l.assignment()) {
                if (topics.contains(tp.topic())) {
                    Long v = core.lagBoard().lag().get(tp);
                    if (v == null || v < 0 || lag < 0) {
                        lag = -1;
                    } else {
                        lag += v;
                    }
                }
            }
        }
        if (!core.appliersAlive()) {
            return new SetStatus(SetStatus.State.DOWN, -1, "applier thread stopped");
        }
        boolean fully = caughtUp && lag == 0 && core.ringsIdle();
        if (trackers.get(s).observe(fully, lag, System.nanoTime())) {
            return new SetStatus(SetStatus.State.RUNNING, lag, null);
        }
        return new SetStatus(SetStatus.State.CATCHING_UP, lag, null);
    }

    private void refreshReaders() {
        for (SetRuntime s : core.sets()) {
            FeatureReader r = s.reader();
            if (r != null) {
                r.setCatchingUp(status(s.featureSet()).state() != SetStatus.State.RUNNING);
            }
        }
    }

    /**
     * @param set a registered feature set
     * @return a thread-safe reader of its store; vectors read while the set is behind carry CATCHING_UP
     */
    public FeatureReader reader(FeatureSet<?> set) {
        checkStarted();
        return runtime(set).reader();
    }

    /**
     * @param set a registered feature set
     * @return its store (for inspection; the pipeline's appliers are its only writers)
     */
    public RowStore store(FeatureSet<?> set) {
        checkStarted();
        return runtime(set).store();
    }

    private SetRuntime runtime(FeatureSet<?> set) {
        SetRuntime s = bySet.get(Objects.requireNonNull(set, "set can't be null"));
        if (s == null) {
            throw new IllegalArgumentException("set=" + set.name() + " is not registered in pipeline instance="
                + core.instanceId());
        }
        return s;
    }

    /**
     * A counter read, for progress polling: unlike {@link #metrics()} it neither allocates nor starts a new metrics
     * interval.
     *
     * @param set a registered feature set
     * @return records applied to the set's rows since start (late ones included)
     */
    public long appliedRecords(FeatureSet<?> set) {
        checkStarted();
        SetRuntime s = runtime(set);
        if (core.loops() == null) {
            return 0;
        }
        return core.count(s.index(), CounterIds.APPLIED);
    }

    /** @return the first failure that stopped the pipeline, or null */
    public PipelineException failure() {
        return core.failure();
    }

    /** @return this instance's id (consumer client ids start with it) */
    public String instanceId() {
        return core.instanceId();
    }

    /**
     * A snapshot of counters, stage histograms (cumulative since start, and over the interval since the previous
     * call) and lag. The recording threads are never blocked: each stage's recorders swap their active histogram
     * (HdrHistogram's writer-reader phaser), and this call merges the swapped-out ones. Each call starts a new
     * interval.
     *
     * @return the snapshot
     */
    public synchronized PipelineMetrics metrics() {
        checkStarted();
        if (core.loops() == null) {
            throw new IllegalStateException("pipeline instance=" + core.instanceId() + " did not start");
        }
        for (Histogram h : interval) {
            h.reset();
        }
        for (IngestLoop l : core.loops()) {
            drain(l.eventToBrokerMs(), 0);
            drain(l.brokerToPollMs(), 1);
        }
        for (ShardApplier a : core.appliers()) {
            drain(a.pollToAppliedUs(), 2);
        }
        PipelineMetrics.Stage[] totalStages = new PipelineMetrics.Stage[3];
        PipelineMetrics.Stage[] intervalStages = new PipelineMetrics.Stage[3];
        for (int i = 0; i < 3; i++) {
            totals[i].add(interval[i]);
            totalStages[i] = new PipelineMetrics.Stage(totals[i]);
            intervalStages[i] = new PipelineMetrics.Stage(interval[i]);
        }
        final long nowMs = System.currentTimeMillis();
        final long fromMs = intervalStartMs;
        intervalStartMs = nowMs;
        Map<String, PipelineMetrics.SetCounts> counts = new LinkedHashMap<>();
        for (SetRuntime s : core.sets()) {
            int i = s.index();
            long[] bad = new long[BadRecordReason.values().length];
            for (BadRecordReason r : BadRecordReason.values()) {
                bad[r.ordinal()] = core.count(i, CounterIds.BAD_BASE + r.ordinal());
            }
            counts.put(s.featureSet().name(), new PipelineMetrics.SetCounts(core.count(i, CounterIds.APPLIED),
                core.count(i, CounterIds.LATE), core.count(i, CounterIds.DUPLICATES),
                core.count(i, CounterIds.SKIPPED), core.count(i, CounterIds.DEAD_LETTERED), bad));
        }
        long pauses = 0;
        for (IngestLoop l : core.loops()) {
            pauses += l.pauses();
        }
        return new PipelineMetrics(nowMs, counts, totalStages, fromMs, intervalStages,
            new HashMap<>(core.lagBoard().lag()), pauses);
    }

    private void drain(StageRecorder r, int stage) {
        interval[stage].add(r.intervalHistogram());
    }

    /**
     * The instance that serves a key: in replicated mode this one; in sharded mode the group member that owns the
     * key's partition of the set's first source topic, assuming producers key records by the entity key with
     * Kafka's {@code LongSerializer} (8 bytes, big-endian) and the default partitioner (murmur2).
     *
     * @param set a registered set with a LONG key
     * @param key the entity key
     * @return the owner's {@link #instanceId()}, or null while no member owns the partition (rebalance)
     */
    public String keyOwner(FeatureSet<?> set, long key) {
        if (set.keyType() != KeyType.LONG) {
            throw new IllegalArgumentException("set=" + set.name() + " has a TEXT key: use keyOwner(set, text)");
        }
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) key;
            key >>>= 8;
        }
        return ownerOf(set, b);
    }

    /**
     * Text-key variant of {@link #keyOwner(FeatureSet, long)}: the key serialized as UTF-8 (Kafka's
     * {@code StringSerializer}).
     *
     * @param set a registered set with a TEXT key
     * @param key the entity key
     * @return the owner's instance id, or null during a rebalance
     */
    public String keyOwner(FeatureSet<?> set, CharSequence key) {
        if (set.keyType() != KeyType.TEXT) {
            throw new IllegalArgumentException("set=" + set.name() + " has a LONG key: use keyOwner(set, long)");
        }
        byte[] utf8 = new byte[key.length() * 4];
        int n = Keys.encodeUtf8(key, utf8);
        return ownerOf(set, Arrays.copyOf(utf8, n));
    }

    /**
     * @param topic a source topic
     * @param serializedKey the record key bytes
     * @return the partition Kafka's default partitioner picks for it
     */
    public int partitionOf(String topic, byte[] serializedKey) {
        Integer n = partitionsByTopic.get(topic);
        if (n == null) {
            throw new IllegalArgumentException("topic=" + topic + " is not a source of this pipeline");
        }
        return Utils.toPositive(Utils.murmur2(serializedKey)) % n;
    }

    private String ownerOf(FeatureSet<?> set, byte[] serializedKey) {
        checkStarted();
        if (core.mode() == ScaleMode.REPLICATED) {
            return core.instanceId();
        }
        String topic = runtime(set).bindings().get(0).source().topic();
        TopicPartition tp = new TopicPartition(topic, partitionOf(topic, serializedKey));
        for (IngestLoop l : core.loops()) {
            if (l.assignment().contains(tp)) {
                return core.instanceId();
            }
        }
        return remoteOwners().get(tp);
    }

    private synchronized Map<TopicPartition, String> remoteOwners() {
        long now = System.nanoTime();
        if (now - ownersAtNs < OWNER_CACHE_NS && !owners.isEmpty()) {
            return owners;
        }
        String group = kafka.getProperty(ConsumerConfig.GROUP_ID_CONFIG);
        Map<TopicPartition, String> m = new HashMap<>();
        try {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                .get(10, TimeUnit.SECONDS);
            for (MemberDescription member : d.members()) {
                String id = member.clientId();
                int cut = id.lastIndexOf("#c");
                String instance = cut > 0 ? id.substring(0, cut) : id;
                for (TopicPartition tp : member.assignment().topicPartitions()) {
                    m.put(tp, instance);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("cannot describe group={} for key owners: {}", group, e.toString());
        }
        owners = m;
        ownersAtNs = now;
        return m;
    }

    /**
     * Stops consuming, drains the queues, checkpoints offsets, and closes the stores the pipeline opened (their
     * clean-shutdown marker). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly();
    }

    private void closeQuietly() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
        for (StatusTracker t : trackers.values()) {
            t.reset();
        }
        try {
            core.stop(STOP_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("pipeline instance={} stop: {}", core.instanceId(), e.toString());
        }
        for (SetRuntime s : core.sets()) {
            FeatureReader r = s.reader();
            if (r != null) {
                r.setCatchingUp(true);
            }
            if (s.ownsStore() && s.store() != null) {
                try {
                    s.store().close();
                } catch (RuntimeException e) {
                    LOG.warn("set={} store close: {}", s.featureSet().name(), e.toString());
                }
            }
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        LOG.info("pipeline instance={} closed", core.instanceId());
    }

    /** Test hook: whether any pipeline thread is still running. */
    boolean anyThreadAlive() {
        return core.anyThreadAlive();
    }

    /** One registered set. */
    private static final class Registration {
        final FeatureSet<?> set;
        final RowStore store;
        final StoreEngine engine;
        final StoreConfig config;
        final List<Source<?>> sources;

        Registration(FeatureSet<?> set, RowStore store, StoreEngine engine, StoreConfig config,
            List<Source<?>> sources) {
            this.set = set;
            this.store = store;
            this.engine = engine;
            this.config = config;
            this.sources = sources;
        }
    }

    /**
     * Configures a {@link FeaturePipeline}; each option is checked when set, cross-option rules at {@link #build()}.
     * Not thread-safe; reusable (each {@code build()} makes an independent pipeline, but two pipelines must not
     * share a store).
     */
    public static final class Builder {
        /**
         * Least default slots per hand-off queue (one queue per consumer thread and applier thread); the default is
         * this or twice {@code max.poll.records}, whichever is larger, rounded up to a power of two, at most 65,536.
         */
        public static final int DEFAULT_QUEUE_CAPACITY = 1024;
        /** Default poll timeout, ms. */
        public static final long DEFAULT_POLL_TIMEOUT_MS = 100;
        /** Default lag a RUNNING set may show without leaving RUNNING, records. */
        public static final long DEFAULT_RUNNING_LAG_TOLERANCE_RECORDS = 1_000;
        /** Default time the lag must stay above the tolerance before a RUNNING set reports CATCHING_UP, ms. */
        public static final long DEFAULT_RUNNING_LAG_GRACE_MS = 1_000;
        /** Default interval of the check for partitions added to a source topic (replicated mode), ms. */
        public static final long DEFAULT_PARTITION_CHECK_INTERVAL_MS = 10_000;

        private Properties kafka;
        private final List<Registration> registrations = new ArrayList<>();
        private ScaleMode mode = ScaleMode.REPLICATED;
        private String instanceId;
        private int consumerThreads = 1;
        private int applierThreads = 1;
        /** 0: derived from max.poll.records at build, see {@link #defaultQueueCapacity}. */
        private int queueCapacity;
        private long pollTimeoutMs = DEFAULT_POLL_TIMEOUT_MS;
        private long runningLagToleranceRecords = DEFAULT_RUNNING_LAG_TOLERANCE_RECORDS;
        private long runningLagGraceMs = DEFAULT_RUNNING_LAG_GRACE_MS;
        private long partitionCheckIntervalMs = DEFAULT_PARTITION_CHECK_INTERVAL_MS;
        private EpochClock clock = EpochClock.system();
        private OffsetMismatchPolicy mismatchPolicy = OffsetMismatchPolicy.FAIL;

        private Builder() {
        }

        /**
         * @param properties Kafka client properties ({@code bootstrap.servers}, security settings, tuning); copied.
         *     The pipeline sets byte-array deserializers, {@code isolation.level=read_committed},
         *     {@code enable.auto.commit=false} and its own {@code client.id}s; conflicting values are refused.
         * @return this
         */
        public Builder kafka(Properties properties) {
            Objects.requireNonNull(properties, "properties can't be null");
            if (properties.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) == null) {
                throw new IllegalArgumentException("bootstrap.servers is not set in the Kafka properties");
            }
            String iso = properties.getProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG);
            if (iso != null && !"read_committed".equals(iso)) {
                throw new IllegalArgumentException("isolation.level=" + iso + ": the pipeline reads read_committed"
                    + " only (aborted transactions must never be applied); remove the setting");
            }
            String auto = properties.getProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
            if (auto != null && !"false".equalsIgnoreCase(auto)) {
                throw new IllegalArgumentException("enable.auto.commit=" + auto + ": the store holds the offsets;"
                    + " remove the setting");
            }
            Properties copy = new Properties();
            copy.putAll(properties);
            this.kafka = copy;
            return this;
        }

        /**
         * Registers a feature set whose store the caller opened (and closes, after the pipeline).
         *
         * @param set the feature set
         * @param store a store opened with {@code set.rowLayout()}
         * @param sources its sources, at least one
         * @param <E> event type
         * @return this
         */
        @SafeVarargs
        public final <E> Builder register(FeatureSet<E> set, RowStore store, Source<E>... sources) {
            Objects.requireNonNull(store, "store can't be null");
            Objects.requireNonNull(sources, "sources can't be null");
            List<Source<?>> list = new ArrayList<>();
            for (Source<E> src : sources) {
                list.add(src);
            }
            add(set, store, null, null, list);
            return this;
        }

        /**
         * Registers a feature set whose store the pipeline opens at start and closes at close.
         *
         * @param set the feature set
         * @param engine the store engine
         * @param config store options built from {@code set.rowLayout()}
         * @param sources its sources, at least one
         * @param <E> event type
         * @return this
         */
        @SafeVarargs
        public final <E> Builder register(FeatureSet<E> set, StoreEngine engine, StoreConfig config,
            Source<E>... sources) {
            Objects.requireNonNull(engine, "engine can't be null");
            Objects.requireNonNull(config, "config can't be null");
            Objects.requireNonNull(sources, "sources can't be null");
            if (config.layout().fingerprint() != set.fingerprint()) {
                throw new IllegalArgumentException("set=" + set.name() + ": the StoreConfig was built for layout of"
                    + " set=" + config.layout().setName() + "; use StoreConfig.builder(set.rowLayout())");
            }
            List<Source<?>> list = new ArrayList<>();
            for (Source<E> src : sources) {
                list.add(src);
            }
            add(set, null, engine, config, list);
            return this;
        }

        private void add(FeatureSet<?> set, RowStore store, StoreEngine engine, StoreConfig config,
            List<Source<?>> sources) {
            Objects.requireNonNull(set, "set can't be null");
            if (sources.isEmpty()) {
                throw new IllegalArgumentException("set=" + set.name() + " has no source: pass at least one Source");
            }
            Set<String> topics = new HashSet<>();
            for (Source<?> s : sources) {
                Objects.requireNonNull(s, "source can't be null");
                if (!topics.add(s.topic())) {
                    throw new IllegalArgumentException("set=" + set.name() + " lists topic=" + s.topic() + " twice");
                }
            }
            for (Registration r : registrations) {
                if (r.set.name().equals(set.name())) {
                    throw new IllegalArgumentException("set=" + set.name() + " was already registered");
                }
                if (store != null && r.store == store) {
                    throw new IllegalArgumentException("set=" + set.name() + " shares its store with set="
                        + r.set.name() + ": each set needs its own store");
                }
            }
            registrations.add(new Registration(set, store, engine, config, List.copyOf(sources)));
        }

        /**
         * @param mode REPLICATED (default: every instance reads every partition) or SHARDED (consumer group)
         * @return this
         */
        public Builder mode(ScaleMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode can't be null");
            return this;
        }

        /**
         * @param id this instance's id: a prefix of its Kafka client ids and the answer of {@code keyOwner}
         *     (e.g. {@code host:port} of its serving endpoint); default a random id
         * @return this
         */
        public Builder instanceId(String id) {
            Objects.requireNonNull(id, "id can't be null");
            if (id.isBlank() || id.contains("#")) {
                throw new IllegalArgumentException("instanceId=" + id + " must be non-blank and contain no '#'");
            }
            this.instanceId = id;
            return this;
        }

        /**
         * @param n consumer threads, each with its own KafkaConsumer, 1..64 (default 1)
         * @return this
         */
        public Builder consumerThreads(int n) {
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("consumerThreads=" + n + " is out of range: use 1..64");
            }
            this.consumerThreads = n;
            return this;
        }

        /**
         * @param n applier threads (shard {@code s} of each set goes to applier {@code s % n}), 1..256 (default 1);
         *     more than a store's shard count leaves threads idle
         * @return this
         */
        public Builder applierThreads(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("applierThreads=" + n + " is out of range: use 1..256");
            }
            this.applierThreads = n;
            return this;
        }

        /**
         * @param slots pre-allocated slots per hand-off queue, 2..65536; a full queue pauses the partitions feeding
         *     it. Default: 2 × {@code max.poll.records} (Kafka's default 500), at least
         *     {@value #DEFAULT_QUEUE_CAPACITY}, rounded up to a power of two, at most 65,536 — room for one poll's
         *     records while the applier works
         *     through the previous one. A queue smaller than a poll makes the consumer pause, wait for the applier
         *     and resume several times per poll, and the two threads take turns instead of overlapping.
         * @return this
         */
        public Builder queueCapacity(int slots) {
            if (slots < 2 || slots > 65536) {
                throw new IllegalArgumentException("queueCapacity=" + slots + " is out of range: use 2..65536");
            }
            this.queueCapacity = slots;
            return this;
        }

        /**
         * @param timeout poll timeout, 1 ms..10 s (default 100 ms): bounds how quickly close and status react
         * @return this
         */
        public Builder pollTimeout(Duration timeout) {
            long ms = timeout.toMillis();
            if (ms < 1 || ms > 10_000) {
                throw new IllegalArgumentException("pollTimeout=" + timeout + " is out of range: use 1 ms..10 s");
            }
            this.pollTimeoutMs = ms;
            return this;
        }

        /**
         * Hysteresis of {@link #status}: a set becomes RUNNING when it is fully caught up (lag 0 on every assigned
         * partition, queues empty), and leaves RUNNING for CATCHING_UP only when its lag stays above
         * {@code toleranceRecords} for at least {@code grace} (or at once when the lag becomes unknown). Without
         * it a set under steady load would flip between the two whenever a lag refresh saw a record in flight.
         *
         * @param toleranceRecords lag a RUNNING set may show, 0..1e9 records (default 1,000)
         * @param grace how long the lag must stay above the tolerance, 0..1 h (default 1 s)
         * @return this
         */
        public Builder runningLagTolerance(long toleranceRecords, Duration grace) {
            Objects.requireNonNull(grace, "grace can't be null");
            if (toleranceRecords < 0 || toleranceRecords > 1_000_000_000L) {
                throw new IllegalArgumentException("toleranceRecords=" + toleranceRecords
                    + " is out of range: use 0..1000000000");
            }
            if (grace.isNegative() || grace.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("grace=" + grace + " is out of range: use 0..1 h");
            }
            this.runningLagToleranceRecords = toleranceRecords;
            this.runningLagGraceMs = grace.toMillis();
            return this;
        }

        /**
         * @param interval how often replicated mode looks for partitions added to a source topic after start,
         *     100 ms..1 h (default 10 s); new partitions are read from the log start (no effect in sharded mode,
         *     where the consumer group assigns them)
         * @return this
         */
        public Builder partitionCheckInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval can't be null");
            long ms = interval.toMillis();
            if (ms < 100 || ms > TimeUnit.HOURS.toMillis(1)) {
                throw new IllegalArgumentException("partitionCheckInterval=" + interval
                    + " is out of range: use 100 ms..1 h");
            }
            this.partitionCheckIntervalMs = ms;
            return this;
        }

        /**
         * @param clock the applying clock (future skew, event age, TTL) and the readers' clock; default system
         * @return this
         */
        public Builder clock(EpochClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock can't be null");
            return this;
        }

        /**
         * @param policy what to do when a store's offsets belong to another cluster/topic or lie below the log
         *     start (default FAIL)
         * @return this
         */
        public Builder onOffsetMismatch(OffsetMismatchPolicy policy) {
            this.mismatchPolicy = Objects.requireNonNull(policy, "policy can't be null");
            return this;
        }

        /**
         * @param kafka consumer properties
         * @return the default queue capacity for them (see {@link #queueCapacity})
         */
        static int defaultQueueCapacity(Properties kafka) {
            int maxPoll = 500;
            Object v = kafka.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
            if (v != null) {
                try {
                    maxPoll = Integer.parseInt(v.toString().trim());
                } catch (NumberFormatException e) {
                    // KafkaConsumer's constructor rejects it with a clear message.
                }
            }
            long want = Math.max(DEFAULT_QUEUE_CAPACITY, 2L * Math.max(1, maxPoll));
            return (int) Math.min(65_536, Long.highestOneBit(want - 1) << 1);
        }

        Properties consumerProperties() {
            Properties p = new Properties();
            p.putAll(kafka);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
            p.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
            return p;
        }

        /** @return a pipeline, not started */
        public FeaturePipeline build() {
            if (kafka == null) {
                throw new IllegalStateException("Kafka properties were not set: call kafka(properties)");
            }
            if (registrations.isEmpty()) {
                throw new IllegalStateException("no feature set registered: call register(set, store, sources)");
            }
            String group = kafka.getProperty(ConsumerConfig.GROUP_ID_CONFIG);
            if (mode == ScaleMode.SHARDED && (group == null || group.isBlank())) {
                throw new IllegalStateException("mode=SHARDED needs group.id in the Kafka properties: instances with"
                    + " the same group.id share the partitions");
            }
            if (mismatchPolicy == OffsetMismatchPolicy.REBUILD) {
                for (Registration r : registrations) {
                    if (r.engine == null) {
                        throw new IllegalStateException("onOffsetMismatch=REBUILD needs stores the pipeline opens, but"
                            + " set=" + r.set.name() + " was registered with an opened store: use"
                            + " register(set, engine, config, sources)");
                    }
                }
            }
            return new FeaturePipeline(this,
                instanceId != null ? instanceId : "freshet-" + UUID.randomUUID().toString().substring(0, 8));
        }

        /** @return a started pipeline: {@code build().start()} */
        public FeaturePipeline start() {
            return build().start();
        }
    }
}
