package io.freshet.kafka;

import io.freshet.core.EpochClock;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureSet;
import io.freshet.core.KeyType;
import io.freshet.core.StoreConfig;
import io.freshet.core.StoreOpenState;
import io.freshet.core.internal.CoreInternals;
import io.freshet.core.spi.Keys;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.StoreEngine;
import io.freshet.kafka.internal.CaughtUpCheck;
import io.freshet.kafka.internal.ClientProperties;
import io.freshet.kafka.internal.EndOffsets;
import io.freshet.kafka.internal.KeyOwners;
import io.freshet.kafka.internal.PartitionWatcher;
import io.freshet.kafka.internal.PipelineCore;
import io.freshet.kafka.internal.PipelineInternals;
import io.freshet.kafka.internal.SetRuntime;
import io.freshet.kafka.internal.StartSequence;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime that turns Kafka topics into fresh rows in the store: consumer threads decode each record and run
 * every user extractor and filter on it (validating it once), then route the prepared event by entity key to
 * single-writer shard appliers over bounded lock-free queues of pre-allocated slots; the appliers run only the
 * feature kernels on the store's rows, with an exactly-once effect per record. No user object crosses threads.
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

    static {
        // The metrics binder (io.freshet.kafka.metrics) reads the pipeline through this door, not a public method.
        PipelineInternals.register(p -> p.telemetry);
    }

    private final PipelineCore core;
    private final OffsetMismatchPolicy mismatchPolicy;
    private final Properties kafka;
    private final Map<FeatureSet<?>, SetRuntime> bySet = new LinkedHashMap<>();
    private final Map<FeatureSet<?>, List<Source<?>>> sourcesBySet = new HashMap<>();
    /** Migrations started on this pipeline and not closed; closed before the pipeline's stores. */
    private final List<Migration> migrations = new CopyOnWriteArrayList<>();
    private final StatusMonitor status;
    private final MetricsCollector metrics;
    private final TelemetryView telemetry;
    private final SloMonitor slo;
    private final KeyOwners keyOwners;
    private final CaughtUpCheck caughtUp;
    private final long partitionCheckIntervalMs;
    private ScheduledExecutorService watcher;
    private ScheduledExecutorService sloTimer;
    private Admin admin;
    private volatile boolean started;
    private volatile boolean closed;

    FeaturePipeline(FeaturePipelineBuilder b, String instanceId) {
        this.kafka = b.consumerProperties();
        this.mismatchPolicy = b.mismatchPolicy;
        this.partitionCheckIntervalMs = b.partitionCheckIntervalMs;
        List<SetRuntime> sets = new ArrayList<>();
        Map<SetRuntime, List<Source<?>>> sources = new HashMap<>();
        for (Registration r : b.registrations) {
            SetRuntime s = new SetRuntime(sets.size(), r.set, r.store, r.engine, r.config);
            s.fill().warningFill(b.storeFillWarning);
            sets.add(s);
            sources.put(s, r.sources);
            bySet.put(r.set, s);
            sourcesBySet.put(r.set, r.sources);
        }
        this.core = new PipelineCore(instanceId, b.clock, b.mode, kafka, sets, sources, b.consumerThreads,
            b.applierThreads, b.queueCapacity > 0 ? b.queueCapacity
                : FeaturePipelineBuilder.defaultQueueCapacity(kafka), b.pollTimeoutMs);
        if (b.backfillStart != null || b.backfillThrottle != null) {
            core.backfill(b.backfillStart, b.backfillThrottle);
        }
        this.status = new StatusMonitor(core, b.runningLagToleranceRecords, b.runningLagGraceMs);
        this.metrics = new MetricsCollector(core);
        this.slo = new SloMonitor(core, new ArrayList<>(b.slos.values()), b.sloListener);
        this.telemetry = new TelemetryView(core, metrics, status, slo, migrations);
        this.keyOwners = new KeyOwners(core, kafka.getProperty(ConsumerConfig.GROUP_ID_CONFIG));
        this.caughtUp = new CaughtUpCheck(core);
    }

    /** @return a new builder */
    public static FeaturePipelineBuilder builder() {
        return new FeaturePipelineBuilder();
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
        status.started();
        try {
            Properties adminProps = ClientProperties.withoutConsumerKeys(kafka);
            adminProps.put(CommonClientConfigs.CLIENT_ID_CONFIG, "freshet-" + core.instanceId() + "-admin");
            admin = createAdmin(adminProps);
            keyOwners.admin(admin);
            StartSequence.run(core, admin, mismatchPolicy, keyOwners.partitionsByTopic());
            core.lagBoard().onRefresh(status::refreshReaders);
            metrics.started();
            core.startThreads();
            if (slo.active()) {
                slo.started();
                sloTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "freshet-" + core.instanceId() + "-slo");
                    t.setDaemon(true);
                    return t;
                });
                sloTimer.scheduleAtFixedRate(this::evaluateSlos, slo.tickMs(), slo.tickMs(), TimeUnit.MILLISECONDS);
            }
            if (core.mode() == ScaleMode.REPLICATED) {
                watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "freshet-" + core.instanceId() + "-partitions");
                    t.setDaemon(true);
                    return t;
                });
                watcher.scheduleWithFixedDelay(new PartitionWatcher(core, admin, keyOwners.partitionsByTopic()),
                    partitionCheckIntervalMs, partitionCheckIntervalMs, TimeUnit.MILLISECONDS);
            }
            LOG.info("pipeline instance={} started mode={} sets={} topics={} consumers={} appliers={}",
                core.instanceId(), core.mode(), bySet.keySet().stream().map(FeatureSet::name).toList(),
                core.topics(), core.consumerCount(), core.applierCount());
            return this;
        } catch (RuntimeException e) {
            if (e instanceof PipelineException pe) {
                core.failedToStart(pe);
            }
            closeQuietly();
            throw e;
        }
    }

    private static Admin createAdmin(Properties adminProps) {
        try {
            return Admin.create(adminProps);
        } catch (KafkaException e) {
            // Kafka wraps the real reason ("Failed to load SSL keystore ...") in "Failed to create new
            // KafkaAdminClient": give the whole chain of messages. They name settings, never their values: Kafka
            // prints password-type values as [hidden].
            StringBuilder why = new StringBuilder();
            for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
                why.append(why.length() == 0 ? "" : ": ").append(c.getMessage());
            }
            throw new PipelineException("cannot create the Kafka clients from the Kafka properties: " + why
                + "; check the security settings (security.protocol, sasl.*, ssl.keystore.*, ssl.truststore.*)", e);
        }
    }

    /**
     * Waits until every assigned partition of every set has been applied up to its end (fresh end offsets, lag 0)
     * and every queue is drained, and every set's reader serves without CATCHING_UP.
     *
     * @param timeout how long to wait
     * @return true when caught up (reads right after carry no CATCHING_UP), false on timeout
     * @throws PipelineException when the pipeline is down (the failure)
     * @throws InterruptedException when interrupted
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        checkStarted();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            throwIfDown();
            long request = caughtUp.requestFreshLag();
            Map<TopicPartition, Long> end = EndOffsets.lastStable(admin, core.assignment());
            int answer = -1;
            while (end != null && (answer = caughtUp.freshlyCaughtUp(request, end)) < 0) {
                throwIfDown();
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(2);
            }
            // Caught up only once the readers say so too: the sets' status also weighs what the fresh answer does
            // not (a shard still marked as waiting for room, a consumer's periodic lag refresh landing between the
            // two), and a caller that serves right after this returns must not read CATCHING_UP.
            if (answer == 1 && status.refreshReaders()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
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
        return status.status(runtime(set));
    }

    /**
     * @param set a registered feature set
     * @return a thread-safe reader of its store; vectors read while the set is behind carry CATCHING_UP
     */
    public FeatureReader reader(FeatureSet<?> set) {
        checkStarted();
        return runtime(set).reader();
    }

    /** @return the runtime of a registered set (package-private: what tests inspect lives behind it) */
    /** {@link StoreSnapshot#to}: the set's store copies itself while this pipeline's appliers keep running. */
    long snapshotStore(FeatureSet<?> set, Path directory) {
        checkStarted();
        SetRuntime s = runtime(set);
        PipelineException failure = core.failure();
        if (failure != null) {
            throw new IllegalStateException("pipeline instance=" + core.instanceId() + " stopped on a failure ("
                + failure.getMessage() + "): its appliers no longer copy rows; fix it and restart before taking a "
                + "snapshot", failure);
        }
        return s.store().snapshotTo(directory);
    }

    SetRuntime runtime(FeatureSet<?> set) {
        SetRuntime s = bySet.get(Objects.requireNonNull(set, "set can't be null"));
        if (s == null) {
            throw new IllegalArgumentException("set=" + set.name() + " is not registered in pipeline instance="
                + core.instanceId());
        }
        return s;
    }

    /**
     * Deletes the row of an entity (privacy: "forget this user"), through the applier that owns the key's shard, in
     * order with that shard's records and under the store's undo protocol (a kill -9 either completes it or rolls it
     * back; it is applied exactly once or not at all). Reads afterwards report
     * {@link io.freshet.core.VectorStatus#MISSING}; the freed slot takes new keys (a store waiting because it is full
     * resumes). It deletes this instance's row only: in sharded mode call it on {@link #keyOwner}. It does not touch
     * Kafka: a later event of the key creates a new row, and a store rebuilt from the topic brings the row back
     * unless the topic carries a tombstone for it (see {@link TombstonePolicy#DELETE}) or no longer holds its events.
     * While the set is being migrated ({@link #migrate}), the shadow store's row is deleted too; but a shadow still
     * BACKFILLING replays the key's earlier events from the topics afterwards and so re-creates its row: delete again
     * once the migration is READY, or delete with a tombstone on the topic, which the backfill honours.
     *
     * @param set a registered set with a LONG key
     * @param key the entity key
     * @return completes with true when a row was deleted, false when the key had none; exceptionally when the
     *     pipeline stops first
     * @throws IllegalStateException when the pipeline is not running
     */
    public CompletableFuture<Boolean> delete(FeatureSet<?> set, long key) {
        checkStarted();
        SetRuntime s = runtime(set);
        if (set.keyType() != KeyType.LONG) {
            throw new IllegalArgumentException("set=" + set.name() + " has a TEXT key: call delete(set, text)");
        }
        return alsoInShadows(s, s.detached() ? CompletableFuture.completedFuture(false)
            : core.requestDelete(s, key, null).future(), key, null);
    }

    /**
     * Text-key variant of {@link #delete(FeatureSet, long)}.
     *
     * @param set a registered set with a TEXT key
     * @param key the entity key
     * @return completes with true when a row was deleted, false when the key had none
     * @throws IllegalStateException when the pipeline is not running
     */
    public CompletableFuture<Boolean> delete(FeatureSet<?> set, CharSequence key) {
        checkStarted();
        SetRuntime s = runtime(set);
        Objects.requireNonNull(key, "key can't be null");
        if (set.keyType() != KeyType.TEXT) {
            throw new IllegalArgumentException("set=" + set.name() + " has a LONG key: call delete(set, long)");
        }
        return alsoInShadows(s, s.detached() ? CompletableFuture.completedFuture(false)
            : core.requestDelete(s, 0, key.toString()).future(), 0, key.toString());
    }

    /**
     * A delete of a set under migration goes to its shadow store too, which the readers read once promoted (and
     * which a rollback leaves behind the live one again): true when either store had a row, once both applied.
     */
    private CompletableFuture<Boolean> alsoInShadows(SetRuntime s, CompletableFuture<Boolean> live, long longKey,
        String textKey) {
        CompletableFuture<Boolean> result = live;
        for (Migration m : migrations) {
            if (m.liveRuntime() == s) {
                CompletableFuture<Boolean> inShadow = m.deleteInShadow(longKey, textKey);
                result = result.thenCombine(inShadow, (a, b) -> a || b);
            }
        }
        return result;
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
        return metrics.applied(runtime(set));
    }

    /**
     * A read of the set's store size, for progress and sizing: like {@link #appliedRecords} it allocates nothing.
     *
     * @param set a registered feature set
     * @return rows its store holds now
     */
    public long storeRows(FeatureSet<?> set) {
        checkStarted();
        return runtime(set).store().size();
    }

    /**
     * @param set a registered feature set
     * @return how its store was found when the pipeline opened it (created, clean, recovered after a kill, ...)
     */
    public StoreOpenState storeOpenState(FeatureSet<?> set) {
        checkStarted();
        return runtime(set).store().openState();
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
     * call) and lag. The recording threads are never blocked. Each call starts a new interval.
     *
     * @return the snapshot
     */
    public PipelineMetrics metrics() {
        checkStarted();
        if (core.loops() == null) {
            throw new IllegalStateException("pipeline instance=" + core.instanceId() + " did not start");
        }
        return metrics.snapshot();
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

    private String ownerOf(FeatureSet<?> set, byte[] serializedKey) {
        checkStarted();
        return keyOwners.ownerOf(runtime(set), serializedKey);
    }

    /**
     * @param topic a source topic
     * @param serializedKey the record key bytes
     * @return the partition Kafka's default partitioner picks for it
     */
    public int partitionOf(String topic, byte[] serializedKey) {
        return keyOwners.partitionOf(topic, serializedKey);
    }

    /**
     * Starts changing a registered set's definition with no outage (see {@link Migration}): a shadow store for
     * {@code to}, opened from {@code engine} and {@code config}, is filled from the set's sources and tails them;
     * readers of {@code from} keep reading the old store until {@link Migration#promote(CutoverCriteria)}.
     *
     * @param from a registered set (the definition live now)
     * @param to its new definition: same event and key type
     * @param engine the shadow store's engine
     * @param config the shadow store's options, from {@code StoreConfig.builder(to)}, in its own directory
     * @param <E> event type
     * @return the migration's options; {@code start()} starts it
     */
    public <E> Migration.Builder migrate(FeatureSet<E> from, FeatureSet<E> to, StoreEngine engine,
        StoreConfig config) {
        checkStarted();
        Objects.requireNonNull(to, "to can't be null");
        Objects.requireNonNull(engine, "engine can't be null");
        Objects.requireNonNull(config, "config can't be null");
        runtime(from);
        if (to.keyType() != from.keyType()) {
            throw new IllegalArgumentException("set=" + to.name() + " has a " + to.keyType() + " key but set="
                + from.name() + " has a " + from.keyType() + " key: a migration keeps the key type");
        }
        if (to.fingerprint() == from.fingerprint()) {
            throw new IllegalArgumentException("set=" + to.name() + " has the same fingerprint as the live"
                + " definition: nothing to migrate");
        }
        if (config.layout().fingerprint() != to.fingerprint()) {
            throw new IllegalArgumentException("set=" + to.name() + ": the StoreConfig was built for layout of"
                + " set=" + config.layout().setName() + "; use StoreConfig.builder(to)");
        }
        StoreConfig liveConfig = runtime(from).storeConfig();
        if (liveConfig != null && liveConfig.directory() != null && liveConfig.directory().equals(config.directory())) {
            throw new IllegalArgumentException("set=" + to.name() + ": the shadow store needs its own directory, not"
                + " the live store's directory=" + config.directory());
        }
        for (Migration m : migrations) {
            if (m.target() == to || runtime(from) == m.liveRuntime()) {
                throw new IllegalStateException("set=" + from.name() + " is already being migrated: close or finish"
                    + " that migration first");
            }
        }
        return new Migration.Builder(this, from, to, engine, config, sourcesBySet.get(from));
    }

    /**
     * Stops feeding a set at once (a migration's retire): see {@link PipelineCore#stopFeeding}.
     *
     * @param s the set's runtime
     * @param serving the store its readers read now
     * @param timeoutMs how long to wait for the pipeline's threads
     * @return true when no pipeline thread touches the set's old store any more
     */
    boolean stopFeeding(SetRuntime s, RowStore serving, long timeoutMs) {
        return core.stopFeeding(s, serving, timeoutMs);
    }

    void remember(Migration m) {
        migrations.add(m);
    }

    void forget(Migration m) {
        migrations.remove(m);
    }

    /** @return true once close() began */
    boolean isClosing() {
        return closed;
    }

    /** @return the consumer properties (copied by the caller) */
    Properties kafkaProperties() {
        return kafka;
    }

    /** @return the applying clock */
    EpochClock clock() {
        return core.clock();
    }

    /** @return the admin client (after start) */
    Admin admin() {
        return admin;
    }

    /** @return a registered set's sources */
    List<Source<?>> sourcesOf(FeatureSet<?> set) {
        return sourcesBySet.get(set);
    }

    /** @return the partition count of a source topic, as found at start */
    int partitionsOf(String topic) {
        Integer n = keyOwners.partitionsByTopic().get(topic);
        if (n == null) {
            throw new IllegalArgumentException("topic=" + topic + " is not a source of pipeline instance="
                + core.instanceId());
        }
        return n;
    }

    /**
     * Stops consuming, drains the queues, checkpoints offsets, and closes the stores the pipeline opened (their
     * clean-shutdown marker); migrations first. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Migration m : migrations) {
            try {
                m.closeNow();
            } catch (RuntimeException e) {
                LOG.warn("pipeline instance={} migration close: {}", core.instanceId(), e.toString());
            }
        }
        status.closed();
        closeQuietly();
        telemetry.closed();
    }

    private void evaluateSlos() {
        try {
            slo.tick();
        } catch (RuntimeException e) {
            LOG.warn("pipeline instance={} SLO evaluation: {}", core.instanceId(), e.toString());
        }
    }

    /**
     * @param set a registered feature set with a freshness SLO ({@link FeaturePipelineBuilder#freshnessSlo})
     * @return where it stands now
     * @throws IllegalArgumentException when the set has no SLO
     */
    public SloStatus sloStatus(FeatureSet<?> set) {
        SloStatus s = slo.status(runtime(set).featureSet().name());
        if (s == null) {
            throw new IllegalArgumentException("set=" + set.name() + " has no freshness SLO: add one with"
                + " builder.freshnessSlo(set, percentile, bound, window)");
        }
        return s;
    }

    /** @return the SLO evaluator (package-private: the metrics view reads it) */
    SloMonitor slo() {
        return slo;
    }

    private void closeQuietly() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
        if (sloTimer != null) {
            sloTimer.shutdownNow();
        }
        status.resetTrackers();
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
                CoreInternals.setCatchingUp(r, true);
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

    /** @return the running pipeline's wiring (package-private: what tests inspect lives behind it) */
    PipelineCore core() {
        return core;
    }
}
