package io.freshet.kafka;

import io.freshet.core.EpochClock;
import io.freshet.core.FeatureSet;
import io.freshet.core.spi.RowStore;
import io.freshet.core.StoreConfig;
import io.freshet.core.spi.StoreEngine;
import io.freshet.kafka.internal.BackfillThrottle;
import io.freshet.kafka.internal.KafkaClientsVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;

/**
 * Configures a {@link FeaturePipeline}; each option is checked when set, cross-option rules at {@link #build()}.
 * Not thread-safe; reusable (each {@code build()} makes an independent pipeline, but two pipelines must not
 * share a store).
 */
public final class FeaturePipelineBuilder {
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
    /** Default store fill (rows / capacity) at which the pipeline warns: 80 %. */
    public static final double DEFAULT_STORE_FILL_WARNING = 0.8;
    /** Default interval of the check for partitions added to a source topic (replicated mode), ms. */
    public static final long DEFAULT_PARTITION_CHECK_INTERVAL_MS = 10_000;

    private Properties kafka;
    final List<Registration> registrations = new ArrayList<>();
    ScaleMode mode = ScaleMode.REPLICATED;
    private String instanceId;
    int consumerThreads = 1;
    int applierThreads = 1;
    /** 0: derived from max.poll.records at build, see {@link #defaultQueueCapacity}. */
    int queueCapacity;
    long pollTimeoutMs = DEFAULT_POLL_TIMEOUT_MS;
    long runningLagToleranceRecords = DEFAULT_RUNNING_LAG_TOLERANCE_RECORDS;
    long runningLagGraceMs = DEFAULT_RUNNING_LAG_GRACE_MS;
    long partitionCheckIntervalMs = DEFAULT_PARTITION_CHECK_INTERVAL_MS;
    double storeFillWarning = DEFAULT_STORE_FILL_WARNING;
    EpochClock clock = EpochClock.system();
    OffsetMismatchPolicy mismatchPolicy = OffsetMismatchPolicy.FAIL;
    /** Freshness SLOs per set name (see {@link #freshnessSlo}). */
    final Map<String, SloMonitor.Objective> slos = new LinkedHashMap<>();
    Consumer<SloStatus> sloListener;
    /** Set only for a migration's shadow pipeline: where its never-applied partitions start. */
    Map<TopicPartition, Long> backfillStart;
    /** Set only for a migration's shadow pipeline: its consumers' budget. */
    BackfillThrottle backfillThrottle;

    FeaturePipelineBuilder() {
    }

    /**
     * @param properties Kafka client properties ({@code bootstrap.servers}, security settings, tuning); copied.
     *     The pipeline sets byte-array deserializers, {@code isolation.level=read_committed},
     *     {@code enable.auto.commit=false} and its own {@code client.id}s; conflicting values are refused.
     * @return this
     */
    public FeaturePipelineBuilder kafka(Properties properties) {
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
     * @param store a store opened with a config from {@code StoreConfig.builder(set)}
     * @param sources its sources, at least one
     * @param <E> event type
     * @return this
     */
    @SafeVarargs
    public final <E> FeaturePipelineBuilder register(FeatureSet<E> set, RowStore store, Source<E>... sources) {
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
     * @param config store options built by {@code StoreConfig.builder(set)}
     * @param sources its sources, at least one
     * @param <E> event type
     * @return this
     */
    @SafeVarargs
    public final <E> FeaturePipelineBuilder register(FeatureSet<E> set, StoreEngine engine, StoreConfig config,
        Source<E>... sources) {
        Objects.requireNonNull(engine, "engine can't be null");
        Objects.requireNonNull(config, "config can't be null");
        Objects.requireNonNull(sources, "sources can't be null");
        if (config.layout().fingerprint() != set.fingerprint()) {
            throw new IllegalArgumentException("set=" + set.name() + ": the StoreConfig was built for layout of"
                + " set=" + config.layout().setName() + "; use StoreConfig.builder(set)");
        }
        List<Source<?>> list = new ArrayList<>();
        for (Source<E> src : sources) {
            list.add(src);
        }
        add(set, null, engine, config, list);
        return this;
    }

    void add(FeatureSet<?> set, RowStore store, StoreEngine engine, StoreConfig config,
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
    public FeaturePipelineBuilder mode(ScaleMode mode) {
        this.mode = Objects.requireNonNull(mode, "mode can't be null");
        return this;
    }

    /**
     * @param id this instance's id: a prefix of its Kafka client ids and the answer of {@code keyOwner}
     *     (e.g. {@code host:port} of its serving endpoint); default a random id
     * @return this
     */
    public FeaturePipelineBuilder instanceId(String id) {
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
    public FeaturePipelineBuilder consumerThreads(int n) {
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
    public FeaturePipelineBuilder applierThreads(int n) {
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
    public FeaturePipelineBuilder queueCapacity(int slots) {
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
    public FeaturePipelineBuilder pollTimeout(Duration timeout) {
        long ms = timeout.toMillis();
        if (ms < 1 || ms > 10_000) {
            throw new IllegalArgumentException("pollTimeout=" + timeout + " is out of range: use 1 ms..10 s");
        }
        this.pollTimeoutMs = ms;
        return this;
    }

    /**
     * Hysteresis of {@link FeaturePipeline#status}: a set becomes RUNNING when it is fully caught up (lag 0 on every
     * assigned partition, queues empty), and leaves RUNNING for CATCHING_UP only when its lag stays above
     * {@code toleranceRecords} for at least {@code grace} (or at once when the lag becomes unknown). Without
     * it a set under steady load would flip between the two whenever a lag refresh saw a record in flight.
     *
     * @param toleranceRecords lag a RUNNING set may show, 0..1e9 records (default 1,000)
     * @param grace how long the lag must stay above the tolerance, 0..1 h (default 1 s)
     * @return this
     */
    public FeaturePipelineBuilder runningLagTolerance(long toleranceRecords, Duration grace) {
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
     * A freshness SLO for a set: the pipeline evaluates it continuously (see {@link SloStatus} for the age it
     * samples, from {@link FreshnessProbe} heartbeats) and exposes OK / BREACHED through
     * {@link FeaturePipeline#sloStatus}, a log line on each transition, {@link #onSloTransition} and, when metrics
     * are bound, the {@code freshet.slo.breached} gauge. Run a probe on the set's source topics: without heartbeats
     * the age grows from the pipeline's start and the SLO breaches.
     *
     * @param set a set registered with this builder (checked at build)
     * @param percentile the percentile of the age over the window, 50..100 (e.g. 99)
     * @param bound the age the percentile must not exceed, at least 1 ms
     * @param window the span the percentile covers, 100 ms..1 day, at least the bound
     * @return this
     */
    public FeaturePipelineBuilder freshnessSlo(FeatureSet<?> set, double percentile, Duration bound,
        Duration window) {
        Objects.requireNonNull(set, "set can't be null");
        Objects.requireNonNull(bound, "bound can't be null");
        Objects.requireNonNull(window, "window can't be null");
        if (!(percentile >= 50 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile=" + percentile + " is out of range: use 50..100 (e.g. 99)");
        }
        if (bound.toMillis() < 1) {
            throw new IllegalArgumentException("bound=" + bound + " is too small: use at least 1 ms");
        }
        if (window.toMillis() < 100 || window.compareTo(Duration.ofDays(1)) > 0 || window.compareTo(bound) < 0) {
            throw new IllegalArgumentException("window=" + window + " is out of range: use 100 ms..1 day, at least"
                + " the bound=" + bound);
        }
        if (slos.containsKey(set.name())) {
            throw new IllegalArgumentException("set=" + set.name() + " already has a freshness SLO: set it once");
        }
        slos.put(set.name(), new SloMonitor.Objective(set.name(), percentile, bound.toMillis(), window.toMillis()));
        return this;
    }

    /**
     * @param listener called on the pipeline's SLO thread at each OK / BREACHED transition of any set's SLO; must be
     *     quick; what it throws is logged and ignored
     * @return this
     */
    public FeaturePipelineBuilder onSloTransition(Consumer<SloStatus> listener) {
        this.sloListener = Objects.requireNonNull(listener, "listener can't be null");
        return this;
    }

    /**
     * The fill of a set's store (rows / capacity) at which the pipeline warns, long before the store is full: one
     * log line per crossing (not per record; no keys or payloads) and
     * {@link PipelineMetrics.SetCounts#storeFillWarning()} while it lasts (until the fill falls 5 points below). A
     * full store never loses a record: its set waits for room with status {@link SetStatus.State#STORE_FULL}.
     *
     * @param fill fraction of the capacity, 0.01..1 (default 0.8)
     * @return this
     */
    public FeaturePipelineBuilder storeFillWarning(double fill) {
        if (!(fill >= 0.01 && fill <= 1)) {
            throw new IllegalArgumentException("storeFillWarning=" + fill + " is out of range: use 0.01..1 (a fraction"
                + " of the store's capacity, e.g. 0.8)");
        }
        this.storeFillWarning = fill;
        return this;
    }

    /**
     * @param interval how often replicated mode looks for partitions added to a source topic after start,
     *     100 ms..1 h (default 10 s); new partitions are read from the log start (no effect in sharded mode,
     *     where the consumer group assigns them)
     * @return this
     */
    public FeaturePipelineBuilder partitionCheckInterval(Duration interval) {
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
    public FeaturePipelineBuilder clock(EpochClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock can't be null");
        return this;
    }

    /**
     * @param policy what to do when a store's offsets belong to another cluster/topic or lie below the log
     *     start (default FAIL)
     * @return this
     */
    public FeaturePipelineBuilder onOffsetMismatch(OffsetMismatchPolicy policy) {
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
        // First: an unsupported kafka-clients fails here with its version named, not later with a LinkageError.
        KafkaClientsVersion.checkAtStart();
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
        for (String sloSet : slos.keySet()) {
            if (registrations.stream().noneMatch(r -> r.set.name().equals(sloSet))) {
                throw new IllegalStateException("freshnessSlo names set=" + sloSet + ", which is not registered:"
                    + " register it, or drop its SLO");
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
